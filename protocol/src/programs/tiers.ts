/**
 * Tiers by qualifying spend over a rolling window. A member holds a tier until the next review:
 * spending more upgrades at once; at a review (the end of a month, quarter or year in the store's
 * zone) the held tier follows the downgrade policy. The tier in force is the higher of the held
 * tier and what the current window's spend qualifies for, so a refund that undoes an upgrade
 * takes it back (tierAfterRefund) but never drops a member below what they held before.
 */
import { nextReview } from './calendar.js';
import type { Tiers } from './schema.js';

export interface TierState {
  /** the tier held (null = none yet) */
  id: string | null;
  /** when the held tier is next reviewed (null = never reviewed yet) */
  reviewAt: string | null;
}

/** Index of the highest level the spend qualifies for, −1 for none. */
export function qualifiedLevel(tiers: Tiers, spend: number): number {
  let index = -1;
  tiers.levels.forEach((level, i) => {
    if (spend >= level.minSpend) index = i;
  });
  return index;
}

export function levelIndex(tiers: Tiers, id: string | null): number {
  return id === null ? -1 : tiers.levels.findIndex((l) => l.id === id);
}

export function levelId(tiers: Tiers, index: number): string | null {
  return index < 0 ? null : tiers.levels[index]!.id;
}

/**
 * The tier in force at `nowMs` before anything is bought: reviews that fell due since the held
 * tier was last reviewed are applied first (each one by the downgrade policy, against the current
 * window's spend), then the spend can lift it.
 */
export function tierInForce(tiers: Tiers, held: TierState, spend: number, nowMs: number, timeZone: string): { index: number; reviewAt: number } {
  let index = levelIndex(tiers, held.id);
  let reviewAt = held.reviewAt === null ? nextReview(tiers.review, nowMs, timeZone) : Date.parse(held.reviewAt);
  const qualified = qualifiedLevel(tiers, spend);
  // Bounded: at most one review a month for 100 years.
  for (let i = 0; reviewAt <= nowMs && i < 1200; i++) {
    if (tiers.downgrade === 'to_qualified') index = Math.min(index, qualified);
    else if (tiers.downgrade === 'one_level') index = Math.max(Math.min(index, qualified), index - 1);
    reviewAt = nextReview(tiers.review, reviewAt, timeZone);
  }
  return { index: Math.max(index, qualified), reviewAt };
}

/**
 * The held tier after a refund. Only an upgrade the refunded purchase itself caused is undone,
 * and only as far as the spend left in the window no longer supports it.
 */
export function tierAfterRefund(tiers: Tiers, input: { held: string | null; purchaseTierBefore: string | null; purchaseTierAfter: string | null; spendAfterRefund: number }): string | null {
  const held = levelIndex(tiers, input.held);
  const before = levelIndex(tiers, input.purchaseTierBefore);
  const after = levelIndex(tiers, input.purchaseTierAfter);
  if (after <= before || held !== after) return input.held;
  return levelId(tiers, Math.max(before, qualifiedLevel(tiers, input.spendAfterRefund)));
}

/**
 * The level after the one a member is at (the higher of the held tier and what the window's spend
 * qualifies for) and the qualifying spend still needed to reach it; null at the top. The kiosk's
 * member screen and the customers' page both say "spend 40.00 more to reach Gold" from this.
 */
export function nextTierFor(tiers: Tiers, held: string | null, qualifyingSpend: number): { id: string; name: string; spendNeeded: number } | null {
  const reached = Math.max(levelIndex(tiers, held), qualifiedLevel(tiers, qualifyingSpend));
  const next = tiers.levels[reached + 1];
  return next ? { id: next.id, name: next.name, spendNeeded: next.minSpend - qualifyingSpend } : null;
}
