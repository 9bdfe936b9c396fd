import type { ErrorCode } from '@loyalty/protocol';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { LedgerError } from '../ledger/errors.js';
import type { Logger } from '@loyalty/protocol/node';

/** Domain error codes → HTTP status, in one place (CONVENTIONS 9, API.md "Errors"). */
const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_request: 400,
  card_not_found: 404,
  exists_with_different_payload: 409,
  card_blocked: 422,
  card_unlinked: 422,
  receipt_claimed: 409,
  receipt_unknown: 422,
  receipt_forged: 422,
  receipt_too_old: 422,
  receipt_limit: 422,
  sale_exists: 409,
  exceeds_balance: 422,
  hold_not_found: 404,
  hold_not_pending: 409,
  hold_expired: 409,
  purchase_not_found: 404,
  refund_exceeds_purchase: 422,
  coupon_not_found: 404,
  coupon_used: 409,
  coupon_expired: 422,
  idempotency_key_reused: 409,
  customer_not_found: 404,
  phone_taken: 409,
  card_exists: 409,
  card_linked_elsewhere: 409,
  otp_invalid: 422,
  otp_expired: 422,
  otp_locked: 422,
  otp_rate_limited: 429,
  registration_not_found: 404,
  program_not_found: 404,
  invalid_program: 400,
  nothing_to_publish: 409,
  nothing_to_roll_back: 409,
  store_not_found: 404,
  redemption_not_offered: 422,
  redemption_limit: 422,
  redemption_below_minimum: 422,
  insufficient_wallet: 422,
  wallet_exceeds_payable: 422,
  currency_not_supported: 422,
  partner_not_found: 422,
  reward_not_found: 404,
  not_a_membership: 422,
  unsupported: 400,
  bad_reply: 502,
  internal_error: 500,
};

/** Where API.md names a refusal differently from the ledger's code, HTTP uses API.md's name. */
const HTTP_NAMES: Partial<Record<ErrorCode, string>> = { exceeds_balance: 'insufficient_points' };

export function errorBody(error: string, message: string, details?: unknown) {
  return details === undefined ? { error, message } : { error, message, details };
}

export function onError(log: Logger) {
  return (error: Error, c: Context) => {
    if (error instanceof LedgerError) return c.json(errorBody(HTTP_NAMES[error.code] ?? error.code, error.message, error.details), STATUS[error.code]);
    if (error instanceof z.ZodError) {
      return c.json(errorBody('invalid_request', 'the request body is not valid; see details', error.issues), 400);
    }
    if (error instanceof HTTPException) return error.getResponse();
    log.error({ err: error.message, path: c.req.path }, 'http request failed');
    return c.json(errorBody('internal_error', 'something went wrong on the gateway; try again, and check its log if it repeats'), 500);
  };
}
