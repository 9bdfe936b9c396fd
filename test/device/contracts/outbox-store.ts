/**
 * What every OutboxStore must do (the durable outbox's storage port): keep entries oldest first,
 * keep the first of two puts of one op id, delete once, and — where `reopen` is given — keep
 * every entry across a close and reopen (a crash or a power cut on a kiosk).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox, type OutboxStore } from '@loyalty/device';
import { OpIdGenerator, type RequestOf } from '@loyalty/protocol';

export interface OutboxStoreRig {
  store: OutboxStore;
  /** a fresh store over the same storage, for durable stores; absent for memory */
  reopen?: () => OutboxStore;
  cleanup(): Promise<void> | void;
}

const ids = new OpIdGenerator();
const earn = (receiptId: string): RequestOf<'earn'> => ({ kind: 'earn', opId: ids.next(), card: { number: '10009' }, receipt: { id: receiptId, total: { amount: 100, currency: 'EUR' } } });

export function outboxStoreContract(name: string, makeRig: () => OutboxStoreRig, options: { durable: boolean }): void {
  describe(`OutboxStore contract: ${name}`, () => {
    let rig: OutboxStoreRig;
    let outbox: Outbox;
    beforeEach(async () => {
      rig = makeRig();
      outbox = new Outbox({ store: rig.store });
      await outbox.start();
    });
    afterEach(async () => {
      await outbox.stop();
      await rig.cleanup();
    });

    it('lists entries oldest first, keeps the first of two adds of one op id, removes once', async () => {
      const a = earn('A');
      const b = earn('B');
      await outbox.add(b);
      await outbox.add(a);
      await outbox.add({ ...a, receipt: { id: 'A2', total: { amount: 1, currency: 'EUR' } } }); // same op id: the first stays
      expect((await outbox.pending()).map((e) => e.request)).toEqual([a, b]);
      expect(await outbox.has(a.opId)).toBe(true);
      expect(await outbox.depth()).toBe(2);
      expect(await outbox.remove(a.opId)).toBe(true);
      expect(await outbox.remove(a.opId)).toBe(false);
      expect(await outbox.has(a.opId)).toBe(false);
      expect(await outbox.depth()).toBe(1);
    });

    it('answers many removals at once each with its own result (answers arrive by the hundred while a backlog drains)', async () => {
      const entries = Array.from({ length: 120 }, (_, i) => earn(`M${i}`));
      for (const entry of entries) await outbox.add(entry);
      const kept = entries.filter((_, i) => i % 3 === 0);
      const removed = entries.filter((_, i) => i % 3 !== 0);
      // Each removed twice in the same turn, and an op id that was never there.
      const results = await Promise.all([...removed.map((e) => outbox.remove(e.opId)), ...removed.map((e) => outbox.remove(e.opId)), outbox.remove(ids.next())]);
      expect(results.filter(Boolean)).toHaveLength(removed.length);
      expect(results.slice(0, removed.length).every(Boolean)).toBe(true);
      expect(results.slice(removed.length).some(Boolean)).toBe(false);
      expect((await outbox.pending()).map((e) => e.opId)).toEqual(kept.map((e) => e.opId));
    });

    it('skips an entry that no longer parses instead of failing the rest', async () => {
      const a = earn('C');
      await rig.store.put('0000-not-a-request', 'earn', JSON.stringify({ kind: 'earn', opId: 'nope' }));
      await outbox.add(a);
      expect((await outbox.pending()).map((e) => e.opId)).toEqual([a.opId]);
      expect(await outbox.depth()).toBe(2);
    });

    // Only durable stores promise this; memory forgets by design.
    if (options.durable)
      it('keeps every entry across a close and reopen', async () => {
        if (!rig.reopen) throw new Error('a durable store rig must say how to reopen it');
        const a = earn('D');
        await outbox.add(a);
        await outbox.stop();
        const reopened = new Outbox({ store: rig.reopen() });
        await reopened.start();
        try {
          expect((await reopened.pending()).map((e) => e.request)).toEqual([a]);
        } finally {
          await reopened.stop();
        }
      });
  });
}
