/**
 * Named result codes. `created` and `exists` are both success: a repeat of an operation that
 * already happened returns the first result (docs/conventions.md §7).
 */
export const RESULT_CODES = [
  'created',
  'exists',
  'exists_with_different_payload',
  'invalid_request',
  'card_not_found',
  'card_blocked',
  'card_unlinked',
  'receipt_claimed',
  'receipt_unknown',
  'receipt_forged',
  'receipt_too_old',
  'receipt_limit',
  'sale_exists',
  'insufficient_points',
  'hold_not_found',
  'hold_not_pending',
  'hold_expired',
  'purchase_not_found',
  'refund_exceeds_purchase',
  'coupon_not_found',
  'coupon_used',
  'coupon_expired',
  'idempotency_key_reused',
  'customer_not_found',
  'phone_taken',
  'card_exists',
  'card_linked_elsewhere',
  'otp_invalid',
  'otp_expired',
  'otp_locked',
  'otp_rate_limited',
  'rate_limited',
  'registration_not_found',
  'registration_not_verified',
  'program_not_found',
  'invalid_program',
  'nothing_to_publish',
  'nothing_to_roll_back',
  'store_not_found',
  'kiosk_not_found',
  'kiosk_revoked',
  'command_not_found',
  'release_not_found',
  'release_exists',
  'release_signature_invalid',
  'releases_not_configured',
  'redemption_not_offered',
  'redemption_limit',
  'redemption_below_minimum',
  'insufficient_wallet',
  'wallet_exceeds_payable',
  'currency_not_supported',
  'partner_not_found',
  'reward_not_found',
  'not_a_membership',
  'unsupported',
  'staff_not_found',
  /** the UID is another staff member's card or a customer's card */
  'staff_card_in_use',
  'staff_blocked',
  /** a cashier asked for a manager's action (adjustments) */
  'manager_required',
  /** an adjustment above the per-adjustment or per-day limit */
  'adjustment_limit',
  'data_request_not_found',
  'segment_not_found',
  /** the customer's request was already carried out or declined */
  'data_request_closed',
  /** a digital card was asked for but no program is set for new digital cards */
  'digital_card_unavailable',
  /** a kiosk-side code: the gateway's reply did not match the protocol (never sent by the gateway) */
  'bad_reply',
  'internal_error',
] as const;
export type ResultCode = (typeof RESULT_CODES)[number];

/** Error codes a reply may carry (every result code that is not a success). */
export type ErrorCode = Exclude<ResultCode, 'created' | 'exists'>;

/** Why a signed message was refused. Verification returns one of these, never throws. */
export const REJECT_REASONS = ['malformed', 'too_large', 'unknown_sender', 'bad_signature', 'wrong_topic', 'replayed'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
