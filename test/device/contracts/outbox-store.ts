/**
 * What every OutboxStore must do (the durable outbox's storage port): keep entries oldest first,
 * keep the first of two puts of one op id, delete once, and — where `reopen` is given — keep
 * every entry across a close and reopen (a crash or a power cut on a kiosk).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox, type OutboxStore } from '@loyalty/device';
import { JOURNAL_GENESIS, OpIdGenerator, generateKeyPair, journalHash, verifyJournalLink, type RequestOf } from '@loyalty/protocol';

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
      await rig.store.put('0000-not-a-request', 'earn', () => ({ json: JSON.stringify({ kind: 'earn', opId: 'nope' }), head: null }));
      await outbox.add(a);
      expect((await outbox.pending()).map((e) => e.opId)).toEqual([a.opId]);
      expect(await outbox.depth()).toBe(2);
    });

    it('chains journalled entries: each link signed, joined to the one before, a second add of one op id moves nothing', async () => {
      const keys = generateKeyPair();
      const chained = new Outbox({ store: rig.store, journal: { kioskId: 'k1', privateKey: () => keys.privateKey } });
      const a = earn('J1');
      const b = earn('J2');
      await chained.add(a);
      await chained.add(a);
      await chained.add(b);
      await chained.add({ kind: 'identify', opId: ids.next(), card: { number: '10009' } } as never); // a read is never journalled: no link
      const stored = (await chained.pending()).map((e) => e.request as RequestOf<'earn'>);
      const links = stored.filter((r) => r.journal).map((r) => r.journal!);
      expect(links.map((l) => l.seq)).toEqual([1, 2]);
      expect(links[0]!.prev).toBe(JOURNAL_GENESIS);
      const firstHash = journalHash(JOURNAL_GENESIS, stored[0]!);
      expect(links[1]!.prev).toBe(firstHash);
      expect(verifyJournalLink('k1', links[0]!, firstHash, [keys.publicKey])).toBe(true);
      expect(verifyJournalLink('k1', links[1]!, journalHash(firstHash, stored[1]!), [keys.publicKey])).toBe(true);
      // Altered, the request no longer hashes to what its link signed.
      expect(verifyJournalLink('k1', links[1]!, journalHash(firstHash, { ...stored[1]!, receipt: { id: 'J2', total: { amount: 999, currency: 'EUR' } } }), [keys.publicKey])).toBe(false);
    });

    it('counts offline spends by card since an instant and by day, written with their entry (and once per op id)', async () => {
      const a = earn('S1');
      const b = earn('S2');
      await outbox.add(a, { card: '10009', points: 100, day: '2026-12-07', at: 1000 });
      await outbox.add(a, { card: '10009', points: 100, day: '2026-12-07', at: 1000 });
      await outbox.add(b, { card: '10025', points: 30, day: '2026-12-08', at: 5000 });
      expect(await outbox.offlineSpent({ card: '10009', sinceMs: 0 })).toBe(100);
      expect(await outbox.offlineSpent({ card: '10009', sinceMs: 1001 })).toBe(0);
      expect(await outbox.offlineSpent({ day: '2026-12-07' })).toBe(100);
      expect(await outbox.offlineSpent({ day: '2026-12-08' })).toBe(30);
      // Answered, the entry leaves the outbox; the spend still counts against the limits.
      await outbox.remove(a.opId);
      expect(await outbox.offlineSpent({ card: '10009', sinceMs: 0 })).toBe(100);
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
