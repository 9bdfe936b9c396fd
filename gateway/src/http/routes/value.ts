/**
 * Value movements (API.md): purchases, refunds, redemptions, adjustments, coupons. Each write
 * takes an Idempotency-Key: the same key and body return the first response, a different body
 * is 409 idempotency_key_reused.
 */
import { Hono } from 'hono';
import { CardRef, Currency, MemberSnapshotSchema } from '@loyalty/protocol';
import { z } from 'zod';
import type { AppDeps } from '../app.js';
import type { AuthEnv, requireRole as RequireRole } from '../auth.js';
import { HTTP_ONCE, idempotencyKey } from '../idempotency-key.js';

export const CardField = z.union([z.string().regex(/^[0-9]{5,19}$/).transform((number) => ({ number })), CardRef]);
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
  partnerId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/).optional(),
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
  items: z.array(z.strictObject({ sku: z.string().min(1).max(64), quantity: z.number().int().positive() })).min(1).optional(),
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
  points: z.number().int().refine((p) => p !== 0, 'must not be 0').refine((p) => Math.abs(p) <= 1e9, 'too large'),
  reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500),
});

export function valueRoutes(deps: Pick<AppDeps, 'ledger' | 'confirmedRedemptions'>, requireRole: typeof RequireRole) {
  const app = new Hono<AuthEnv>();
  const source = (c: { get: (k: 'tokenId') => string }) => `api:${c.get('tokenId')}`;

  app.post('/purchases', requireRole('pos'), async (c) => {
    const opId = idempotencyKey(c);
    const body = PurchaseBody.parse(await c.req.json());
    if (body.couponCodes?.length) {
      return c.json({ error: 'unsupported', message: 'coupons are not taken inside a purchase; redeem each with POST /coupons/{code}/redeem' }, 400);
    }
    const { result: _r, ...purchase } = await deps.ledger.purchase(
      { opId, card: body.card, storeId: body.storeId, currency: body.currency, items: body.items, redeemPoints: body.redeemPoints, partnerId: body.partnerId, walletPayment: body.walletPayment, receiptId: body.receiptId, source: source(c) },
      HTTP_ONCE,
    );
    return c.json(purchase, 201);
  });

  // What a purchase would give, without moving value (the body of /purchases; no Idempotency-Key).
  // An admin may describe a member and a time instead of a card, to try the published rules out.
  app.post('/quotes', requireRole('pos'), async (c) => {
    const raw = (await c.req.json()) as Record<string, unknown>;
    if (raw && typeof raw === 'object' && ('member' in raw || 'at' in raw)) {
      if (c.get('role') !== 'admin') return c.json({ error: 'forbidden', message: 'only an admin may quote for a described member' }, 403);
      const body = WhatIfQuoteBody.parse(raw);
      return c.json(await deps.ledger.quote({ member: body.member, at: body.at, storeId: body.storeId, currency: body.currency, items: body.items, redeemPoints: body.redeemPoints, partnerId: body.partnerId, walletPayment: body.walletPayment }), 200);
    }
    const body = PurchaseBody.parse(raw);
    const quote = await deps.ledger.quote({ card: body.card, storeId: body.storeId, currency: body.currency, items: body.items, redeemPoints: body.redeemPoints, partnerId: body.partnerId, walletPayment: body.walletPayment });
    return c.json(quote, 200);
  });

  app.post('/sales', requireRole('pos'), async (c) => {
    const opId = idempotencyKey(c);
    const body = SaleBody.parse(await c.req.json());
    const { result: _r, ...sale } = await deps.ledger.registerSale({ opId, ...body, source: source(c) }, HTTP_ONCE);
    return c.json(sale, 201);
  });

  app.post('/refunds', requireRole('pos'), async (c) => {
    const opId = idempotencyKey(c);
    const body = RefundBody.parse(await c.req.json());
    const { result: _r, ...refund } = await deps.ledger.refund({ opId, purchaseId: body.purchaseId, items: body.items }, HTTP_ONCE);
    return c.json(refund, 201);
  });

  app.post('/redemptions', requireRole('pos'), async (c) => {
    const opId = idempotencyKey(c);
    const body = RedemptionBody.parse(await c.req.json());
    if ((body.rewardId === undefined) === (body.points === undefined)) {
      return c.json({ error: 'invalid_request', message: 'give either points or rewardId' }, 400);
    }
    const { result: _r, ...redemption } = await deps.ledger.redeem({ opId, card: body.card, points: body.points, rewardId: body.rewardId, storeId: body.storeId, source: source(c), currency: body.currency }, HTTP_ONCE);
    return c.json(redemption, 201);
  });

  // Redemptions confirmed by the customer's SMS code (points held meanwhile).
  app.post('/redemptions/holds', requireRole('pos'), async (c) => {
    const opId = idempotencyKey(c);
    const body = z.strictObject({ card: CardField, storeId: StoreId, points: Points }).parse(await c.req.json());
    return c.json(await deps.confirmedRedemptions.start({ opId, card: body.card, points: body.points, storeId: body.storeId, source: source(c) }), 202);
  });
  app.post('/redemptions/holds/:holdId/confirm', requireRole('pos'), async (c) => {
    const body = z.strictObject({ confirmationId: z.string().uuid(), code: z.string().regex(/^\d{6}$/, 'the code is 6 digits'), storeId: StoreId, currency: Currency.default('EUR') }).parse(await c.req.json());
    return c.json(await deps.confirmedRedemptions.confirm({ holdId: c.req.param('holdId'), ...body, source: source(c) }), 201);
  });

  app.post('/adjustments', requireRole('admin'), async (c) => {
    const opId = idempotencyKey(c);
    const body = AdjustmentBody.parse(await c.req.json());
    const { result: _r, ...adjustment } = await deps.ledger.adjust({ opId, card: body.card, points: body.points, reason: body.reason, actor: source(c) }, HTTP_ONCE);
    return c.json(adjustment, 201);
  });

  app.post('/coupons/:code/redeem', requireRole('pos'), async (c) => {
    const body = z.strictObject({ storeId: StoreId }).parse(await c.req.json());
    return c.json({ coupon: await deps.ledger.redeemCoupon(c.req.param('code'), body.storeId) }, 200);
  });

  return app;
}
