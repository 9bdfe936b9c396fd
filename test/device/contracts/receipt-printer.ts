/**
 * What every ReceiptPrinter adapter must do (docs/hardware.md), run against the emulated printer and the
 * real-stack one (a TCP printer socket): print, report paper near end and paper out as health,
 * hold a slip while it cannot print and print it exactly once when it can, and say clearly when
 * the printer is not there.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PrinterError, decodeEscPos, encodeReceipt, receiptText, type ReceiptPrinter } from '@loyalty/device';
import { eventually } from '../../support/system.js';

export interface PrinterRig {
  printer: ReceiptPrinter & { held: number };
  jobs(): Buffer[];
  setPaper(state: 'ok' | 'near_end' | 'out'): void;
  /** the printer switched off or unplugged, and back */
  setReachable(on: boolean): Promise<void>;
  close(): Promise<void>;
}

const slip = (text: string) => encodeReceipt({ lines: [{ kind: 'text', text }] }, 32);
const printedTexts = (rig: PrinterRig) => rig.jobs().map((j) => receiptText(decodeEscPos(j)).join('|'));

export function receiptPrinterContract(name: string, makeRig: () => Promise<PrinterRig>): void {
  describe(`ReceiptPrinter contract: ${name}`, () => {
    let rig: PrinterRig;
    beforeEach(async () => {
      rig = await makeRig();
      await rig.printer.start();
    });
    afterEach(async () => {
      await rig.printer.stop();
      await rig.close();
    });

    it('prints a job and reports ok', async () => {
      await rig.printer.print(slip('Hello'));
      await eventually(() => rig.jobs().length === 1, 2000, 'the job at the printer');
      expect(printedTexts(rig)).toEqual(['Hello']);
      expect(rig.printer.health().state).toBe('ok');
    });

    it('prints with paper near end and says so in its health', async () => {
      rig.setPaper('near_end');
      await rig.printer.print(slip('Still printing'));
      await eventually(() => rig.jobs().length === 1, 2000, 'the job at the printer');
      expect(printedTexts(rig)).toEqual(['Still printing']);
      expect(rig.printer.health()).toEqual({ state: 'degraded', detail: 'paper near end' });
    });

    it('holds a slip while paper is out and prints it exactly once when paper is back', async () => {
      rig.setPaper('out');
      const error = await rig.printer.print(slip('Coupon C-1')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PrinterError);
      expect(error).toMatchObject({ reason: 'paper_out' });
      expect(rig.printer.health()).toEqual({ state: 'down', detail: 'paper out' });
      expect(rig.jobs()).toHaveLength(0);
      expect(rig.printer.held).toBe(1);
      rig.setPaper('ok');
      await eventually(() => rig.jobs().length === 1, 5000, 'the held slip printed');
      await rig.printer.print(slip('Next'));
      // A little longer than the retry interval: nothing prints twice.
      await new Promise((r) => setTimeout(r, 600));
      expect(printedTexts(rig)).toEqual(['Coupon C-1', 'Next']);
      expect(rig.printer.held).toBe(0);
    });

    it('says clearly when the printer is not reachable, and prints the held slip when it is back', async () => {
      await rig.setReachable(false);
      const error = await rig.printer.print(slip('While away')).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'PrinterError', reason: 'offline' });
      expect(rig.printer.health().state).toBe('down');
      expect(rig.printer.health().detail).toMatch(/printer not reachable/);
      await rig.setReachable(true);
      await eventually(() => rig.jobs().length === 1, 5000, 'printed after the printer came back');
      expect(printedTexts(rig)).toEqual(['While away']);
      await eventually(() => rig.printer.health().state === 'ok', 5000, 'health back to ok');
    });
  });
}
