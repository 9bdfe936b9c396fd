/**
 * The outbox on a kiosk: a local libSQL file in WAL mode with synchronous=FULL, so a committed
 * entry survives a crash or a power cut. Pending operations carry card numbers: the files are
 * readable by the kiosk's user only.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import type { OutboxStore } from './outbox.js';

export class LibsqlOutboxStore implements OutboxStore {
  private client: Client | null = null;

  constructor(private readonly path: string) {}

  async open(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const client = createClient({ url: `file:${this.path}` });
    await client.execute('PRAGMA journal_mode = WAL');
    await client.execute(`CREATE TABLE IF NOT EXISTS outbox (
      op_id TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      request TEXT NOT NULL
    )`);
    for (const file of [this.path, `${this.path}-wal`, `${this.path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
    this.client = client;
  }

  async close(): Promise<void> {
    this.client?.close();
    this.client = null;
  }

  private get db(): Client {
    if (!this.client) throw new Error('the outbox is not open');
    return this.client;
  }

  async put(opId: string, kind: string, json: string): Promise<void> {
    await this.db.execute({ sql: 'INSERT INTO outbox (op_id, kind, request) VALUES (?, ?, ?) ON CONFLICT (op_id) DO NOTHING', args: [opId, kind, json] });
  }

  async delete(opId: string): Promise<boolean> {
    return (await this.db.execute({ sql: 'DELETE FROM outbox WHERE op_id = ?', args: [opId] })).rowsAffected > 0;
  }

  async has(opId: string): Promise<boolean> {
    return (await this.db.execute({ sql: 'SELECT 1 FROM outbox WHERE op_id = ?', args: [opId] })).rows.length > 0;
  }

  async list(): Promise<Array<{ opId: string; json: string }>> {
    return (await this.db.execute('SELECT op_id, request FROM outbox ORDER BY op_id')).rows.map((r) => ({ opId: String(r.op_id), json: String(r.request) }));
  }

  async count(): Promise<number> {
    return Number((await this.db.execute('SELECT count(*) AS n FROM outbox')).rows[0]!.n);
  }
}
