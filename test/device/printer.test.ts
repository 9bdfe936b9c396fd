/** The receipt printer port against the emulated printer and a real TCP printer socket (docs/hardware.md). */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@loyalty/protocol/node';
import { SerialPort } from 'serialport';
import { describe, expect, it } from 'vitest';
import {
  DeviceFileTransport,
  EmulatedReceiptPrinter,
  EscPosPrinter,
  SerialTransport,
  TcpTransport,
  balanceSlip,
  couponReceipt,
  decodeEscPos,
  earnReceipt,
  encodeReceipt,
  receiptText,
  staffReport,
} from '@loyalty/device';
import { FakeNetworkPrinter } from '../support/fake-printer.js';
import { PtyPair } from '../support/pty-pair.js';
import { describeWithSystem } from '../support/system-deps.js';
import { eventually } from '../support/system.js';
import { receiptPrinterContract } from './contracts/receipt-printer.js';

const quiet = createLogger({ level: 'silent', name: 'printer' });

receiptPrinterContract('emulated', async () => {
  const printer = new EmulatedReceiptPrinter(32);
  return {
    printer,
    jobs: () => printer.jobs,
    setPaper: (state) => (printer.paper = state),
    setReachable: async (on) => {
      printer.online = on;
    },
    close: async () => {},
  };
});

receiptPrinterContract('ESC/POS over TCP (fake network printer)', async () => {
  const device = new FakeNetworkPrinter();
  await device.up();
  const printer = new EscPosPrinter({ transport: new TcpTransport('127.0.0.1', device.port, 1000), columns: 32, codePage: 'PC866_CYRILLIC2', log: quiet, pollMs: 200 });
  return {
    printer,
    jobs: () => device.jobs,
    setPaper: (state) => (device.paper = state),
    setReachable: (on) => (on ? device.up() : device.down()),
    close: () => device.down(),
  };
});

describe('slips at 32, 42 and 48 columns', () => {
  const h = { title: 'COUPON', storeName: 'Магазин у дома', kioskId: 'kiosk-1', serverTime: '2026-11-22T19:40:03.104Z' };
  it.each([32, 42, 48] as const)('every slip fits %i columns, and the coupon carries its code as Code128 and QR', (columns) => {
    const slips = {
      balance: balanceSlip(h, { name: 'Анна К.', cardMasked: '*0009', balance: 1234, tier: 'Gold' }),
      earn: earnReceipt(h, {
        cardMasked: '*0009',
        receiptId: 'T-1',
        pointsEarned: 223,
        balance: 1457,
        lines: [
          { text: 'Points: 10 per 1.00 EUR', points: 123 },
          { text: 'Welcome bonus: 100 points', points: 100 },
        ],
      }),
      coupon: couponReceipt(h, { reward: 'Free coffee', code: 'C1A2B3C4D5E6F7A8B', expiresAt: '2026-12-06T10:00:00.000Z', value: null, cardMasked: '*0009', pointsSpent: 500 }),
      staff: staffReport(h, {
        staff: 'Olga (manager)',
        rows: [
          { label: 'Slips printed today', value: '42' },
          { label: 'Printer', value: 'paper near end' },
        ],
      }),
    };
    for (const [name, receipt] of Object.entries(slips)) {
      const decoded = decodeEscPos(encodeReceipt(receipt, columns, 'PC866_CYRILLIC2'));
      for (const line of receiptText(decoded)) expect(line.length, `${name}: "${line}"`).toBeLessThanOrEqual(columns);
      expect(receiptText(decoded)[0], name).toBe('Магазин у дома');
    }
    const coupon = decodeEscPos(encodeReceipt(slips.coupon, columns));
    expect(coupon.barcodes).toEqual([{ type: 73, data: 'C1A2B3C4D5E6F7A8B' }]);
    expect(coupon.qrCodes).toEqual(['C1A2B3C4D5E6F7A8B']);
    expect(receiptText(coupon)).toContain('Free coffee');
    expect(coupon.cuts).toBe(1);
  });
});

describeWithSystem('serial and device-file printers', ['socat'], () => {
  it('prints to a serial printer and reads its paper status back over the same port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serial-printer-'));
    const pty = new PtyPair(join(dir, 'printer'), join(dir, 'ttyPrinter'));
    await pty.plug();
    // The printer's side: record bytes, answer DLE EOT 4 with "paper near end".
    const received: number[] = [];
    const printerSide = new SerialPort({ path: pty.device, baudRate: 19_200 });
    printerSide.on('data', (data: Buffer) => {
      for (let i = 0; i < data.length; i++) {
        if (data[i] === 0x10 && data[i + 1] === 0x04) {
          printerSide.write(Buffer.from([data[i + 2] === 4 ? 0x1e : 0x12]));
          i += 2;
        } else received.push(data[i]!);
      }
    });
    const printer = new EscPosPrinter({ transport: new SerialTransport(pty.port, 19_200, 1000), columns: 32, codePage: 'PC866_CYRILLIC2', log: quiet, pollMs: 200 });
    await printer.start();
    await printer.print(encodeReceipt({ lines: [{ kind: 'text', text: 'Анна, спасибо!' }] }, 32, 'PC866_CYRILLIC2'));
    await eventually(() => receiptText(decodeEscPos(Buffer.from(received)))[0] === 'Анна, спасибо!', 3000, 'the slip over serial');
    expect(printer.health()).toEqual({ state: 'degraded', detail: 'paper near end' });
    await printer.stop();
    await new Promise<void>((resolve) => printerSide.close(() => resolve()));
    await pty.unplug();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('device-file printers', () => {
  it('write to the device node, and report a missing device as not reachable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lp-'));
    const lp = join(dir, 'lp0');
    writeFileSync(lp, '');
    const printer = new EscPosPrinter({ transport: new DeviceFileTransport(lp), columns: 32, codePage: 'PC437_USA', log: quiet, pollMs: 200 });
    await printer.start();
    expect(printer.health()).toEqual({ state: 'ok', detail: 'no status from this printer' });
    await printer.print(encodeReceipt({ lines: [{ kind: 'text', text: 'On USB' }] }, 32));
    expect(receiptText(decodeEscPos(readFileSync(lp)))).toEqual(['On USB']);
    await printer.stop();
    const missing = new EscPosPrinter({ transport: new DeviceFileTransport(join(dir, 'lp9')), columns: 32, codePage: 'PC437_USA', log: quiet, pollMs: 200 });
    await missing.start();
    await expect(missing.print(encodeReceipt({ lines: [{ kind: 'text', text: 'x' }] }, 32))).rejects.toMatchObject({ name: 'PrinterError', reason: 'offline' });
    expect(missing.health().detail).toMatch(/printer not reachable \(device .*lp9: ENOENT/);
    await missing.stop();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('held slips survive a restart of the agent (the print spool)', () => {
  it('a slip held while the printer is out of paper prints once after the printer object is made again, and a printed one never leaves a file', async () => {
    const device = new FakeNetworkPrinter();
    await device.up();
    const spoolDir = mkdtempSync(join(tmpdir(), 'spool-'));
    const make = () => new EscPosPrinter({ transport: new TcpTransport('127.0.0.1', device.port, 1000), columns: 32, codePage: 'PC866_CYRILLIC2', log: quiet, pollMs: 100, spoolDir });
    try {
      const first = make();
      await first.start();
      await first.print(Buffer.from('PRINTED AT ONCE\n'));
      expect(readdirSync(spoolDir)).toEqual([]);
      device.paper = 'out';
      await expect(first.print(Buffer.from('HELD SLIP\n'))).rejects.toMatchObject({ name: 'PrinterError' });
      expect(readdirSync(spoolDir)).toHaveLength(1);
      await first.stop(); // the agent stops (or dies) with the slip held
      device.paper = 'ok';
      const second = make();
      await second.start();
      await eventually(() => expect(device.jobs.map((j) => j.toString('latin1')).filter((t) => t.includes('HELD SLIP'))).toHaveLength(1));
      expect(readdirSync(spoolDir)).toEqual([]);
      await second.stop();
      // Not again on a third start.
      const third = make();
      await third.start();
      await third.stop();
      expect(device.jobs.map((j) => j.toString('latin1')).filter((t) => t.includes('HELD SLIP'))).toHaveLength(1);
    } finally {
      await device.down();
      rmSync(spoolDir, { recursive: true, force: true });
    }
  });
});
