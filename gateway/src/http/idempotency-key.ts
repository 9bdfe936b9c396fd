import type { Context } from 'hono';
import { LedgerError } from '../ledger/errors.js';

/** docs/api.md: writes that move value take an Idempotency-Key of 1-128 printable characters. */
export function idempotencyKey(c: Context): string {
  const key = c.req.header('idempotency-key');
  if (!key || !/^[\x21-\x7e]{1,128}$/.test(key)) {
    throw new LedgerError('invalid_request', 'send an Idempotency-Key header (1-128 printable characters, e.g. a UUID) so a retry cannot move value twice');
  }
  // Namespaced so a POS key can never collide with a kiosk op id.
  return `http:${key}`;
}

export const HTTP_ONCE = { rememberRefusals: true, conflictCode: 'idempotency_key_reused' } as const;
