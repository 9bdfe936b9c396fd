/**
 * The op-id claim (DESIGN §2): the claim row is written in the same transaction as the movement,
 * with a hash of the request. A repeat with the same request returns the first result marked
 * `exists`; a repeat with a different request is refused. Ids never expire.
 */
import type { Transaction } from '@libsql/client';
import { canonicalJson, sha256Hex } from './canonical.js';
import { LedgerError } from './errors.js';

export type Claimed<T> = T & { result: 'created' | 'exists' };

export function requestHash(request: unknown): string {
  return sha256Hex(canonicalJson(request));
}

export async function runOnce<T extends object>(
  tx: Transaction,
  opId: string,
  request: unknown,
  at: string,
  operation: () => Promise<T>,
): Promise<Claimed<T>> {
  const hash = requestHash(request);
  const previous = await tx.execute({ sql: 'SELECT request_hash, result FROM ops WHERE op_id = ?', args: [opId] });
  if (previous.rows.length) {
    const row = previous.rows[0]!;
    if (row.request_hash !== hash) {
      throw new LedgerError('exists_with_different_payload', `operation ${opId} was already used for a different request`);
    }
    return { ...(JSON.parse(String(row.result)) as T), result: 'exists' };
  }
  const value = await operation();
  await tx.execute({
    sql: 'INSERT INTO ops (op_id, request_hash, result, created_at) VALUES (?, ?, ?, ?)',
    args: [opId, hash, JSON.stringify(value), at],
  });
  return { ...value, result: 'created' };
}
