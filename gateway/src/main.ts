#!/usr/bin/env node
/**
 * The gateway process: the only place that reads process.env and argv (docs/architecture.md).
 *   node gateway/dist/main.js [--config /etc/loyalty/gateway.json]
 */
import { parseArgs } from 'node:util';
import { createLogger, runUntilSignal } from '@loyalty/protocol/node';
import { ConfigError, loadGatewayConfig } from './config.js';
import { Gateway } from './gateway.js';

// Every file the gateway creates (ledger, keys, logs) is its user's alone.
process.umask(0o077);
const { values } = parseArgs({ options: { config: { type: 'string' } }, allowPositionals: false });
try {
  const config = loadGatewayConfig(process.env, values.config ?? process.env.LOYALTY_GW_CONFIG);
  const log = createLogger({ level: config.logLevel, name: 'gateway' });
  runUntilSignal(new Gateway({ config, log }), log, 'gateway');
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`loyalty-gateway: ${error.message}\n`);
  process.exit(2);
}
