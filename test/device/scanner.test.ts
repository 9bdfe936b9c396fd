/**
 * The barcode scanner port against the emulated scanner and a real serial port (a socat pty
 * pair), plus what only a real port does: split writes, the scanner unplugged and plugged back
 * in, and a keyboard-wedge scanner typing into a tty (docs/hardware.md).
 */
import { createLogger } from '@loyalty/protocol/node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { EmulatedBarcodeScanner, SerialBarcodeScanner, TtyWedgeScanner } from '@loyalty/device';
import { PtyPair } from '../support/pty-pair.js';
import { describeWithSystem } from '../support/system-deps.js';
import { eventually } from '../support/system.js';
import { barcodeScannerContract } from './contracts/barcode-scanner.js';

const quiet = createLogger({ level: 'silent', name: 'scanner' });

barcodeScannerContract('emulated', async () => {
  const scanner = new EmulatedBarcodeScanner();
  return { scanner, scan: (code) => scanner.scan(code), close: async () => {} };
});

describeWithSystem('barcode scanner on a serial port (socat pty)', ['socat'], () => {
  barcodeScannerContract('serial port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scanner-'));
    const pty = new PtyPair(join(dir, 'scanner'), join(dir, 'ttyKiosk'));
    await pty.plug();
    const scanner = new SerialBarcodeScanner({ path: pty.port, baudRate: 9600, lineEnding: 'CRLF', log: quiet, probeMs: 100 });
    return {
      scanner,
      scan: (code) => pty.write(`${code}\r\n`),
      close: async () => {
        await pty.unplug();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });

  let dir: string;
  let pty: PtyPair;
  let scanner: SerialBarcodeScanner;
  let codes: string[];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scanner-'));
    pty = new PtyPair(join(dir, 'scanner'), join(dir, 'ttyKiosk'));
    await pty.plug();
    codes = [];
  });
  afterEach(async () => {
    await scanner?.stop();
    await pty.unplug();
    rmSync(dir, { recursive: true, force: true });
  });
  const startScanner = async (lineEnding: 'CRLF' | 'LF' | 'CR' = 'CRLF') => {
    scanner = new SerialBarcodeScanner({ path: pty.port, baudRate: 9600, lineEnding, log: quiet, probeMs: 100 });
    scanner.on('scan', ({ code }) => codes.push(code));
    await scanner.start();
  };

  it('joins a code split over several writes and splits codes sent in one write', async () => {
    await startScanner();
    pty.write('00012');
    await new Promise((r) => setTimeout(r, 50));
    pty.write('34567890\r');
    await new Promise((r) => setTimeout(r, 50));
    pty.write('\n10009\r\n10017\r\n');
    await eventually(() => codes.length === 3, 3000, 'three codes');
    expect(codes).toEqual(['0001234567890', '10009', '10017']);
  });

  it('uses the configured line ending', async () => {
    await startScanner('CR');
    pty.write('10009\r10017\r');
    await eventually(() => codes.length === 2, 3000);
    expect(codes).toEqual(['10009', '10017']);
  });

  it('notices the scanner unplugged and reopens the port when it is back', async () => {
    await startScanner();
    pty.write('10009\r\n');
    await eventually(() => codes.length === 1, 3000);
    await pty.unplug();
    await eventually(() => scanner.health().state === 'down', 3000, 'down after unplug');
    expect(scanner.health().detail).toContain(pty.port);
    await pty.plug();
    await eventually(() => scanner.health().state === 'ok', 5000, 'reopened');
    pty.write('10017\r\n');
    await eventually(() => codes.length === 2, 3000, 'a scan after replug');
    expect(codes).toEqual(['10009', '10017']);
  });

  it('starts without the scanner and picks it up when it is plugged in', async () => {
    await pty.unplug();
    await startScanner();
    expect(scanner.health()).toMatchObject({ state: 'down' });
    await pty.plug();
    await eventually(() => scanner.health().state === 'ok', 5000, 'opened once plugged');
    pty.write('10009\r\n');
    await eventually(() => codes.length === 1, 3000);
  });

  it('reads a keyboard-wedge scanner from a tty', async () => {
    const wedge = new TtyWedgeScanner({ path: pty.port, log: quiet });
    const typed: string[] = [];
    wedge.on('scan', ({ code }) => typed.push(code));
    await wedge.start();
    await eventually(() => wedge.health().state === 'ok', 3000);
    pty.write('10009\n10017\n');
    await eventually(() => typed.length === 2, 3000);
    expect(typed).toEqual(['10009', '10017']);
    await wedge.stop();
  });
});
