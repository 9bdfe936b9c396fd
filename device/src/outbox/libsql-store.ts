/**
 * The outbox on a kiosk: a local libSQL file in WAL mode with synchronous=FULL, so a committed
 * entry survives a crash or a power cut. Pending operations carry card numbers: the files are
 * readable by the kiosk's user only.
 *
 * It uses `libsql` (the engine) directly, with its statements prepared once: @libsql/client, a
 * layer for remote databases too, costs ~15 MiB of resident memory on a kiosk and prepares every
 * statement again on every call (docs/benchmarks.md "kiosk").
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'libsql';
import { JOURNAL_GENESIS } from '@loyalty/protocol';
import type { EntryBuilder, JournalHead, OfflineSpend, OutboxStore } from './outbox.js';

/** Offline spends older than this no longer count against anything (tokens and days are shorter). */
const SPEND_KEEP_MS = 62 * 86_400_000;

type Statement = ReturnType<InstanceType<typeof Database>['prepare']>;

interface Statements {
  put: Statement;
  head: Statement;
  setHead: Statement;
  spend: Statement;
  spentByCard: Statement;
  spentOnDay: Statement;
  delete: Statement;
  has: Statement;
  list: Statement;
  count: Statement;
}

interface PendingDelete {
  opId: string;
  resolve: (deleted: boolean) => void;
  reject: (error: unknown) => void;
}

export class LibsqlOutboxStore implements OutboxStore {
  private db: InstanceType<typeof Database> | null = null;
  private statements: Statements | null = null;
  /** answered operations waiting to be cleared together (see delete) */
  private deletes: PendingDelete[] = [];
  private deleting: Promise<void> | null = null;

  /**
   * @param maxBytes the most the journal's file may grow to (docs/fleet.md "Storage"): a long
   *   outage must not fill the card the kiosk's system runs from; beyond it a write fails with
   *   SQLITE_FULL until answered entries are removed.
   */
  constructor(
    private readonly path: string,
    private readonly maxBytes?: number,
  ) {}

  async open(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const db = new Database(this.path);
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = FULL');
    if (this.maxBytes !== undefined) {
      const { page_size: pageSize } = db.prepare('PRAGMA page_size').get([]) as { page_size: number };
      // SQLite keeps it at least the file's present size: a file over the cap opens, and takes writes once entries go.
      db.exec(`PRAGMA max_page_count = ${Math.max(1, Math.ceil(this.maxBytes / pageSize))}`);
    }
    db.exec(`CREATE TABLE IF NOT EXISTS outbox (
      op_id TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      request TEXT NOT NULL
    )`);
    // The journal chain's newest link (one row), and what was paid out offline (docs/offline.md).
    db.exec('CREATE TABLE IF NOT EXISTS journal_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL)');
    db.exec('CREATE TABLE IF NOT EXISTS offline_spends (op_id TEXT PRIMARY KEY, card TEXT NOT NULL, points INTEGER NOT NULL, day TEXT NOT NULL, at INTEGER NOT NULL)');
    db.exec('CREATE INDEX IF NOT EXISTS offline_spends_card ON offline_spends(card, at)');
    db.exec('CREATE INDEX IF NOT EXISTS offline_spends_day ON offline_spends(day)');
    db.prepare('DELETE FROM offline_spends WHERE at < ?').run([Date.now() - SPEND_KEEP_MS]);
    for (const file of [this.path, `${this.path}-wal`, `${this.path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
    this.statements = {
      put: db.prepare('INSERT INTO outbox (op_id, kind, request) VALUES (?, ?, ?)'),
      head: db.prepare('SELECT seq, hash FROM journal_head WHERE id = 1'),
      setHead: db.prepare('INSERT INTO journal_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash'),
      spend: db.prepare('INSERT INTO offline_spends (op_id, card, points, day, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (op_id) DO NOTHING'),
      spentByCard: db.prepare('SELECT COALESCE(SUM(points), 0) AS n FROM offline_spends WHERE card = ? AND at >= ?'),
      spentOnDay: db.prepare('SELECT COALESCE(SUM(points), 0) AS n FROM offline_spends WHERE day = ?'),
      delete: db.prepare('DELETE FROM outbox WHERE op_id = ?'),
      has: db.prepare('SELECT 1 FROM outbox WHERE op_id = ?'),
      list: db.prepare('SELECT op_id, request FROM outbox ORDER BY op_id'),
      count: db.prepare('SELECT count(*) AS n FROM outbox'),
    };
    this.db = db;
  }

  async close(): Promise<void> {
    while (this.deleting) await this.deleting;
    this.statements = null;
    this.db?.close();
    this.db = null;
  }

  private get sql(): Statements {
    if (!this.statements) throw new Error('the outbox is not open');
    return this.statements;
  }

  async put(opId: string, kind: string, entry: EntryBuilder, spend?: OfflineSpend): Promise<void> {
    const sql = this.sql;
    // One transaction: the entry, the chain's head and the spend are on disk together or not at all.
    atomically(this.db!, () => {
      if (sql.has.get([opId]) !== undefined) return;
      const row = sql.head.get([]) as { seq: number; hash: string } | undefined;
      const head: JournalHead = row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: JOURNAL_GENESIS };
      const built = entry(head);
      sql.put.run([opId, kind, built.json]);
      if (built.head) sql.setHead.run([built.head.seq, built.head.hash]);
      if (spend) sql.spend.run([opId, spend.card, spend.points, spend.day, spend.at]);
    });
  }

  async offlineSpent(query: { card: string; sinceMs: number } | { day: string }): Promise<number> {
    const row = ('day' in query ? this.sql.spentOnDay.get([query.day]) : this.sql.spentByCard.get([query.card, query.sinceMs])) as { n: number };
    return Number(row.n);
  }

  /**
   * Deletes answered operations in one transaction per turn of the event loop (one fsync for
   * all): while a backlog drains, answers arrive by the hundred (docs/benchmarks.md "kiosk").
   * Nothing is lost by the wait: an operation not yet deleted when the kiosk stops is sent again
   * and the gateway answers `exists`.
   */
  delete(opId: string): Promise<boolean> {
    const sql = this.sql;
    const db = this.db!;
    return new Promise((resolve, reject) => {
      this.deletes.push({ opId, resolve, reject });
      this.deleting ??= this.deleteQueued(db, sql);
    });
  }

  private async deleteQueued(db: InstanceType<typeof Database>, sql: Statements): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.deletes.length) {
        const batch = this.deletes.splice(0, 500);
        try {
          const deleted = atomically(db, () => batch.map((d) => (sql.delete.run([d.opId]) as { changes: number }).changes > 0));
          for (const [i, d] of batch.entries()) d.resolve(deleted[i]!);
        } catch (error) {
          for (const d of batch) d.reject(error);
        }
      }
    } finally {
      this.deleting = null;
    }
  }

  async has(opId: string): Promise<boolean> {
    return this.sql.has.get([opId]) !== undefined;
  }

  async list(): Promise<Array<{ opId: string; json: string }>> {
    return (this.sql.list.all([]) as Array<{ op_id: string; request: string }>).map((r) => ({ opId: r.op_id, json: r.request }));
  }

  async count(): Promise<number> {
    return Number((this.sql.count.get([]) as { n: number }).n);
  }
}

/**
 * Runs `work` in one write transaction. Not libsql's `transaction()`: when the disk is full
 * SQLite has already rolled the transaction back, and its wrapper's own ROLLBACK then fails with
 * "no transaction is active", hiding SQLITE_FULL behind SQLITE_ERROR.
 */
function atomically<T>(db: InstanceType<typeof Database>, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
