/**
 * Serving a card while the gateway cannot be reached (docs/offline.md), as card terminals do with
 * floor limits and issuer-set offline caps: the card's signed token says who the member is and how
 * much they may spend offline; the kiosk's signed configuration says how much it may pay out
 * offline per day and what share of offline redemptions it sends back online anyway (random online
 * selection). Every offline spend is written with its journal entry (outbox), so the limits hold
 * across restarts.
 */
import type { KeyObject } from 'node:crypto';
import { CardTokenError, localDate, verifyCardToken, type CardRef, type CardTokenClaims, type CardTokenRefusal } from '@loyalty/protocol';
import type { Outbox } from '../outbox/outbox.js';
import type { TokenCache } from './token-cache.js';

export interface OfflinePolicy {
  /** points this kiosk may pay out offline per store-local day; 0: no offline redemption */
  budgetPointsPerDay: number;
  /** percent of offline redemptions refused anyway and asked to retry online */
  onlineSelectionPercent: number;
}

export type OfflineRefusal = CardTokenRefusal | 'no_token' | 'per_transaction_limit' | 'per_card_limit' | 'insufficient_points' | 'kiosk_budget' | 'online_selected';

export type OfflineVerdict<T> = { ok: true; value: T } | { ok: false; reason: OfflineRefusal };

export interface OfflineDeskDeps {
  tokens: TokenCache;
  outbox: Outbox;
  /** the gateway keys this kiosk trusts (any of them may have signed a token) */
  gatewayKeys: () => readonly KeyObject[];
  storeId: string;
  policy: () => OfflinePolicy;
  now: () => number;
  /** 0 ≤ x < 1; injected by tests */
  random?: () => number;
}

export class OfflineDesk {
  constructor(private readonly deps: OfflineDeskDeps) {}

  /** The member as their token shows them, with what this kiosk already paid out to them offline. */
  async identify(card: CardRef): Promise<OfflineVerdict<{ claims: CardTokenClaims; spent: number }>> {
    const token = this.deps.tokens.tokenFor(card);
    if (!token) return { ok: false, reason: 'no_token' };
    let claims: CardTokenClaims;
    try {
      claims = verifyCardToken(token, this.deps.gatewayKeys(), { card, storeId: this.deps.storeId, now: this.deps.now() });
    } catch (error) {
      if (error instanceof CardTokenError) return { ok: false, reason: error.reason };
      throw error;
    }
    return { ok: true, value: { claims, spent: await this.spentOnCard(claims) } };
  }

  /**
   * May this card spend `points` offline here now? The token must still be valid; then the
   * transaction cap, the card's cap and its points, the kiosk's budget for today, and last the
   * random draw.
   */
  async mayRedeem(claims: CardTokenClaims, points: number, timeZone: string): Promise<OfflineVerdict<{ day: string }>> {
    if (Date.parse(claims.validUntil) <= this.deps.now()) return { ok: false, reason: 'expired' };
    if (points > claims.limits.perTransactionPoints) return { ok: false, reason: 'per_transaction_limit' };
    const spent = await this.spentOnCard(claims);
    if (spent + points > claims.limits.perCardPoints) return { ok: false, reason: 'per_card_limit' };
    const available = (claims.identify.member?.availablePoints ?? claims.identify.balance) - spent;
    if (points > available) return { ok: false, reason: 'insufficient_points' };
    const day = localDate(this.deps.now(), timeZone);
    const policy = this.deps.policy();
    if ((await this.deps.outbox.offlineSpent({ day })) + points > policy.budgetPointsPerDay) return { ok: false, reason: 'kiosk_budget' };
    if ((this.deps.random ?? Math.random)() * 100 < policy.onlineSelectionPercent) return { ok: false, reason: 'online_selected' };
    return { ok: true, value: { day } };
  }

  private spentOnCard(claims: CardTokenClaims): Promise<number> {
    return this.deps.outbox.offlineSpent({ card: claims.card.number, sinceMs: Date.parse(claims.issuedAt) });
  }
}
