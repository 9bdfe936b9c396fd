// A kiosk agent in a process of its own, for the crash tests: the built agent (device/dist) with
// emulated devices, driven by JSON lines on stdin ({"tap": uid}, {"scan": code}, {"page": action},
// {"depth": true}, {"stop": true}) and reporting on stdout: {"ready": true}, each screen shown
// ({"view": …, "coupon": code}) and {"depth": n}. Usage: node kiosk-worker.mjs <config JSON>
import { createInterface } from 'node:readline';
import { Kiosk, createEmulatedHardware, parseKioskConfig } from '../../device/dist/index.js';
import { createLogger } from '../../protocol/dist/node/index.js';

const config = parseKioskConfig(JSON.parse(process.argv[2]));
const say = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
const hardware = createEmulatedHardware();
const kiosk = new Kiosk(config, hardware, createLogger({ level: 'silent', name: 'kiosk-worker' }));
await kiosk.start();
kiosk.agent.on('view', ({ view }) =>
  say({ view: view.screen, ...(view.screen === 'coupon' ? { coupon: view.coupon.code, printed: view.printed } : {}), ...(view.screen === 'notice' ? { notice: view.notice } : {}) }),
);
say({ ready: true, screen: kiosk.agent.current.view.screen });

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line);
  if (command.tap) {
    hardware.reader.remove();
    hardware.reader.present(command.tap);
  } else if (command.scan) hardware.scanner.scan(command.scan);
  else if (command.page) kiosk.agent.pageInput(command.page);
  else if (command.depth) say({ depth: await kiosk.outbox.depth() });
  else if (command.stop) {
    await kiosk.stop();
    say({ stopped: true });
    process.exit(0);
  }
}
