#!/usr/bin/env node
/**
 * The kiosk process: the only place that reads process.env and argv (DESIGN §1).
 *   node device/dist/main.js --config /etc/loyalty/kiosk.json [--console]
 * With emulated hardware, --console lets a person drive it from the terminal.
 */
import { parseArgs } from 'node:util';
import { createLogger, runUntilSignal } from '@loyalty/protocol/node';
import { KioskConfigError, loadKioskConfig } from './config.js';
import { KioskConsole } from './console.js';
import { createEmulatedHardware } from './emulated/index.js';
import { Kiosk } from './kiosk.js';

const { values } = parseArgs({ options: { config: { type: 'string' }, console: { type: 'boolean', default: false } } });
try {
  const config = loadKioskConfig(process.env, values.config ?? process.env.LOYALTY_KIOSK_CONFIG);
  const log = createLogger({ level: config.logLevel, name: 'kiosk', destination: values.console ? process.stderr : process.stdout });
  const hardware = createEmulatedHardware({ displayColumns: config.display.columns, displayRows: config.display.rows, printerColumns: config.printer.columns });
  const kiosk = new Kiosk(config, hardware, log);
  let terminal: KioskConsole | null = null;
  runUntilSignal(
    {
      start: async () => {
        await kiosk.start();
        if (!values.console) return;
        terminal = new KioskConsole({
          hardware,
          agent: () => kiosk.agent,
          status: async () => `mqtt ${kiosk.link.connected ? 'connected' : 'offline'}, outbox ${await kiosk.outbox.depth()}`,
          currency: 'EUR',
          input: process.stdin,
          output: process.stdout,
          onQuit: () => process.kill(process.pid, 'SIGTERM'),
        });
        terminal.start();
      },
      stop: async () => {
        terminal?.stop();
        await kiosk.stop();
      },
    },
    log,
    'kiosk',
  );
} catch (error) {
  if (!(error instanceof KioskConfigError)) throw error;
  process.stderr.write(`loyalty-kiosk: ${error.message}\n`);
  process.exit(2);
}
