/**
 * Program dates in the store's time zone: when points expire, when tiers are reviewed, whether a
 * purchase falls in a promotion or a birthday window. Pure functions of an instant and a zone.
 */
import type { Expiry, Promotion, Tiers } from './schema.js';
import { daysBetween, daysInMonth, instantOf, instantOfLocal, localParts } from './zoned-time.js';

/** When points earned at `earnedAtMs` expire (an instant; they are gone from it on), or null. */
export function expiryOf(expiry: Expiry, earnedAtMs: number, timeZone: string): string | null {
  switch (expiry.policy) {
    case 'never':
      return null;
    case 'days_after_earning':
      return new Date(earnedAtMs + expiry.days * 86_400_000).toISOString();
    case 'end_of_month': {
      const local = localParts(earnedAtMs, timeZone);
      const months = local.month + expiry.monthsAfter; // the month after the last month points live in
      return new Date(instantOf(local.year + Math.floor(months / 12), (months % 12) + 1, 1, 0, 0, timeZone)).toISOString();
    }
    case 'end_of_year': {
      const local = localParts(earnedAtMs, timeZone);
      return new Date(instantOf(local.year + expiry.yearsAfter + 1, 1, 1, 0, 0, timeZone)).toISOString();
    }
  }
}

/** The first tier review strictly after `afterMs`: local midnight at the start of the next period. */
export function nextReview(review: Tiers['review'], afterMs: number, timeZone: string): number {
  const local = localParts(afterMs, timeZone);
  const step = review === 'end_of_month' ? 1 : review === 'end_of_quarter' ? 3 : 12;
  // The start of the period containing `afterMs`, then the next period start.
  const periodStartMonth = review === 'end_of_year' ? 1 : Math.floor((local.month - 1) / step) * step + 1;
  const months = periodStartMonth - 1 + step;
  return instantOf(local.year + Math.floor(months / 12), (months % 12) + 1, 1, 0, 0, timeZone);
}

/** Whether a promotion runs at this instant in this store (its lines are checked separately). */
export function promotionRunning(promotion: Promotion, storeId: string, nowMs: number, timeZone: string): boolean {
  if (promotion.stores && !promotion.stores.includes(storeId)) return false;
  if (promotion.from && nowMs < instantOfLocal(promotion.from, timeZone)) return false;
  if (promotion.until && nowMs >= instantOfLocal(promotion.until, timeZone)) return false;
  const local = localParts(nowMs, timeZone);
  if (promotion.daysOfWeek && !promotion.daysOfWeek.includes(local.weekday)) return false;
  if (promotion.hours) {
    const minute = local.hour * 60 + local.minute;
    const [fh, fm] = promotion.hours.from.split(':').map(Number) as [number, number];
    const [th, tm] = promotion.hours.to.split(':').map(Number) as [number, number];
    const from = fh * 60 + fm;
    const to = th * 60 + tm;
    // A window like 22:00-02:00 runs over midnight.
    const inside = from <= to ? minute >= from && minute < to : minute >= from || minute < to;
    if (!inside) return false;
  }
  return true;
}

/**
 * The birthday occurrence within `windowDays` of the store-local date, as its year, or null. A
 * 29 February birthday is kept on 28 February in years without one.
 */
export function birthdayOccurrence(birthday: string, windowDays: number, nowMs: number, timeZone: string): number | null {
  const [, bm, bd] = birthday.split('-').map(Number) as [number, number, number];
  const today = localParts(nowMs, timeZone);
  for (const year of [today.year - 1, today.year, today.year + 1]) {
    const day = Math.min(bd, daysInMonth(year, bm));
    if (Math.abs(daysBetween(today, { year, month: bm, day })) <= windowDays) return year;
  }
  return null;
}

/** Store-local midnight that starts the day containing `nowMs` (for per-day caps). */
export function startOfLocalDay(nowMs: number, timeZone: string): number {
  const local = localParts(nowMs, timeZone);
  return instantOf(local.year, local.month, local.day, 0, 0, timeZone);
}
