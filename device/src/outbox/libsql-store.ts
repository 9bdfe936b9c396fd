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
import type { OutboxStore } from './outbox.js';

type Statement = ReturnType<InstanceType<typeof Database>['prepare']>;

interface Statements {
  put: Statement;
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

  constructor(private readonly path: string) {}

  async open(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const db = new Database(this.path);
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = FULL');
    db.exec(`CREATE TABLE IF NOT EXISTS outbox (
      op_id TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      request TEXT NOT NULL
    )`);
    for (const file of [this.path, `${this.path}-wal`, `${this.path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
    this.statements = {
      put: db.prepare('INSERT INTO outbox (op_id, kind, request) VALUES (?, ?, ?) ON CONFLICT (op_id) DO NOTHING'),
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

  async put(opId: string, kind: string, json: string): Promise<void> {
    this.sql.put.run([opId, kind, json]);
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
          const deleted = db.transaction(() => batch.map((d) => (sql.delete.run([d.opId]) as { changes: number }).changes > 0))();
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
