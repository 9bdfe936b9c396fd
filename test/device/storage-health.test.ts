/** The kiosk's storage health (docs/fleet.md "Storage") and the journal's named write failure. */
import { describe, expect, it } from 'vitest';
import { JournalWriteError, MemoryOutboxStore, Outbox, StorageHealth, type EntryBuilder, type OfflineSpend } from '@loyalty/device';
import { OpIdGenerator } from '@loyalty/protocol';

const MiB = 1024 * 1024;
const ids = new OpIdGenerator();

/** A store whose disk is full while `full` is set, as libsql reports it. */
class FullableStore extends MemoryOutboxStore {
  full = false;
  override async put(opId: string, kind: string, entry: EntryBuilder, spend?: OfflineSpend): Promise<void> {
    if (this.full) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    return super.put(opId, kind, entry, spend);
  }
}

const earn = () => ({ kind: 'earn' as const, opId: ids.next(), card: { number: '10009' }, receipt: { id: 'R-1', total: { amount: 1250, currency: 'EUR' } } });

describe('the journal', () => {
  it('names a failed write, keeps what it holds, and counts as failing until a write succeeds', async () => {
    const store = new FullableStore();
    const outbox = new Outbox({ store });
    const kept = await outbox.add(earn());
    store.full = true;
    const refused = await outbox.add(earn()).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(JournalWriteError);
    expect(refused).toMatchObject({ name: 'JournalWriteError', code: 'SQLITE_FULL' });
    expect((refused as Error).message).toContain('database or disk is full');
    expect(outbox.lastFailure).toMatchObject({ code: 'SQLITE_FULL', at: expect.any(Number) });
    expect((await outbox.pending()).map((e) => e.opId)).toEqual([kept.opId]);

    // An answered entry's removal is a write that succeeded: it freed the space the next one needs.
    store.full = false;
    expect(await outbox.remove(kept.opId)).toBe(true);
    expect(outbox.lastFailure).toBeNull();
    await outbox.add(earn());
    expect(await outbox.depth()).toBe(1);
  });

  it('gives a code it cannot trust as UNKNOWN rather than passing it on', async () => {
    const store = new MemoryOutboxStore();
    store.put = async () => {
      throw Object.assign(new Error('odd'), { code: 'not a code; DROP TABLE' });
    };
    const outbox = new Outbox({ store });
    await expect(outbox.add(earn())).rejects.toMatchObject({ code: 'UNKNOWN' });
  });
});

describe('storage health', () => {
  const healthWith = (free: number | Error, failure: { code: string; at: number } | null = null) =>
    new StorageHealth({
      dir: '/var/lib/loyalty-kiosk',
      lowFreeBytes: 200 * MiB,
      journalFailure: () => failure,
      freeSpace: async () => {
        if (free instanceof Error) throw free;
        return { bavail: free / 4096, bsize: 4096 };
      },
    }).health();

  it('is ok with room to spare, saying how much', async () => {
    expect(await healthWith(1843 * MiB)).toEqual({ state: 'ok', detail: '1843 MiB free' });
  });

  it('is degraded below the low mark, and when the free space cannot be read', async () => {
    expect(await healthWith(150 * MiB)).toEqual({ state: 'degraded', detail: '150 MiB free, below 200 MiB' });
    expect(await healthWith(Object.assign(new Error('gone'), { code: 'ENOENT' }))).toEqual({ state: 'degraded', detail: 'free space unknown (ENOENT)' });
  });

  it('is down while the journal cannot be written, whatever the free space says', async () => {
    const at = Date.parse('2026-12-08T10:00:00Z');
    expect(await healthWith(5000 * MiB, { code: 'SQLITE_FULL', at })).toEqual({ state: 'down', detail: 'journal full (SQLITE_FULL) since 2026-12-08T10:00:00.000Z' });
    expect(await healthWith(5000 * MiB, { code: 'SQLITE_IOERR', at })).toEqual({ state: 'down', detail: 'journal not writable (SQLITE_IOERR) since 2026-12-08T10:00:00.000Z' });
  });

  it('reads the real free space of a directory', async () => {
    const health = await new StorageHealth({ dir: process.cwd(), lowFreeBytes: 0, journalFailure: () => null }).health();
    expect(health).toMatchObject({ state: 'ok', detail: expect.stringMatching(/^\d+ MiB free$/) });
  });
});
