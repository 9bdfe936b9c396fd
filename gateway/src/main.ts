#!/usr/bin/env node
/**
 * The gateway process: the only place that reads process.env and argv (DESIGN §1).
 *   node gateway/dist/main.js [--config /etc/loyalty/gateway.json]
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadGatewayConfig } from './config.js';
import { Gateway } from './gateway.js';
import { createLogger } from './log.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string' } }, allowPositionals: false });
  let config;
  try {
    config = loadGatewayConfig(process.env, values.config ?? process.env.LOYALTY_GW_CONFIG);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`loyalty-gateway: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger({ level: config.logLevel, name: 'gateway' });
  const gateway = new Gateway({ config, log });
  runUntilSignal(log, () => gateway.start(), () => gateway.stop());
}

/** Starts, then stops cleanly on SIGTERM/SIGINT; a second signal exits at once. */
function runUntilSignal(log: { info: (m: string) => void; error: (o: object, m: string) => void }, start: () => Promise<void>, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info(`${signal}: stopping`);
    stop().then(
      () => process.exit(0),
      (error: Error) => {
        log.error({ err: error.message }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  start().catch((error: Error) => {
    log.error({ err: error.message }, 'gateway failed to start');
    process.exit(1);
  });
}

await main();
