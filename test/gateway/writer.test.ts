import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqlClient as Client } from '@loyalty/gateway';
import { GroupCommitWriter, WriterClosedError, openDatabase } from '@loyalty/gateway';
import { tempDir } from '../support/system.js';

describe('group-commit writer (real libSQL file)', () => {
  let dir: ReturnType<typeof tempDir>;
  let client: Client;
  let writer: GroupCommitWriter;

  beforeEach(async () => {
    dir = tempDir('writer');
    client = await openDatabase({ url: `file:${dir.path}/w.db`, busyTimeoutMs: 1000 }, []);
    await client.execute('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
    await client.execute('CREATE TABLE blobs (b BLOB)');
    writer = new GroupCommitWriter(client, 10);
  });
  afterEach(async () => {
    await writer.close();
    client.close();
    dir.remove();
  });

  const count = async () => Number((await client.execute('SELECT count(*) AS n FROM t')).rows[0]!.n);

  it('commits concurrent operations in batches and answers each after its commit', async () => {
    const results = await Promise.all(Array.from({ length: 35 }, (_, i) => writer.run(async (tx) => (await tx.execute({ sql: 'INSERT INTO t VALUES (?, ?)', args: [`k${i}`, i] })).rowsAffected)));
    expect(results).toEqual(Array(35).fill(1));
    expect(await count()).toBe(35);
    expect(writer.batches).toBe(4); // 10 + 10 + 10 + 5
  });

  it('rolls back a failing operation alone; the rest of its batch commits', async () => {
    const outcomes = await Promise.allSettled([
      writer.run((tx) => tx.execute("INSERT INTO t VALUES ('a', 1)")),
      writer.run(async (tx) => {
        await tx.execute("INSERT INTO t VALUES ('b', 2)");
        throw new Error('business rule says no');
      }),
      writer.run((tx) => tx.execute("INSERT INTO t VALUES ('a', 3)")), // primary key clash
      writer.run((tx) => tx.execute("INSERT INTO t VALUES ('c', 4)")),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((await client.execute('SELECT k FROM t ORDER BY k')).rows.map((r) => r.k)).toEqual(['a', 'c']);
    expect(writer.batches).toBe(1);
  });

  it('never strands an operation queued right after a drain ends (regression)', async () => {
    for (let i = 0; i < 50; i += 1) {
      await writer.run((tx) => tx.execute({ sql: 'INSERT INTO t VALUES (?, ?)', args: [`s${i}`, i] }));
      // queued from a microtask right as the previous drain finishes
      await Promise.resolve().then(() => writer.run((tx) => tx.execute({ sql: 'INSERT INTO t VALUES (?, ?)', args: [`m${i}`, i] })));
    }
    expect(await count()).toBe(100);
  });

  it('finishes queued work on close and refuses new work after', async () => {
    const pending = writer.run((tx) => tx.execute("INSERT INTO t VALUES ('late', 1)"));
    await writer.close();
    await expect(pending).resolves.toBeDefined();
    await expect(writer.run((tx) => tx.execute('SELECT 1'))).rejects.toBeInstanceOf(WriterClosedError);
    expect(await count()).toBe(1);
  });

  it('on a full disk answers each operation of the batch with SQLITE_FULL, keeps what was committed, and writes again once there is room', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => writer.run((tx) => tx.execute({ sql: 'INSERT INTO t VALUES (?, ?)', args: [`kept${i}`, i] }))));
    // The write connection may not grow the file any more: a disk full from here on.
    const pages = Number((await writer.run((tx) => tx.execute('PRAGMA page_count'))).rows[0]!.page_count);
    await writer.run((tx) => tx.execute(`PRAGMA max_page_count = ${pages}`));
    /** an operation that needs new pages: a row, and 20 KB beside it */
    const grow = (i: number) =>
      writer.run(async (tx) => {
        await tx.execute({ sql: 'INSERT INTO t VALUES (?, ?)', args: [`grow${i}`, i] });
        await tx.execute('INSERT INTO blobs VALUES (randomblob(20000))');
      });
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => grow(i)));
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code?: string }).code : 'fulfilled'))).toEqual(Array(8).fill('SQLITE_FULL'));
    expect(await count()).toBe(20);
    // Room again: the writer goes on.
    await writer.run((tx) => tx.execute(`PRAGMA max_page_count = ${pages + 1000}`));
    await Promise.all(Array.from({ length: 3 }, (_, i) => grow(100 + i)));
    expect(await count()).toBe(23);
  });
});
