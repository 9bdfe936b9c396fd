/**
 * The ledger's view of the database: a minimal interface that @libsql/client's Client and
 * Transaction already satisfy, plus a local implementation for `file:` URLs.
 *
 * Why two: @libsql/client prepares every statement on every execute() and asks it for its
 * columns (~45 µs per statement here), and a ledger operation is ~8 statements, so on a fast
 * disk the ledger was CPU-bound at half the raw commit rate. `libsql` (the engine
 * @libsql/client wraps for local files) can keep prepared statements: ~4 µs each. Remote
 * `libsql:`/`http(s):` URLs (sqld, Turso) keep using @libsql/client, where the network dominates.
 */
import { fileURLToPath } from 'node:url';
import { createClient } from '@libsql/client';
import Database from 'libsql';

export type SqlArgs = ReadonlyArray<string | number | bigint | null | Uint8Array> | Record<string, string | number | bigint | null | Uint8Array>;
export type SqlStatement = string | { sql: string; args?: SqlArgs };
export type SqlRow = Record<string, unknown>;

export interface SqlResult {
  rows: SqlRow[];
  rowsAffected: number;
  lastInsertRowid?: bigint | number;
}

export interface SqlExecutor {
  execute(statement: SqlStatement): Promise<SqlResult>;
}

export interface SqlTransaction extends SqlExecutor {
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): void;
}

export interface SqlClient extends SqlExecutor {
  transaction(mode: 'write' | 'read'): Promise<SqlTransaction>;
  /** runs the statements atomically in one write transaction */
  batch(statements: SqlStatement[], mode: 'write'): Promise<SqlResult[]>;
  close(): void;
}

export interface OpenOptions {
  url: string;
  authToken?: string;
  busyTimeoutMs: number;
}

export function openSqlClient(options: OpenOptions): SqlClient {
  const path = localFilePath(options.url);
  if (path !== null) return new LocalSqlClient(path, options.busyTimeoutMs);
  return createClient({ url: options.url, authToken: options.authToken }) as unknown as SqlClient;
}

/** The path of a `file:` URL, in either spelling (`file:var/x.db`, `file:///var/x.db`); null for any other URL. */
export function localFilePath(url: string): string | null {
  if (url.startsWith('file://')) return fileURLToPath(url);
  return url.startsWith('file:') ? url.slice('file:'.length) : null;
}

type Statement = ReturnType<InstanceType<typeof Database>['prepare']>;

/** One SQLite connection with its prepared statements kept (bounded, least recently used out). */
class Connection {
  /** with whether it returns rows: libsql's `reader` is a native call on every read of it */
  private readonly statements = new Map<string, { statement: Statement; reader: boolean }>();
  readonly db: InstanceType<typeof Database>;

  constructor(path: string, busyTimeoutMs: number) {
    this.db = new Database(path, { timeout: busyTimeoutMs });
    // Per connection: durability as docs/ledger.md asks, and the schema's foreign keys enforced.
    this.db.exec('PRAGMA synchronous = FULL');
    this.db.exec('PRAGMA foreign_keys = ON');
  }

  run(statement: SqlStatement): SqlResult {
    const { sql, args } = typeof statement === 'string' ? { sql: statement, args: undefined } : statement;
    let kept = this.statements.get(sql);
    if (kept) {
      this.statements.delete(sql);
    } else {
      const statement = this.db.prepare(sql);
      kept = { statement, reader: statement.reader };
      if (this.statements.size >= 256) this.statements.delete(this.statements.keys().next().value!);
    }
    this.statements.set(sql, kept);
    const prepared = kept.statement;
    // One array (positional, ?1 = first) or one object (named) binds all parameters.
    const bind = (args ?? []) as unknown;
    if (kept.reader) {
      const rows = (prepared.all as (b: unknown) => unknown)(bind) as SqlRow[];
      return { rows, rowsAffected: 0 };
    }
    const info = (prepared.run as (b: unknown) => unknown)(bind) as { changes: number; lastInsertRowid: number | bigint };
    return { rows: [], rowsAffected: info.changes, lastInsertRowid: info.lastInsertRowid };
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }
}

class LocalTransaction implements SqlTransaction {
  private finished = false;

  constructor(
    private readonly connection: Connection,
    private readonly done: () => void,
  ) {}

  async execute(statement: SqlStatement): Promise<SqlResult> {
    if (this.finished) throw new Error('the transaction is already finished');
    return this.connection.run(statement);
  }

  async commit(): Promise<void> {
    this.connection.db.exec('COMMIT');
    this.finish();
  }

  async rollback(): Promise<void> {
    if (this.connection.db.inTransaction) this.connection.db.exec('ROLLBACK');
    this.finish();
  }

  close(): void {
    if (this.finished) return;
    if (this.connection.db.inTransaction) this.connection.db.exec('ROLLBACK');
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.done();
  }
}

/**
 * Plain reads run on their own connection; write transactions on another, one at a time
 * (queued), like @libsql/client gives each transaction its own connection. Read transactions
 * get a fresh connection each, for a consistent snapshot that nothing else shares.
 */
class LocalSqlClient implements SqlClient {
  private readonly reads: Connection;
  private readonly writes: Connection;
  private writeQueue: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly busyTimeoutMs: number,
  ) {
    this.reads = new Connection(path, busyTimeoutMs);
    this.writes = new Connection(path, busyTimeoutMs);
  }

  async execute(statement: SqlStatement): Promise<SqlResult> {
    return this.reads.run(statement);
  }

  async transaction(mode: 'write' | 'read'): Promise<SqlTransaction> {
    if (mode === 'read') {
      const connection = new Connection(this.path, this.busyTimeoutMs);
      connection.db.exec('BEGIN DEFERRED');
      return new LocalTransaction(connection, () => connection.close());
    }
    let release!: () => void;
    const turn = this.writeQueue;
    this.writeQueue = new Promise<void>((resolve) => (release = resolve));
    await turn;
    try {
      this.writes.db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      release();
      throw error;
    }
    return new LocalTransaction(this.writes, release);
  }

  async batch(statements: SqlStatement[]): Promise<SqlResult[]> {
    const tx = await this.transaction('write');
    try {
      const results: SqlResult[] = [];
      for (const statement of statements) results.push(await tx.execute(statement));
      await tx.commit();
      return results;
    } finally {
      tx.close();
    }
  }

  close(): void {
    this.reads.close();
    this.writes.close();
  }
}
