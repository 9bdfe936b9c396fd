/**
 * The op-id claim (docs/protocol.md): the claim row is written in the same transaction as the movement,
 * with a hash of the request. A repeat with the same request returns the first result marked
 * `exists`; a repeat with a different request is refused. Ids never expire.
 *
 * Kiosk op ids claim successes only (a refused request may be retried after, say, the card is
 * unblocked). HTTP Idempotency-Keys remember refusals too: docs/api.md promises the first response
 * again, whatever it was.
 */
import type { SqlTransaction as Transaction } from '../db/sql.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import { LedgerError } from './errors.js';

export type Claimed<T> = T & { result: 'created' | 'exists' };

export function requestHash(request: unknown): string {
  return sha256Hex(canonicalJson(request));
}

interface StoredError {
  error: { code: LedgerError['code']; message: string; details?: unknown };
}

export interface OnceOptions {
  /** store a LedgerError as the outcome, so a repeat gets the same refusal */
  rememberRefusals?: boolean;
  /** the code for "same id, different request" */
  conflictCode?: 'exists_with_different_payload' | 'idempotency_key_reused';
}

export async function runOnce<T extends object>(tx: Transaction, opId: string, request: unknown, at: string, operation: () => Promise<T>, options: OnceOptions = {}): Promise<Claimed<T>> {
  const hash = requestHash(request);
  const previous = await tx.execute({ sql: 'SELECT request_hash, result FROM ops WHERE op_id = ?', args: [opId] });
  if (previous.rows.length) {
    const row = previous.rows[0]!;
    if (row.request_hash !== hash) {
      const code = options.conflictCode ?? 'exists_with_different_payload';
      throw new LedgerError(code, `${code === 'idempotency_key_reused' ? 'Idempotency-Key' : 'operation'} ${opId.replace(/^http:/, '')} was already used for a different request`);
    }
    const stored = JSON.parse(String(row.result)) as T | StoredError;
    if ('error' in stored && stored.error && typeof stored.error === 'object' && 'code' in stored.error) {
      throw new LedgerError(stored.error.code, stored.error.message, stored.error.details);
    }
    return { ...(stored as T), result: 'exists' };
  }
  const record = (value: unknown) => tx.execute({ sql: 'INSERT INTO ops (op_id, request_hash, result, created_at) VALUES (?, ?, ?, ?)', args: [opId, hash, JSON.stringify(value), at] });
  if (!options.rememberRefusals) {
    const value = await operation();
    await record(value);
    return { ...value, result: 'created' };
  }
  await tx.execute('SAVEPOINT once');
  try {
    const value = await operation();
    await tx.execute('RELEASE once');
    await record(value);
    return { ...value, result: 'created' };
  } catch (error) {
    await tx.execute('ROLLBACK TO once');
    await tx.execute('RELEASE once');
    if (error instanceof LedgerError && error.code !== 'internal_error') {
      await record({ error: { code: error.code, message: error.message, details: error.details } } satisfies StoredError);
      // The refusal is committed with the claim; the caller still sees it as an error.
      throw new RecordedRefusal(error);
    }
    throw error;
  }
}

/**
 * A refusal whose claim row must still be committed: the writer treats a thrown error as "roll
 * back this operation", so runOnce's callers catch this, let the transaction commit, and rethrow
 * `refusal` outside it.
 */
export class RecordedRefusal extends Error {
  override readonly name = 'RecordedRefusal';
  constructor(readonly refusal: LedgerError) {
    super(refusal.message);
  }
}
