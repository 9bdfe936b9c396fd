/**
 * Rate limits that hold (docs/security.md "Rate limits"): attempts are counted in the ledger
 * database, inside the write transaction that acts on them, so they are atomic under concurrency
 * (one writer: a count and its insert cannot interleave with another request's) and survive a
 * restart. Each rule counts events of a bucket and key within a sliding window.
 */
import type { SqlTransaction as Transaction } from '../db/sql.js';
import { LedgerError } from './errors.js';

export interface RateRule {
  bucket: string;
  limit: number;
  windowMs: number;
  /** what the refused caller is told (the wait is added) */
  message: string;
}

export type RateCode = 'otp_rate_limited' | 'rate_limited';

/** The refusal for a rule, with the seconds until the oldest counted event leaves the window. */
function refusal(code: RateCode, rule: RateRule, oldest: string, now: number): LedgerError {
  const retryAfterSeconds = Math.max(1, Math.ceil((Date.parse(oldest) + rule.windowMs - now) / 1000));
  return new LedgerError(code, `${rule.message}; try again in ${retryAfterSeconds} s`, { retryAfterSeconds, limit: rule.limit, windowSeconds: rule.windowMs / 1000 });
}

/** The first rule the events already counted would exceed, as a refusal; null when all allow one more. */
export async function checkRates(tx: Transaction, code: RateCode, checks: Array<{ rule: RateRule; key: string }>, now: Date): Promise<LedgerError | null> {
  for (const { rule, key } of checks) {
    if (rule.limit <= 0) continue; // 0: no limit
    const since = new Date(now.getTime() - rule.windowMs).toISOString();
    const row = (await tx.execute({ sql: 'SELECT count(*) AS n, min(at) AS oldest FROM rate_events WHERE bucket = ? AND key = ? AND at > ?', args: [rule.bucket, key, since] })).rows[0]!;
    if (Number(row.n) >= rule.limit) return refusal(code, rule, String(row.oldest), now.getTime());
  }
  return null;
}

/** Counts one event in each bucket. */
export async function recordRates(tx: Transaction, checks: Array<{ rule: RateRule; key: string }>, now: Date): Promise<void> {
  const at = now.toISOString();
  for (const { rule, key } of checks) await tx.execute({ sql: 'INSERT INTO rate_events (bucket, key, at) VALUES (?, ?, ?)', args: [rule.bucket, key, at] });
}

/** Checks every rule and counts the event in all of them, or throws the first refusal. */
export async function consumeRates(tx: Transaction, code: RateCode, checks: Array<{ rule: RateRule; key: string }>, now: Date): Promise<void> {
  const refused = await checkRates(tx, code, checks, now);
  if (refused) throw refused;
  await recordRates(tx, checks, now);
}

/** Forgets events older than any window can reach (maintenance). */
export async function pruneRates(tx: Transaction, olderThan: Date): Promise<number> {
  return (await tx.execute({ sql: 'DELETE FROM rate_events WHERE at < ?', args: [olderThan.toISOString()] })).rowsAffected;
}
