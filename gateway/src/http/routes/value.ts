/**
 * Value movements (docs/api.md): purchases, refunds, redemptions, adjustments, coupons. Each write
 * takes an Idempotency-Key: the same key and body return the first response, a different body
 * is 409 idempotency_key_reused.
 */
import type { Hono } from 'hono';
import { CardRef, Currency, MemberSnapshotSchema } from '@loyalty/protocol';
import { z } from 'zod';
import type { AuthEnv } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import { HTTP_ONCE } from '../idempotency-key.js';
import { defineRoute, type RouteRegistry } from '../route.js';
import { Text, AdjustmentView, HoldConfirmed, HoldStarted, PurchaseView, QuoteView, RedemptionView, RefundView, SaleView, UsedCoupon } from '../schemas.js';

export const CardField = z.union([
  z
    .string()
    .regex(/^[0-9]{5,19}$/)
    .transform((number) => ({ number })),
  CardRef,
]);
const StoreId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const Points = z.number().int().positive().max(1e9);

const Item = z.strictObject({
  sku: z.string().min(1).max(64),
  category: z.string().min(1).max(64),
  quantity: z.number().int().positive().max(10_000),
  unitPrice: z.number().int().min(0).max(1e9),
});
/** as in the receipt barcode RCPT:{receiptId}:{total}:{currency} */
const ReceiptId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'use 1-64 of A-Z a-z 0-9 _ -');

export const PurchaseBody = z.strictObject({
  card: CardField,
  storeId: StoreId,
  currency: Currency,
  items: z.array(Item).min(1).max(500),
  redeemPoints: z.number().int().min(0).max(1e9).optional(),
  couponCodes: z.array(z.string().max(64)).max(20).optional(),
  /** a purchase at a partner (co-brand): the partner's rate, booked against the partner */
  partnerId: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/)
    .optional(),
  /** minor units paid from the card's cashback wallet (no points or cashback on that part) */
  walletPayment: z.number().int().min(0).max(1e12).optional(),
  /** the till receipt of this purchase: claims it, so a kiosk scan of it earns nothing more */
  receiptId: ReceiptId.optional(),
});

/** A sale the till registers so that a kiosk scan of its receipt may earn (docs/receipts.md). */
export const SaleBody = z.strictObject({
  storeId: StoreId,
  tillId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  receiptId: ReceiptId,
  /** minor units */
  total: z.number().int().min(0).max(1e12),
  currency: Currency,
  items: z.array(Item).min(1).max(500).optional(),
});

export const WhatIfQuoteBody = PurchaseBody.omit({ card: true }).extend({ member: MemberSnapshotSchema, at: z.string().datetime().optional() });

export const RefundBody = z.strictObject({
  purchaseId: z.string().min(1).max(200),
  items: z
    .array(z.strictObject({ sku: z.string().min(1).max(64), quantity: z.number().int().positive() }))
    .min(1)
    .optional(),
});

export const RedemptionBody = z.strictObject({
  card: CardField,
  storeId: StoreId,
  points: Points.optional(),
  rewardId: z.string().min(1).max(64).optional(),
  currency: Currency.default('EUR'),
});

export const AdjustmentBody = z.strictObject({
  card: CardField,
  points: z
    .number()
    .int()
    .refine((p) => p !== 0, 'must not be 0')
    .refine((p) => Math.abs(p) <= 1e9, 'too large'),
  reason: Text(3, 500, 'say why (at least 3 characters)'),
});

export const HoldBody = z.strictObject({ card: CardField, storeId: StoreId, points: Points });
export const HoldConfirmBody = z.strictObject({ confirmationId: z.string().uuid(), code: z.string().regex(/^\d{6}$/, 'the code is 6 digits'), storeId: StoreId, currency: Currency.default('EUR') });
export const CouponUseBody = z.strictObject({ storeId: StoreId });
/** A quote for a card, or (admin) for a described member at a given time. */
export const QuoteBody = z.union([PurchaseBody, WhatIfQuoteBody]);

const CARD_ERRORS = ['card_not_found', 'card_blocked'] as const;
const BASKET_ERRORS = [
  'redemption_not_offered',
  'redemption_limit',
  'redemption_below_minimum',
  'insufficient_points',
  'insufficient_wallet',
  'wallet_exceeds_payable',
  'currency_not_supported',
  'partner_not_found',
] as const;
const RECEIPT_ERRORS = ['receipt_claimed'] as const;

export function valueRoutes(api: Hono<AuthEnv>, routes: RouteRegistry, deps: Pick<AppDeps, 'ledger' | 'confirmedRedemptions'>): void {
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/purchases',
      operationId: 'createPurchase',
      summary: 'A purchase: optional points redemption, then points on what was paid; receiptId claims the till receipt (docs/receipts.md)',
      roles: ['pos'],
      body: PurchaseBody,
      response: PurchaseView,
      status: 201,
      idempotent: true,
      errors: [...CARD_ERRORS, ...BASKET_ERRORS, ...RECEIPT_ERRORS, 'idempotency_key_reused', 'unsupported'],
    },
    async (_c, { body, opId, actor }) => {
      if (body.couponCodes?.length) throw new HttpError(400, 'unsupported', 'coupons are not taken inside a purchase; redeem each with POST /coupons/{code}/redeem');
      const { result: _r, ...purchase } = await deps.ledger.purchase(
        {
          opId,
          card: body.card,
          storeId: body.storeId,
          currency: body.currency,
          items: body.items,
          redeemPoints: body.redeemPoints,
          partnerId: body.partnerId,
          walletPayment: body.walletPayment,
          receiptId: body.receiptId,
          source: actor,
        },
        HTTP_ONCE,
      );
      return purchase;
    },
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/quotes',
      operationId: 'quotePurchase',
      summary: 'What a purchase would give (the body of /purchases), without moving value; an admin may send {member, at} instead of card (what-if)',
      roles: ['pos'],
      body: QuoteBody,
      response: QuoteView,
      errors: [...CARD_ERRORS, ...BASKET_ERRORS, 'forbidden'],
    },
    async (_c, { body, role }) => {
      const basket = { storeId: body.storeId, currency: body.currency, items: body.items, redeemPoints: body.redeemPoints, partnerId: body.partnerId, walletPayment: body.walletPayment };
      if ('member' in body) {
        if (role !== 'admin') throw new HttpError(403, 'forbidden', 'only an admin may quote for a described member');
        return deps.ledger.quote({ ...basket, member: body.member, at: body.at });
      }
      return deps.ledger.quote({ ...basket, card: body.card });
    },
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/sales',
      operationId: 'registerSale',
      summary: 'The till registers a sale; a kiosk scan of its receipt barcode (the `code` returned) may then claim it once, within the claim window (docs/receipts.md)',
      roles: ['pos'],
      body: SaleBody,
      response: SaleView,
      status: 201,
      idempotent: true,
      errors: ['sale_exists', 'store_not_found', 'idempotency_key_reused'],
    },
    async (_c, { body, opId, actor }) => {
      const { result: _r, ...sale } = await deps.ledger.registerSale({ opId, ...body, source: actor }, HTTP_ONCE);
      return sale;
    },
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/refunds',
      operationId: 'createRefund',
      summary: 'Reverse a purchase’s points pro rata; spent points become a clawback debt',
      roles: ['pos'],
      body: RefundBody,
      response: RefundView,
      status: 201,
      idempotent: true,
      errors: ['purchase_not_found', 'refund_exceeds_purchase', 'idempotency_key_reused'],
    },
    async (_c, { body, opId }) => {
      const { result: _r, ...refund } = await deps.ledger.refund({ opId, purchaseId: body.purchaseId, items: body.items }, HTTP_ONCE);
      return refund;
    },
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/redemptions',
      operationId: 'createRedemption',
      summary: 'Spend points for a single-use coupon: a reward (rewardId) or a number of points',
      roles: ['pos'],
      body: RedemptionBody,
      response: RedemptionView,
      status: 201,
      idempotent: true,
      errors: [...CARD_ERRORS, 'insufficient_points', 'reward_not_found', 'redemption_not_offered', 'redemption_below_minimum', 'idempotency_key_reused'],
    },
    async (_c, { body, opId, actor }) => {
      if ((body.rewardId === undefined) === (body.points === undefined)) throw new HttpError(400, 'invalid_request', 'give either points or rewardId');
      const { result: _r, ...redemption } = await deps.ledger.redeem(
        { opId, card: body.card, points: body.points, rewardId: body.rewardId, storeId: body.storeId, source: actor, currency: body.currency },
        HTTP_ONCE,
      );
      return redemption;
    },
  );
  // Redemptions confirmed by the customer's SMS code (points held meanwhile).
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/redemptions/holds',
      operationId: 'holdForRedemption',
      summary: 'Hold points and send the owner an SMS code to confirm',
      roles: ['pos'],
      body: HoldBody,
      response: HoldStarted,
      status: 202,
      idempotent: true,
      errors: [...CARD_ERRORS, 'card_unlinked', 'insufficient_points', 'otp_rate_limited'],
    },
    async (c, { body, opId, actor }) => deps.confirmedRedemptions.start({ opId, card: body.card, points: body.points, storeId: body.storeId, source: actor, tokenId: c.get('tokenId') }),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/redemptions/holds/:holdId/confirm',
      operationId: 'confirmRedemption',
      summary: 'Confirm a held redemption with the SMS code',
      roles: ['pos'],
      params: z.object({ holdId: z.string().min(1).max(200) }),
      body: HoldConfirmBody,
      response: HoldConfirmed,
      status: 201,
      errors: ['hold_not_found', 'hold_not_pending', 'hold_expired', 'otp_invalid', 'otp_expired', 'otp_locked'],
    },
    async (_c, { params, body, actor }) => deps.confirmedRedemptions.confirm({ holdId: params.holdId, ...body, source: actor }),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/adjustments',
      operationId: 'createAdjustment',
      summary: 'Manual correction with a reason (never below zero)',
      roles: ['admin'],
      body: AdjustmentBody,
      response: AdjustmentView,
      status: 201,
      idempotent: true,
      errors: ['card_not_found', 'insufficient_points', 'idempotency_key_reused'],
    },
    async (_c, { body, opId, actor }) => {
      const { result: _r, ...adjustment } = await deps.ledger.adjust({ opId, card: body.card, points: body.points, reason: body.reason, actor }, HTTP_ONCE);
      return adjustment;
    },
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/coupons/:code/redeem',
      operationId: 'useCoupon',
      summary: 'Use a coupon once (409 coupon_used after)',
      roles: ['pos'],
      params: z.object({ code: z.string().min(1).max(64) }),
      body: CouponUseBody,
      response: UsedCoupon,
      errors: ['coupon_not_found', 'coupon_used', 'coupon_expired'],
    },
    async (_c, { params, body }) => ({ coupon: await deps.ledger.redeemCoupon(params.code, body.storeId) }),
  );
}
