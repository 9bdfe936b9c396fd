/**
 * HTTP API tokens with roles (docs/api.md): `lk_<id>_<secret>`; the database keeps a SHA-256 of the
 * whole token. The secret has 256 bits from the CSPRNG, so a plain hash is enough (no slow KDF).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { SqlClient as Client } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import { sha256Hex } from '../ledger/canonical.js';
import type { Clock } from '../clock.js';

export const ROLES = ['admin', 'pos', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export class ApiTokens {
  constructor(
    private readonly client: Client,
    private readonly writer: GroupCommitWriter,
    private readonly clock: Clock,
  ) {}

  /** Returns the token once; it cannot be read back later. */
  async create(role: Role, label: string): Promise<{ id: string; token: string }> {
    const id = randomBytes(6).toString('hex');
    const token = `lk_${id}_${randomBytes(32).toString('base64url')}`;
    await this.writer.run((tx) =>
      tx.execute({
        sql: 'INSERT INTO api_tokens (id, token_hash, role, label, created_at) VALUES (?, ?, ?, ?, ?)',
        args: [id, sha256Hex(token), role, label, this.clock.now().toISOString()],
      }),
    );
    return { id, token };
  }

  async revoke(id: string): Promise<boolean> {
    const result = await this.writer.run((tx) => tx.execute({ sql: 'UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', args: [this.clock.now().toISOString(), id] }));
    return result.rowsAffected === 1;
  }

  /** The id and role of a valid, unrevoked token, or null. */
  async identify(token: string): Promise<{ id: string; role: Role } | null> {
    const match = /^lk_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/.exec(token);
    if (!match) return null;
    const row = (await this.client.execute({ sql: 'SELECT token_hash, role, revoked_at FROM api_tokens WHERE id = ?', args: [match[1]!] })).rows[0];
    if (!row || row.revoked_at !== null) return null;
    const expected = Buffer.from(String(row.token_hash), 'hex');
    const actual = Buffer.from(sha256Hex(token), 'hex');
    return timingSafeEqual(expected, actual) ? { id: match[1]!, role: String(row.role) as Role } : null;
  }
}
