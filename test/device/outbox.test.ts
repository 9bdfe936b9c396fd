/** The outbox's two stores under one contract suite: a libSQL file (as on a kiosk) and memory. */
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JournalWriteError, LibsqlOutboxStore, MemoryOutboxStore, Outbox } from '@loyalty/device';
import { OpIdGenerator } from '@loyalty/protocol';
import { tempDir } from '../support/system.js';
import { outboxStoreContract } from './contracts/outbox-store.js';

outboxStoreContract('memory', () => ({ store: new MemoryOutboxStore(), cleanup: () => {} }), { durable: false });

outboxStoreContract(
  'libSQL file',
  () => {
    const dir = tempDir('outbox');
    const path = `${dir.path}/outbox.db`;
    return { store: new LibsqlOutboxStore(path), reopen: () => new LibsqlOutboxStore(path), cleanup: () => dir.remove() };
  },
  { durable: true },
);

describe('libSQL outbox file', () => {
  it('is readable by the kiosk user only (pending operations carry card numbers)', async () => {
    const dir = tempDir('outbox-mode');
    const outbox = new Outbox({ store: new LibsqlOutboxStore(`${dir.path}/outbox.db`) });
    await outbox.start();
    try {
      expect(statSync(`${dir.path}/outbox.db`).mode & 0o777).toBe(0o600);
    } finally {
      await outbox.stop();
      dir.remove();
    }
  });

  it('stops at its size cap with a named error, keeps every entry it took, and takes entries again as answered ones go', async () => {
    const dir = tempDir('outbox-cap');
    const path = `${dir.path}/outbox.db`;
    const ids = new OpIdGenerator();
    // A few hundred bytes per entry: 1 MiB holds a few thousand.
    const earn = () => ({ kind: 'earn' as const, opId: ids.next(), card: { number: '10009' }, receipt: { id: `R-${ids.next()}`, total: { amount: 1250, currency: 'EUR' } } });
    let outbox = new Outbox({ store: new LibsqlOutboxStore(path, 1024 * 1024) });
    await outbox.start();
    try {
      const taken: string[] = [];
      let refused: unknown = null;
      for (let i = 0; i < 20_000 && refused === null; i += 1) {
        const request = earn();
        await outbox.add(request).then(
          () => taken.push(request.opId),
          (error: unknown) => (refused = error),
        );
      }
      expect(refused).toBeInstanceOf(JournalWriteError);
      expect(refused).toMatchObject({ code: 'SQLITE_FULL' });
      expect(taken.length).toBeGreaterThan(1000);
      expect(statSync(path).size).toBeLessThanOrEqual(1024 * 1024);
      expect(outbox.lastFailure?.code).toBe('SQLITE_FULL');

      // Across a restart too: everything taken is there, and the cap still holds.
      await outbox.stop();
      outbox = new Outbox({ store: new LibsqlOutboxStore(path, 1024 * 1024) });
      await outbox.start();
      expect((await outbox.pending()).map((e) => e.opId)).toEqual(taken);
      await expect(outbox.add(earn())).rejects.toBeInstanceOf(JournalWriteError);

      // Answers arrive: their entries go, and their space takes new ones without growing the file.
      await Promise.all(taken.slice(0, 200).map((opId) => outbox.remove(opId)));
      expect(outbox.lastFailure).toBeNull();
      await outbox.add(earn());
      expect(await outbox.depth()).toBe(taken.length - 200 + 1);
      expect(statSync(path).size).toBeLessThanOrEqual(1024 * 1024);
    } finally {
      await outbox.stop();
      dir.remove();
    }
  });
});
