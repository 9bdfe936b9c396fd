/**
 * Spending points at a kiosk (docs/kiosk-page.md "Spend points"): a reward or points for a
 * single-use coupon worth them in the program's currency. Above the program's
 * `redemption.confirmAbove` the points are held and the card owner's phone gets an SMS code
 * (members/confirmed-redemption.ts); the code confirms the hold and issues the coupon. Each step
 * is idempotent by its op id, so a kiosk resending from its outbox gets the same answer.
 */
import type { CouponData, ReplyData, RequestOf } from '@loyalty/protocol';
import { LedgerError } from '../ledger/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import type { ConfirmedRedemptions } from './confirmed-redemption.js';

/** The built-in default program's currency; a published program brings its own (ledger/redemptions.ts couponTerms). */
const DEFAULT_CURRENCY = 'EUR';

interface KioskContext {
  kioskId: string;
  storeId: string;
}

export class KioskRedemptions {
  constructor(
    private readonly ledger: Ledger,
    private readonly confirmed: ConfirmedRedemptions,
  ) {}

  async redeem(request: RequestOf<'redeem'>, context: KioskContext): Promise<ReplyData<'redeem'>> {
    const source = `kiosk:${context.kioskId}`;
    const what = request.rewardId !== undefined ? { rewardId: request.rewardId } : { points: request.points! };
    const terms = await this.ledger.couponTerms({ storeId: context.storeId, currency: DEFAULT_CURRENCY, card: request.card, ...what });
    if (terms.confirmAbove !== null && terms.points > terms.confirmAbove) {
      const hold = await this.confirmed.start({
        opId: request.opId,
        card: request.card,
        points: terms.points,
        storeId: context.storeId,
        source,
        kioskId: context.kioskId,
        ...(request.rewardId ? { rewardId: request.rewardId } : {}),
      });
      return { status: 'confirm', holdId: hold.holdId, confirmationId: hold.confirmationId, points: hold.points, expiresAt: hold.expiresAt };
    }
    const redeemed = await this.ledger.redeem({ opId: request.opId, card: request.card, storeId: context.storeId, source, currency: DEFAULT_CURRENCY, ...what });
    return { status: 'issued', balance: redeemed.balance, coupon: couponData(redeemed.coupon, redeemed.pointsRedeemed) };
  }

  /** The customer left before typing the code: the held points are free again at once. */
  async cancel(request: RequestOf<'redeem_cancel'>): Promise<ReplyData<'redeem_cancel'>> {
    try {
      const voided = await this.ledger.voidHold({ opId: request.opId, holdId: request.holdId });
      return { released: voided.points };
    } catch (error) {
      if (error instanceof LedgerError && (error.code === 'hold_not_pending' || error.code === 'hold_not_found')) return { released: 0 };
      throw error;
    }
  }

  async confirm(request: RequestOf<'redeem_confirm'>, context: KioskContext): Promise<ReplyData<'redeem_confirm'>> {
    const confirmed =
      (await this.confirmed.confirmedBefore(request.holdId, DEFAULT_CURRENCY)) ??
      (await this.confirmed.confirm({
        holdId: request.holdId,
        confirmationId: request.confirmationId,
        code: request.code,
        storeId: context.storeId,
        source: `kiosk:${context.kioskId}`,
        currency: DEFAULT_CURRENCY,
      }));
    const points = await this.ledger.holdPoints(request.holdId);
    return { status: 'issued', balance: confirmed.balance, coupon: couponData(confirmed.coupon, points) };
  }
}

function couponData(coupon: { code: string; value: { amount: number; currency: string }; expiresAt: string; reward?: string }, points: number): CouponData {
  return { code: coupon.code, value: coupon.value, expiresAt: coupon.expiresAt, points, reward: coupon.reward ?? null };
}
