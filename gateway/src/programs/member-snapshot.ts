/**
 * What the evaluator needs to know about a member, read from the ledger in the transaction that
 * books the purchase (or outside one, for a quote).
 */
import { earningProgram, startOfLocalDay, type MemberSnapshot, type RuleSet } from '@loyalty/protocol';
import type { SqlExecutor } from '../db/sql.js';
import type { CardRow } from '../ledger/cards.js';
import { availablePoints } from '../ledger/points.js';

const DAY_MS = 86_400_000;

export async function memberSnapshot(db: SqlExecutor, card: CardRow, rules: RuleSet, now: string): Promise<MemberSnapshot> {
  const nowMs = Date.parse(now);
  const earning = earningProgram(rules, card.programId);
  const windowDays = earning?.program.tiers?.windowDays ?? 365;
  const since = new Date(nowMs - windowDays * DAY_MS).toISOString();
  const state = (await db.execute({ sql: 'SELECT tier, tier_review_at, birthday_bonus_year FROM member_state WHERE account_id = ?', args: [card.accountId] })).rows[0];
  const history = (
    await db.execute({
      sql: `SELECT
              (SELECT COUNT(*) FROM purchases WHERE account_id = ?1 AND partner_id IS NULL) AS purchases,
              (SELECT COALESCE(SUM(paid), 0) FROM purchases WHERE account_id = ?1 AND partner_id IS NULL AND created_at > ?2) AS paid,
              (SELECT COALESCE(SUM(CASE WHEN p.total > 0 THEN r.value * p.paid / p.total ELSE 0 END), 0)
                 FROM refunds r JOIN purchases p ON p.id = r.purchase_id
                WHERE p.account_id = ?1 AND p.partner_id IS NULL AND p.created_at > ?2) AS refunded,
              (SELECT COALESCE(SUM(capped_points), 0) FROM purchases WHERE account_id = ?1 AND created_at >= ?3) AS earned_today`,
      args: [card.accountId, since, new Date(startOfLocalDay(nowMs, rules.timezone)).toISOString()],
    })
  ).rows[0]!;
  const customer = card.customerId
    ? (await db.execute({ sql: 'SELECT birthday, referred_by FROM customers WHERE id = ?', args: [card.customerId] })).rows[0]
    : undefined;
  const memberships = card.customerId
    ? (await db.execute({ sql: 'SELECT program_id, valid_until FROM memberships WHERE customer_id = ?', args: [card.customerId] })).rows.map((r) => ({
        programId: String(r.program_id),
        validUntil: r.valid_until === null ? null : String(r.valid_until),
      }))
    : [];
  const purchases = Number(history.purchases);
  return {
    cardProgramId: card.programId,
    availablePoints: await availablePoints(db, card.accountId, now),
    tier: { id: state?.tier == null ? null : String(state.tier), reviewAt: state?.tier_review_at == null ? null : String(state.tier_review_at) },
    qualifyingSpend: Math.max(0, Number(history.paid) - Math.floor(Number(history.refunded))),
    purchases,
    birthday: customer?.birthday == null ? null : String(customer.birthday),
    birthdayBonusYear: state?.birthday_bonus_year == null ? null : Number(state.birthday_bonus_year),
    referrerId: purchases === 0 && customer?.referred_by != null ? String(customer.referred_by) : null,
    memberships,
    earnedToday: Number(history.earned_today),
  };
}
