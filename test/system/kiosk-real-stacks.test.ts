/**
 * A kiosk on the real device stacks end to end (docs/hardware.md): its config says `hardware.mode:
 * "real"`; a virtual contactless card on a vpcd reader of a real pcscd is tapped, the balance
 * slip comes out of a TCP receipt printer in a Cyrillic code page, a till receipt is scanned on
 * a serial port, and the points slip prints; then the printer runs out of paper, the slip is
 * held and prints exactly once when paper is back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Gateway } from '@loyalty/gateway';
import { receiptCode } from '@loyalty/protocol';
import { decodeEscPos, loadPcsclite, receiptText } from '@loyalty/device';
import { FakeNetworkPrinter } from '../support/fake-printer.js';
import { PrivatePcscd, freePortPair } from '../support/pcscd.js';
import { PtyPair } from '../support/pty-pair.js';
import { describeWithSystem } from '../support/system-deps.js';
import { ANNA, eventually, registerSale, seed, startGateway, startKiosk, tempDir, type TestKiosk } from '../support/system.js';
import { VirtualCard } from '../support/vpcd-card.js';

/** vpcd's ports (the reader listens for cards there), free ones so test files can run side by side */
const BASE_PORT = await freePortPair();

describeWithSystem('a kiosk on real device stacks', ['pcscd', 'unshare', 'socat'], () => {
  const dirs = [tempDir('gw-real'), tempDir('kiosk-real')];
  const ptyDir = mkdtempSync(join(tmpdir(), 'real-scanner-'));
  const pcscd = new PrivatePcscd([BASE_PORT]);
  const pty = new PtyPair(join(ptyDir, 'scanner'), join(ptyDir, 'ttyScanner'));
  const printer = new FakeNetworkPrinter();
  let gateway: Gateway;
  let k: TestKiosk;
  const slips = () => printer.jobs.map((job) => receiptText(decodeEscPos(job)));

  beforeAll(async () => {
    if (!loadPcsclite()) throw new Error('the pcsclite module is not built: apt-get install libpcsclite-dev, then npm ci');
    pcscd.useFromThisProcess();
    await pcscd.start();
    await pty.plug();
    await printer.up();
    ({ gateway } = await startGateway(dirs[0]!.path));
    await seed(gateway);
    k = await startKiosk(gateway, dirs[1]!.path, {
      config: {
        hardware: {
          mode: 'real',
          reader: { readers: ['Virtual PCD 0 00 00'] },
          scanner: { kind: 'serial', path: pty.port, baudRate: 9600, lineEnding: 'CRLF' },
          printer: { kind: 'tcp', host: '127.0.0.1', port: printer.port },
          codePage: 'PC866_CYRILLIC2',
        },
      },
    });
    await eventually(() => k.kiosk.link.connected && k.hardware.reader.health().state === 'ok', 10_000, 'kiosk connected with its reader ready');
  }, 120_000);
  afterAll(async () => {
    await k?.kiosk.stop();
    await gateway?.stop();
    await printer.down();
    await pty.unplug();
    await pcscd.remove();
    for (const d of dirs) d.remove();
    rmSync(ptyDir, { recursive: true, force: true });
  });

  it('taps a card, prints the balance, scans a receipt and prints the points, holding a slip while paper is out', async () => {
    const card = new VirtualCard(ANNA.uid);
    await card.insert(BASE_PORT);
    await eventually(() => slips().length === 1, 10_000, 'balance slip at the printer');
    expect(slips()[0]).toContain('Hello, Anna K.');
    expect(k.hardware.display.current.lines[0]).toBe('Hello Anna K.');

    const receipt = { id: 'T-900', total: { amount: 2500, currency: 'EUR' } };
    await registerSale(gateway, receipt);
    pty.write(`${receiptCode(receipt)}\r\n`);
    await eventually(() => slips().length === 2, 10_000, 'points slip');
    expect(slips()[1]!.join('\n')).toMatch(/Points earned +\+25/);

    printer.paper = 'out';
    card.remove();
    await new Promise((r) => setTimeout(r, 800));
    await card.insert(BASE_PORT);
    await eventually(() => k.hardware.printer.health().detail === 'paper out', 10_000, 'paper out reported');
    expect(slips()).toHaveLength(2);
    printer.paper = 'ok';
    await eventually(() => slips().length === 3, 10_000, 'the held slip printed');
    await new Promise((r) => setTimeout(r, 2500));
    expect(slips()).toHaveLength(3);
    expect(slips()[2]!.join('\n')).toMatch(/Points balance +25/);
    card.remove();
  });
});
