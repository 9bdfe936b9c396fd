#!/usr/bin/env node
/**
 * The kiosk process: the only place that reads process.env and argv (docs/architecture.md).
 *   node device/dist/main.js --config /etc/loyalty/kiosk.json [--console]
 * With emulated hardware, --console lets a person drive it from the terminal.
 */
import { parseArgs } from 'node:util';
import { createLogger, runUntilSignal, ServiceNotifier } from '@loyalty/protocol/node';
import { KioskConfigError, KioskNotPairedError, loadKioskConfig, resolveStateDir } from './config.js';
import { pairKiosk, PairingError } from './pairing.js';
import { screenFor } from './ui/screens.js';
import { KioskConsole, drawScreen } from './console.js';
import { createEmulatedHardware, type EmulatedHardware } from './emulated/index.js';
import { createHardware } from './hardware/create.js';
import { Kiosk } from './kiosk.js';

// The kiosk's key, outbox and caches are its user's alone (docs/security.md "Files").
process.umask(0o077);
const USAGE = `usage: node device/dist/main.js [--config FILE] [--console] [--pair CODE --gateway URL [--kiosk-id ID]]
  --config FILE        the kiosk's JSON config (or LOYALTY_KIOSK_CONFIG; default /etc/loyalty/kiosk.json)
  --console            drive the emulated devices from this terminal
  --pair CODE          pair with a gateway using a one-time code from POST /api/v1/enrollments
  --gateway URL        the gateway's HTTP address, with --pair (http://GATEWAY:8080)
  --kiosk-id ID        the id to pair as (default: from the key's fingerprint)
  --help               this text
every config key and LOYALTY_KIOSK_* variable is in docs/operator-guide.md`;
const options = {
  config: { type: 'string' },
  console: { type: 'boolean', default: false },
  pair: { type: 'string' },
  gateway: { type: 'string' },
  'kiosk-id': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
let values: ReturnType<typeof parseArgs<{ options: typeof options }>>['values'];
try {
  ({ values } = parseArgs({ options }));
} catch (error) {
  process.stderr.write(`loyalty-kiosk: ${(error as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const configFile = values.config ?? process.env.LOYALTY_KIOSK_CONFIG;
// Under systemd (Type=notify): READY once serving, the watchdog pinged while healthy.
const notifyEnv = { NOTIFY_SOCKET: process.env.NOTIFY_SOCKET, WATCHDOG_USEC: process.env.WATCHDOG_USEC, WATCHDOG_PID: process.env.WATCHDOG_PID };
try {
  if (values.pair) {
    if (!values.gateway) throw new KioskConfigError('--pair needs --gateway http://GATEWAY:8080 (the gateway HTTP address)');
    const stateDir = resolveStateDir(process.env, configFile);
    const enrollment = await pairKiosk({ gatewayUrl: values.gateway, code: values.pair, stateDir, kioskId: values['kiosk-id'] });
    process.stderr.write(`paired as ${enrollment.kioskId} in store ${enrollment.storeId} (key ${enrollment.keyFingerprint})\n`);
  }
  const config = loadKioskConfig(process.env, configFile);
  const log = createLogger({ level: config.logLevel, name: 'kiosk', destination: values.console ? process.stderr : process.stdout });
  if (values.console && config.hardware.mode !== 'emulated') throw new KioskConfigError('--console drives the emulated devices; it needs hardware.mode "emulated"');
  const hardware = createHardware(config, log);
  // restart_agent: a clean stop; systemd (Restart=always) starts the agent again.
  const kiosk = new Kiosk(config, hardware, log, {
    onRestart: () => process.kill(process.pid, 'SIGTERM'),
    // boot.js says so when it started this agent (docs/fleet.md "Agent updates").
    canSwitchVersions: process.env.LOYALTY_KIOSK_BOOT === '1',
  });
  let terminal: KioskConsole | null = null;
  runUntilSignal(
    {
      start: async () => {
        await kiosk.start();
        if (!values.console) return;
        terminal = new KioskConsole({
          hardware: hardware as EmulatedHardware,
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
      health: () => kiosk.health(),
      readyStatus: () => kiosk.readyStatus(),
    },
    log,
    'kiosk',
    new ServiceNotifier(notifyEnv, log),
  );
} catch (error) {
  if (error instanceof KioskNotPairedError) {
    // Show it where staff will look, and wait: restarting in a loop would not help.
    const display = createEmulatedHardware().display;
    await display.show(screenFor(display, { screen: 'notPaired' }));
    process.stderr.write(`loyalty-kiosk: ${error.message}\n${drawScreen(display.current, display.columns)}\n`);
    // Up and doing what it should (waiting to be paired): systemd must not restart it in a loop.
    const notifier = new ServiceNotifier(notifyEnv, { warn: (details, message) => process.stderr.write(`${message} ${JSON.stringify(details)}\n`) });
    await notifier.ready('not paired: run --pair CODE --gateway URL');
    notifier.startWatchdog(async () => null);
    process.on('SIGTERM', () => process.exit(0));
    process.on('SIGINT', () => process.exit(0));
    setInterval(() => undefined, 1 << 30);
  } else if (error instanceof KioskConfigError || error instanceof PairingError) {
    process.stderr.write(`loyalty-kiosk: ${error.message}\n`);
    process.exit(2);
  } else {
    throw error;
  }
}
