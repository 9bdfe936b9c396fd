/** What every Display adapter must do (docs/hardware.md): show screens that fit, read back the same, signal. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Display } from '@loyalty/device';

export interface DisplayRig {
  display: Display;
  /** the text the device itself shows (for the real stack: read back from the LCD model) */
  deviceText(): string[];
  close(): Promise<void>;
}

export function displayContract(name: string, makeRig: () => Promise<DisplayRig>): void {
  describe(`Display contract: ${name}`, () => {
    let rig: DisplayRig;
    beforeEach(async () => {
      rig = await makeRig();
      await rig.display.start();
    });
    afterEach(async () => {
      await rig.display.stop();
      await rig.close();
    });

    it('shows a screen, and the device shows the same text', async () => {
      expect(rig.display.health().state).toBe('ok');
      await rig.display.show({ lines: ['Hello Anna K.', 'Points: 1234'] });
      expect(rig.display.current.lines).toEqual(['Hello Anna K.', 'Points: 1234']);
      expect(rig.deviceText().slice(0, 2)).toEqual(['Hello Anna K.', 'Points: 1234']);
    });

    it('replaces the whole previous screen, and never writes past the width', async () => {
      await rig.display.show({ lines: ['A much longer first line than fits', 'second'] });
      await rig.display.show({ lines: ['Short'] });
      const text = rig.deviceText();
      expect(text[0]).toBe('Short');
      expect(text.slice(1).every((l) => l === '')).toBe(true);
      for (const line of rig.display.current.lines) expect(line.length).toBeLessThanOrEqual(rig.display.columns);
    });

    it('signals without failing', async () => {
      await rig.display.signal('success');
      await rig.display.signal('error');
      await rig.display.signal('attention');
    });
  });
}
