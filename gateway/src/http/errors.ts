import type { ErrorCode } from '@loyalty/protocol';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { LedgerError } from '../ledger/errors.js';
import type { Logger } from '@loyalty/protocol/node';

/** Domain error codes → HTTP status, in one place (docs/api.md "Errors"). */
export const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
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
  insufficient_points: 422,
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
  rate_limited: 429,
  registration_not_found: 404,
  registration_not_verified: 409,
  program_not_found: 404,
  invalid_program: 400,
  nothing_to_publish: 409,
  nothing_to_roll_back: 409,
  store_not_found: 404,
  kiosk_not_found: 404,
  kiosk_revoked: 409,
  command_not_found: 404,
  release_not_found: 404,
  release_exists: 409,
  release_signature_invalid: 422,
  releases_not_configured: 409,
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
  staff_not_found: 404,
  staff_card_in_use: 409,
  staff_blocked: 403,
  manager_required: 403,
  adjustment_limit: 422,
  data_request_not_found: 404,
  segment_not_found: 404,
  data_request_closed: 409,
  digital_card_unavailable: 409,
  bad_reply: 502,
  internal_error: 500,
};

/** The HTTP layer's own refusals (body, media type, auth, limits), with their status. */
export const HTTP_ERRORS = {
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  no_such_route: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  response_schema_mismatch: 500,
} as const satisfies Record<string, ContentfulStatusCode>;
export type HttpErrorCode = keyof typeof HTTP_ERRORS;

/** A refusal by the HTTP layer itself, answered as `{error, message, details?}`. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: HttpErrorCode | ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function errorBody(error: string, message: string, details?: unknown) {
  return details === undefined ? { error, message } : { error, message, details };
}

export function onError(log: Logger) {
  return (error: Error, c: Context) => {
    if (error instanceof LedgerError) {
      const status = STATUS[error.code];
      // 429s say when to come back (RFC 9110 §10.2.3).
      const retryAfter = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      if (status === 429 && retryAfter !== undefined) c.header('Retry-After', String(retryAfter));
      return c.json(errorBody(error.code, error.message, error.details), status);
    }
    if (error instanceof HttpError) return c.json(errorBody(error.code, error.message, error.details), error.status);
    if (error instanceof z.ZodError) {
      return c.json(errorBody('invalid_request', 'the request body is not valid; see details', error.issues), 400);
    }
    if (error instanceof HTTPException) return error.getResponse();
    log.error({ err: error.message, path: c.req.path }, 'http request failed');
    return c.json(errorBody('internal_error', 'something went wrong on the gateway; try again, and check its log if it repeats'), 500);
  };
}
