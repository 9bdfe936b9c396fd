/** What every BarcodeScanner adapter must do (docs/hardware.md): one event per code, in order, and nothing after stop. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BarcodeScanner } from '@loyalty/device';
import { eventually } from '../../support/system.js';

export interface ScannerRig {
  scanner: BarcodeScanner;
  /** the device reads a code (the rig adds the line ending a real scanner sends) */
  scan(code: string): void;
  close(): Promise<void>;
}

export function barcodeScannerContract(name: string, makeRig: () => Promise<ScannerRig>): void {
  describe(`BarcodeScanner contract: ${name}`, () => {
    let rig: ScannerRig;
    let codes: string[];
    beforeEach(async () => {
      rig = await makeRig();
      codes = [];
      rig.scanner.on('scan', ({ code }) => codes.push(code));
      await rig.scanner.start();
    });
    afterEach(async () => {
      await rig.scanner.stop();
      await rig.close();
    });

    it('reports ok and one event per code, in order', async () => {
      expect(rig.scanner.health().state).toBe('ok');
      rig.scan('10009');
      rig.scan('RCPT:T-1:1234:EUR');
      await eventually(() => codes.length === 2, 3000, 'two scans');
      expect(codes).toEqual(['10009', 'RCPT:T-1:1234:EUR']);
    });

    it('reports nothing after stop', async () => {
      await rig.scanner.stop();
      rig.scan('10017');
      await new Promise((r) => setTimeout(r, 200));
      expect(codes).toEqual([]);
    });
  });
}
