/**
 * Sign-in sessions of the customers' page at /my (docs/self-service.md): a phone number confirmed
 * by an SMS code is exchanged for a random session id in an HttpOnly, SameSite=Strict cookie. The
 * database keeps only the id's hash and the CSRF token of the page's forms. Sessions are short: a
 * phone left on a café table shows the statement for half an hour at most.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SqlClient, SqlTransaction } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import type { Clock } from '../clock.js';

export const CUSTOMER_SESSION_MS = 30 * 60_000;

export interface CustomerSession {
  customerId: string;
  csrf: string;
}

const hash = (id: string) => createHash('sha256').update(id).digest('hex');

export class CustomerSessions {
  constructor(
    private readonly client: SqlClient,
    private readonly writer: GroupCommitWriter,
    private readonly clock: Clock,
  ) {}

  /** A new session inside the caller's transaction (the one that checked the code); returns the cookie's value. */
  async open(tx: SqlTransaction, customerId: string): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    // Sessions past their end go as new ones come: the table stays small.
    await tx.execute({ sql: 'DELETE FROM customer_sessions WHERE expires_at <= ?', args: [now.toISOString()] });
    await tx.execute({
      sql: 'INSERT INTO customer_sessions (id_hash, customer_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      args: [hash(id), customerId, randomBytes(24).toString('base64url'), now.toISOString(), new Date(now.getTime() + CUSTOMER_SESSION_MS).toISOString()],
    });
    return id;
  }

  /** The session behind a cookie: unexpired, and its customer not erased; else null. */
  async find(id: string | undefined): Promise<CustomerSession | null> {
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
    const row = (
      await this.client.execute({
        sql: `SELECT s.customer_id, s.csrf FROM customer_sessions s JOIN customers c ON c.id = s.customer_id
               WHERE s.id_hash = ? AND s.expires_at > ? AND c.erased_at IS NULL`,
        args: [hash(id), this.clock.now().toISOString()],
      })
    ).rows[0];
    return row ? { customerId: String(row.customer_id), csrf: String(row.csrf) } : null;
  }

  async close(id: string | undefined): Promise<void> {
    if (!id) return;
    await this.writer.run((tx) => tx.execute({ sql: 'DELETE FROM customer_sessions WHERE id_hash = ?', args: [hash(id)] }));
  }
}
