/**
 * Offline redemptions reconciled (docs/offline.md). A kiosk that could not reach the gateway paid
 * points out within a card token's limits and printed the coupon; its journal brings the
 * redemption here when the link is back. Each ends in exactly one of two states, once (the op-id
 * claim):
 *
 * - posted: the balance covered it, spent as any redemption;
 * - exception: the balance covered part or none of it (the same card spent at two kiosks cut off
 *   together). What it covered is spent; the rest is booked from `offline_overdraft` as a debt on
 *   the card that later earnings repay (points.ts), and recorded in `offline_exceptions` for the
 *   report. Never a negative balance.
 *
 * Holds are not counted against it: the coupon exists already. The balances it leaves do not
 * depend on the order journals arrive in: each card ends with max(0, earned − spent) points and a
 * debt of the rest.
 */
import { maskCardNumber, type CardRef } from '@loyalty/protocol';
import type { SqlExecutor as Reader } from '../db/sql.js';
import { accountBalance } from './accounts.js';
import type { LedgerCore } from './core.js';
import { debitPoints } from './points.js';

export interface OfflineRedemptionInput {
  opId: string;
  card: CardRef;
  points: number;
  rewardId?: string;
  coupon: { code: string; value: { amount: number; currency: string }; expiresAt: string; reward: string | null };
  redeemedAt: string;
  tokenIssuedAt: string;
  storeId: string;
  kioskId: string;
}

export function redeemOffline(core: LedgerCore, input: OfflineRedemptionInput) {
  const { opId, ...request } = input;
  return core.once(opId, { kind: 'redeem_offline', ...request }, async (tx, at) => {
    // A card blocked since is still booked: the coupon was printed before the kiosk could know.
    const card = await core.knownCard(tx, input.card);
    const balance = Math.max(0, await accountBalance(tx, card.accountId));
    const posted = Math.min(balance, input.points);
    const overdraft = input.points - posted;
    const refs = { store: input.storeId, source: `kiosk:${input.kioskId}`, offline: true, redeemedAt: input.redeemedAt, reward: input.rewardId ?? null };
    if (posted > 0) {
      await debitPoints(tx, await core.operators.id(tx, 'redeemed'), { transferId: opId, account: card.accountId, points: posted, kind: 'redeem', refs, at, ignoreHolds: true });
    }
    if (overdraft > 0) {
      await core.postOperatorTransfer(tx, `${opId}:overdraft`, 'offline_overdraft', 'redeemed', overdraft, 'offline_overdraft', { ...refs, card: card.number }, at);
      await tx.execute({
        sql: 'INSERT INTO debts (account_id, outstanding, overdraft) VALUES (?, 0, ?) ON CONFLICT (account_id) DO UPDATE SET overdraft = overdraft + excluded.overdraft',
        args: [card.accountId, overdraft],
      });
      await tx.execute({
        sql: `INSERT INTO offline_exceptions (op_id, account_id, card_number, store_id, kiosk_id, points, posted, overdraft, redeemed_at, booked_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        args: [opId, card.accountId, card.number, input.storeId, input.kioskId, input.points, posted, overdraft, input.redeemedAt, at],
      });
    }
    // The coupon the customer holds: usable at a till from now on, on the terms printed on it.
    const transferId = posted > 0 ? opId : `${opId}:overdraft`;
    await tx.execute({
      sql: `INSERT INTO coupons (code, account_id, transfer_id, points, value, currency, reward_id, reward_name, created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING`,
      args: [
        input.coupon.code,
        card.accountId,
        transferId,
        input.points,
        input.coupon.value.amount,
        input.coupon.value.currency,
        input.rewardId ?? null,
        input.coupon.reward,
        input.redeemedAt,
        input.coupon.expiresAt,
      ],
    });
    return { state: overdraft > 0 ? ('exception' as const) : ('posted' as const), pointsPosted: posted, overdraft, balance: await core.balanceOf(tx, card.accountId) };
  });
}

export interface OfflineException {
  opId: string;
  cardNumberMasked: string;
  storeId: string;
  kioskId: string;
  points: number;
  posted: number;
  overdraft: number;
  redeemedAt: string;
  bookedAt: string;
  /** what of this card's overdraft debt is still unpaid now (all its exceptions together) */
  cardOutstanding: number;
}

/** Offline redemptions booked in [from, to) that the balance did not cover, oldest first (bounded). */
export async function offlineExceptions(db: Reader, range: { from: string; to: string; storeId?: string; limit?: number }): Promise<OfflineException[]> {
  const rows = (
    await db.execute({
      sql: `SELECT e.*, COALESCE(d.overdraft, 0) AS outstanding FROM offline_exceptions e LEFT JOIN debts d ON d.account_id = e.account_id
             WHERE e.booked_at >= ? AND e.booked_at < ? AND (? IS NULL OR e.store_id = ?)
             ORDER BY e.booked_at, e.op_id LIMIT ?`,
      args: [range.from, range.to, range.storeId ?? null, range.storeId ?? null, range.limit ?? 1000],
    })
  ).rows;
  return rows.map((r) => ({
    opId: String(r.op_id),
    cardNumberMasked: maskCardNumber(String(r.card_number)),
    storeId: String(r.store_id),
    kioskId: String(r.kiosk_id),
    points: Number(r.points),
    posted: Number(r.posted),
    overdraft: Number(r.overdraft),
    redeemedAt: String(r.redeemed_at),
    bookedAt: String(r.booked_at),
    cardOutstanding: Number(r.outstanding),
  }));
}
