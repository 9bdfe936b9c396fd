/**
 * Which reminders are due now (docs/reminders.md): points that expire within N days, a coupon
 * that expires within N days, a tier whose review within N days would lower it, a birthday bonus
 * whose window is open and not yet taken. Only customers who gave marketing consent and are not
 * erased, with an active card; each reminder has a key that names what it is about, so it is sent
 * once however often the job looks.
 */
import { birthdayOccurrence, daysInMonth, earningProgram, instantOf, levelIndex, localParts, qualifiedLevel, type RuleSet, type Tiers } from '@loyalty/protocol';
import type { SqlExecutor } from '../db/sql.js';
import { spendSinceSql, windowStartDays } from '../ledger/spend-days.js';
import { maskCardNumber } from '@loyalty/protocol';
import type { ReminderFacts, ReminderKind } from './messages.js';

const DAY_MS = 86_400_000;

export interface DueReminder {
  key: string;
  kind: ReminderKind;
  customerId: string;
  phone: string | null;
  email: string | null;
  cardMasked: string;
  timeZone: string;
  facts: ReminderFacts;
}

export interface DueOptions {
  pointsExpiringDays: number;
  couponExpiringDays: number;
  tierReviewDays: number;
  /** the rules of a store running a program (its time zone, tiers, bonuses), null when no store runs it */
  rulesFor: (programId: string) => Promise<RuleSet | null>;
}

/** Consenting, not erased, reachable, with an active card: the only customers a reminder may go to. */
const REACHABLE = `c.marketing_consent = 1 AND c.erased_at IS NULL AND (c.phone IS NOT NULL OR c.email IS NOT NULL) AND k.status = 'active'`;
const WHO = 'c.id AS customer_id, c.phone, c.email, k.number, k.program_id, k.account_id';

export async function dueReminders(db: SqlExecutor, nowMs: number, options: DueOptions): Promise<DueReminder[]> {
  const now = new Date(nowMs).toISOString();
  const due: DueReminder[] = [];
  const zoneOf = async (programId: string) => (await options.rulesFor(programId))?.timezone ?? 'UTC';
  const who = async (r: Record<string, unknown>) => ({
    customerId: String(r.customer_id),
    phone: r.phone === null ? null : String(r.phone),
    email: r.email === null ? null : String(r.email),
    cardMasked: maskCardNumber(String(r.number)),
    timeZone: await zoneOf(String(r.program_id)),
  });

  const lots = await db.execute({
    sql: `SELECT ${WHO}, l.expires_at, SUM(l.remaining) AS points FROM lots l JOIN cards k ON k.account_id = l.account_id JOIN customers c ON c.id = k.customer_id
           WHERE ${REACHABLE} AND l.remaining > 0 AND l.expires_at > ? AND l.expires_at <= ? GROUP BY k.number, l.expires_at`,
    args: [now, new Date(nowMs + options.pointsExpiringDays * DAY_MS).toISOString()],
  });
  for (const r of lots.rows) {
    const expiresAt = String(r.expires_at);
    due.push({ key: `points_expiring:${String(r.number)}:${expiresAt}`, kind: 'points_expiring', ...(await who(r)), facts: { kind: 'points_expiring', points: Number(r.points), expiresAt } });
  }

  const coupons = await db.execute({
    sql: `SELECT ${WHO}, cp.code, cp.value, cp.currency, cp.reward_name, cp.expires_at FROM coupons cp JOIN cards k ON k.account_id = cp.account_id JOIN customers c ON c.id = k.customer_id
           WHERE ${REACHABLE} AND cp.used_at IS NULL AND cp.expires_at > ? AND cp.expires_at <= ?`,
    args: [now, new Date(nowMs + options.couponExpiringDays * DAY_MS).toISOString()],
  });
  for (const r of coupons.rows) {
    due.push({
      key: `coupon_expiring:${String(r.code)}`,
      kind: 'coupon_expiring',
      ...(await who(r)),
      facts: {
        kind: 'coupon_expiring',
        code: String(r.code),
        value: { amount: Number(r.value), currency: String(r.currency) },
        rewardName: r.reward_name === null ? null : String(r.reward_name),
        expiresAt: String(r.expires_at),
      },
    });
  }

  const reviews = await db.execute({
    sql: `SELECT ${WHO}, m.tier, m.tier_review_at FROM member_state m JOIN cards k ON k.account_id = m.account_id JOIN customers c ON c.id = k.customer_id
           WHERE ${REACHABLE} AND m.tier IS NOT NULL AND m.tier_review_at > ? AND m.tier_review_at <= ?`,
    args: [now, new Date(nowMs + options.tierReviewDays * DAY_MS).toISOString()],
  });
  for (const r of reviews.rows) {
    const rules = await options.rulesFor(String(r.program_id));
    const program = rules ? earningProgram(rules, String(r.program_id))?.program : undefined;
    if (!program?.tiers) continue;
    const reviewAt = String(r.tier_review_at);
    const spend = await spendCountingAt(db, Number(r.account_id), Date.parse(reviewAt) - program.tiers.windowDays * DAY_MS);
    const keep = keepsTier(program.tiers, String(r.tier), spend);
    if (keep.keeps) continue;
    due.push({
      key: `tier_review:${String(r.number)}:${reviewAt}`,
      kind: 'tier_review',
      ...(await who(r)),
      facts: { kind: 'tier_review', tier: keep.name, reviewAt, spendNeeded: { amount: keep.spendNeeded, currency: program.currency } },
    });
  }

  // Birthdays this month, last month or next (a window is at most 31 days each side); exact in JS.
  const today = new Date(nowMs);
  const months = [-1, 0, 1].map((d) => ((today.getUTCMonth() + d + 12) % 12) + 1);
  const birthdays = await db.execute({
    sql: `SELECT ${WHO}, c.birthday, m.birthday_bonus_year FROM customers c JOIN cards k ON k.customer_id = c.id LEFT JOIN member_state m ON m.account_id = k.account_id
           WHERE ${REACHABLE} AND c.birthday IS NOT NULL AND CAST(substr(c.birthday, 6, 2) AS INTEGER) IN (?, ?, ?)`,
    args: months,
  });
  for (const r of birthdays.rows) {
    const rules = await options.rulesFor(String(r.program_id));
    const bonus = rules ? earningProgram(rules, String(r.program_id))?.program.bonuses.birthday : undefined;
    if (!bonus || !rules) continue;
    const birthday = String(r.birthday);
    const year = birthdayOccurrence(birthday, bonus.windowDays, nowMs, rules.timezone);
    if (year === null || (r.birthday_bonus_year !== null && Number(r.birthday_bonus_year) === year)) continue;
    const [, month, dayOfMonth] = birthday.split('-').map(Number) as [number, number, number];
    // The window's last day, at its end in the store's zone.
    const until = instantOf(year, month, Math.min(dayOfMonth, daysInMonth(year, month)), 12, 0, rules.timezone) + bonus.windowDays * DAY_MS;
    due.push({
      key: `birthday_bonus:${String(r.number)}:${year}`,
      kind: 'birthday_bonus',
      ...(await who(r)),
      facts: { kind: 'birthday_bonus', points: bonus.points, until: new Date(until).toISOString() },
    });
  }
  return due;
}

/** Whether the held tier survives its review with the spend that will still count then, and what it takes to keep it. */
export function keepsTier(tiers: Tiers, held: string, spend: number): { keeps: boolean; name: string; spendNeeded: number } {
  const index = levelIndex(tiers, held);
  const level = tiers.levels[index];
  if (!level || tiers.downgrade === 'never') return { keeps: true, name: held, spendNeeded: 0 };
  const qualified = qualifiedLevel(tiers, spend);
  const after = tiers.downgrade === 'to_qualified' ? Math.min(index, qualified) : Math.max(Math.min(index, qualified), index - 1);
  return { keeps: after >= index, name: level.name, spendNeeded: Math.max(0, level.minSpend - spend) };
}

const SPEND = spendSinceSql({ account: '?1', since: '?2', day: '?3', nextDay: '?4' });

/**
 * Money paid since `sinceMs` less refunds (the spend that will still be in the tier window at the
 * review), counted as the member snapshot counts the tier window's.
 */
async function spendCountingAt(db: SqlExecutor, accountId: number, sinceMs: number): Promise<number> {
  const since = new Date(sinceMs).toISOString();
  const { day, nextDay } = windowStartDays(since);
  const row = (await db.execute({ sql: `SELECT ${SPEND.paid} AS paid, ${SPEND.refunded} AS refunded`, args: [accountId, since, day, nextDay] })).rows[0]!;
  return Math.max(0, Number(row.paid) - Number(row.refunded));
}

/** Whether the local time in `timeZone` is inside [from, to) ("09:00", "20:00"). */
export function inDaytime(nowMs: number, timeZone: string, daytime: { from: string; to: string }): boolean {
  const local = localParts(nowMs, timeZone);
  const hhmm = `${String(local.hour).padStart(2, '0')}:${String(local.minute).padStart(2, '0')}`;
  return hhmm >= daytime.from && hhmm < daytime.to;
}
