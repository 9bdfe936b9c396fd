/**
 * What the evaluator needs to know about a member, read from the ledger in the transaction that
 * books the purchase (or outside one, for a quote).
 */
import { earningProgram, segmentsTargeted, startOfLocalDay, type MemberSnapshot, type RuleSet } from '@loyalty/protocol';
import { segmentsOf } from '../segments/segment-service.js';
import type { SqlExecutor } from '../db/sql.js';
import type { CardRow } from '../ledger/cards.js';
import { spendSinceSql, windowStartDays } from '../ledger/spend-days.js';

const DAY_MS = 86_400_000;
/** The tier window's spend, from the spend by day (ledger/spend-days.ts). */
const WINDOW_SPEND = spendSinceSql({ account: '?1', since: '?2', day: '?7', nextDay: '?8' });

/** `currency`: the basket's, for the cashback wallet's balance (none for a kiosk's look-up). */
export async function memberSnapshot(db: SqlExecutor, card: CardRow, rules: RuleSet, now: string, currency?: string): Promise<MemberSnapshot> {
  const nowMs = Date.parse(now);
  const earning = earningProgram(rules, card.programId);
  const windowDays = earning?.program.tiers?.windowDays ?? 365;
  const since = new Date(nowMs - windowDays * DAY_MS).toISOString();
  const window = windowStartDays(since);
  // One statement for everything but the memberships: this runs on every kiosk tap.
  const row = (
    await db.execute({
      sql: `SELECT
              (SELECT tier FROM member_state WHERE account_id = ?1) AS tier,
              (SELECT tier_review_at FROM member_state WHERE account_id = ?1) AS tier_review_at,
              (SELECT birthday_bonus_year FROM member_state WHERE account_id = ?1) AS birthday_bonus_year,
              (SELECT birthday FROM customers WHERE id = ?4) AS birthday,
              (SELECT referred_by FROM customers WHERE id = ?4) AS referred_by,
              (SELECT COALESCE(SUM(points), 0) FROM holds WHERE account_id = ?1 AND state = 'pending' AND expires_at > ?5) AS held,
              (SELECT COUNT(*) FROM (SELECT 1 FROM purchases WHERE account_id = ?1 AND partner_id IS NULL LIMIT 1)) AS purchases,
              ${WINDOW_SPEND.paid} AS paid,
              ${WINDOW_SPEND.refunded} AS refunded,
              (SELECT COALESCE(SUM(capped_points), 0) FROM purchases WHERE account_id = ?1 AND created_at >= ?3) AS earned_today,
              (SELECT balance FROM accounts WHERE id = ?1) AS balance,
              (SELECT balance FROM accounts WHERE code = ?6) AS wallet`,
      args: [
        card.accountId,
        since,
        new Date(startOfLocalDay(nowMs, rules.timezone)).toISOString(),
        card.customerId,
        now,
        currency ? `wallet:${card.accountId}:${currency}` : '',
        window.day,
        window.nextDay,
      ],
    })
  ).rows[0]!;
  const memberships = card.customerId
    ? (await db.execute({ sql: 'SELECT program_id, valid_until FROM memberships WHERE customer_id = ?', args: [card.customerId] })).rows.map((r) => ({
        programId: String(r.program_id),
        validUntil: r.valid_until === null ? null : String(r.valid_until),
      }))
    : [];
  // Only when a promotion of the store's programs is meant for a segment (docs/segments.md).
  const targeted = segmentsTargeted(rules);
  const segments = targeted.length ? await segmentsOf(db, card.customerId, targeted, nowMs, rules) : null;
  // 0 or 1: the rules ask only whether there was an earlier purchase, and counting them all
  // would make every tap and earn of a card slower as its history grows.
  const purchases = Number(row.purchases);
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    cardProgramId: card.programId,
    availablePoints: Number(row.balance) - Number(row.held),
    tier: { id: text(row.tier), reviewAt: text(row.tier_review_at) },
    qualifyingSpend: Math.max(0, Number(row.paid) - Number(row.refunded)),
    purchases,
    birthday: text(row.birthday),
    birthdayBonusYear: row.birthday_bonus_year == null ? null : Number(row.birthday_bonus_year),
    referrerId: purchases === 0 ? text(row.referred_by) : null,
    memberships,
    earnedToday: Number(row.earned_today),
    ...(currency ? { walletBalance: Number(row.wallet ?? 0) } : {}),
    ...(segments ? { segments } : {}),
  };
}
