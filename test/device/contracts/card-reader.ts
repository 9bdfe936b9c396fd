/** What every CardReader adapter must do (docs/hardware.md): one event per presentation, removal, re-presentation. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CardPresented, CardReader } from '@loyalty/device';
import { eventually } from '../../support/system.js';

export interface ReaderRig {
  reader: CardReader;
  present(uid: string): Promise<void>;
  remove(): Promise<void>;
  close(): Promise<void>;
}

export function cardReaderContract(name: string, makeRig: () => Promise<ReaderRig>): void {
  describe(`CardReader contract: ${name}`, () => {
    let rig: ReaderRig;
    let cards: CardPresented[];
    let removals: number;
    beforeEach(async () => {
      rig = await makeRig();
      cards = [];
      removals = 0;
      rig.reader.on('card', (card) => cards.push(card));
      rig.reader.on('removed', () => removals++);
      await rig.reader.start();
      await eventually(() => rig.reader.health().state === 'ok', 10_000, 'reader ready');
    });
    afterEach(async () => {
      await rig.reader.stop();
      await rig.close();
    });

    it('reports a card once while it lies on the reader, then its removal, then the next presentation', async () => {
      await rig.present('04A1B2C3D4E5F6');
      await eventually(() => cards.length === 1, 5000, 'card read');
      expect(cards[0]).toMatchObject({ uid: '04A1B2C3D4E5F6', atr: expect.stringMatching(/^3B/) });
      // Held on the reader: not read again.
      await new Promise((r) => setTimeout(r, 1200));
      expect(cards).toHaveLength(1);
      await rig.remove();
      await eventually(() => removals === 1, 5000, 'removal seen');
      await rig.present('04112233445566');
      await eventually(() => cards.length === 2, 5000, 'second card read');
      expect(cards[1]!.uid).toBe('04112233445566');
      await rig.remove();
      await eventually(() => removals === 2, 5000, 'second removal');
    });
  });
}
