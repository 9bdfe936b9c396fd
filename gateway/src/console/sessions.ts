/**
 * Sign-in sessions of the operators' console (docs/console.md): an API token exchanged once for a
 * random session id in an HttpOnly, SameSite=Strict cookie. The database keeps only the id's hash,
 * the token it stands for and the CSRF token of its forms; a session ends at sign-out, after
 * `SESSION_MS`, or as soon as its token is revoked (checked on every request).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SqlClient } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import type { Clock } from '../clock.js';
import type { Role } from '../http/api-tokens.js';

/** A working day: a console left signed in overnight asks for the token again. */
export const SESSION_MS = 12 * 3_600_000;

export interface ConsoleSession {
  tokenId: string;
  role: Role;
  csrf: string;
}

const hash = (id: string) => createHash('sha256').update(id).digest('hex');

export class ConsoleSessions {
  constructor(
    private readonly client: SqlClient,
    private readonly writer: GroupCommitWriter,
    private readonly clock: Clock,
  ) {}

  /** A new session for a token already identified; returns the cookie's value (shown once). */
  async open(tokenId: string): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    await this.writer.run(async (tx) => {
      // Sessions past their end are removed as new ones come: the table stays small.
      await tx.execute({ sql: 'DELETE FROM console_sessions WHERE expires_at <= ?', args: [now.toISOString()] });
      await tx.execute({
        sql: 'INSERT INTO console_sessions (id_hash, token_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
        args: [hash(id), tokenId, randomBytes(24).toString('base64url'), now.toISOString(), new Date(now.getTime() + SESSION_MS).toISOString()],
      });
    });
    return id;
  }

  /** The session behind a cookie: unexpired, and its token still active; else null. */
  async find(id: string | undefined): Promise<ConsoleSession | null> {
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
    const row = (
      await this.client.execute({
        sql: `SELECT s.token_id, s.csrf, t.role FROM console_sessions s JOIN api_tokens t ON t.id = s.token_id
               WHERE s.id_hash = ? AND s.expires_at > ? AND t.revoked_at IS NULL`,
        args: [hash(id), this.clock.now().toISOString()],
      })
    ).rows[0];
    return row ? { tokenId: String(row.token_id), role: String(row.role) as Role, csrf: String(row.csrf) } : null;
  }

  async close(id: string | undefined): Promise<void> {
    if (!id) return;
    await this.writer.run((tx) => tx.execute({ sql: 'DELETE FROM console_sessions WHERE id_hash = ?', args: [hash(id)] }));
  }
}
