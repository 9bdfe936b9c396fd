#!/usr/bin/env node
/**
 * The gateway process: the only place that reads process.env and argv (docs/architecture.md).
 *   node gateway/dist/main.js [--config /etc/loyalty/gateway.json]
 */
import { parseArgs } from 'node:util';
import { createLogger, runUntilSignal, ServiceNotifier } from '@loyalty/protocol/node';
import { ConfigError, loadGatewayConfig } from './config.js';
import { Gateway } from './gateway.js';

// Every file the gateway creates (ledger, keys, logs) is its user's alone.
process.umask(0o077);
const USAGE = `usage: node gateway/dist/main.js [--config FILE]
  --config FILE   a JSON config file (or LOYALTY_GW_CONFIG); every key and LOYALTY_GW_* variable
                  is in docs/operator-guide.md
  --help          this text`;

let values: { config?: string; help?: boolean };
try {
  ({ values } = parseArgs({ options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: false }));
} catch (error) {
  process.stderr.write(`loyalty-gateway: ${(error as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
try {
  const config = loadGatewayConfig(process.env, values.config ?? process.env.LOYALTY_GW_CONFIG);
  const log = createLogger({ level: config.logLevel, name: 'gateway' });
  // Under systemd (Type=notify): READY once serving, the watchdog pinged while healthy.
  const notifier = new ServiceNotifier({ NOTIFY_SOCKET: process.env.NOTIFY_SOCKET, WATCHDOG_USEC: process.env.WATCHDOG_USEC, WATCHDOG_PID: process.env.WATCHDOG_PID }, log);
  runUntilSignal(new Gateway({ config, log }), log, 'gateway', notifier);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`loyalty-gateway: ${error.message}\n`);
  process.exit(2);
}
