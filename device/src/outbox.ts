/**
 * The durable outbox (DESIGN §5): every state-changing request is written here, committed to
 * disk, before it is sent the first time and before the customer is told anything. It is
 * resent until its reply arrives, then removed. A local libSQL file in WAL mode with
 * synchronous=FULL: a committed entry survives a crash or a power cut.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { Request } from '@loyalty/protocol';

export interface OutboxEntry {
  opId: string;
  request: Request;
}

export class Outbox {
  private client: Client | null = null;

  constructor(private readonly path: string) {}

  async start(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true });
    const client = createClient({ url: `file:${this.path}` });
    await client.execute('PRAGMA journal_mode = WAL');
    await client.execute(`CREATE TABLE IF NOT EXISTS outbox (
      op_id TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      request TEXT NOT NULL
    )`);
    // Pending operations carry card numbers: readable by the kiosk's user only.
    for (const file of [this.path, `${this.path}-wal`, `${this.path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
    this.client = client;
  }

  async stop(): Promise<void> {
    this.client?.close();
    this.client = null;
  }

  private get db(): Client {
    if (!this.client) throw new Error('the outbox is not open');
    return this.client;
  }

  /** Durable once this resolves. A second add of the same op id keeps the first. */
  async add(request: Request): Promise<void> {
    await this.db.execute({
      sql: 'INSERT INTO outbox (op_id, kind, request) VALUES (?, ?, ?) ON CONFLICT (op_id) DO NOTHING',
      args: [request.opId, request.kind, JSON.stringify(request)],
    });
  }

  async remove(opId: string): Promise<boolean> {
    const result = await this.db.execute({ sql: 'DELETE FROM outbox WHERE op_id = ?', args: [opId] });
    return result.rowsAffected > 0;
  }

  async has(opId: string): Promise<boolean> {
    return (await this.db.execute({ sql: 'SELECT 1 FROM outbox WHERE op_id = ?', args: [opId] })).rows.length > 0;
  }

  /** Oldest first (op ids are time-ordered). Rows that no longer parse are skipped, not lost. */
  async pending(): Promise<OutboxEntry[]> {
    const rows = (await this.db.execute('SELECT op_id, request FROM outbox ORDER BY op_id')).rows;
    const entries: OutboxEntry[] = [];
    for (const row of rows) {
      const parsed = Request.safeParse(JSON.parse(String(row.request)));
      if (parsed.success) entries.push({ opId: String(row.op_id), request: parsed.data });
    }
    return entries;
  }

  async depth(): Promise<number> {
    return Number((await this.db.execute('SELECT count(*) AS n FROM outbox')).rows[0]!.n);
  }
}
