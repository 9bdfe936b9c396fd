/**
 * A segment's rules as SQL over one customer row `c` (docs/segments.md): each rule is a
 * predicate on what the ledger holds about the customer's cards (purchases, tiers, memberships).
 * The same predicates count a segment's members and decide one member's segments at a tap, so
 * the list an operator sees and the offer a kiosk shows never disagree.
 */
import type { Segment, SegmentRule } from '@loyalty/protocol';
/** A value bound to a statement. */
type InValue = string | number;

const DAY_MS = 86_400_000;
/** How far back the home store is judged from: a year of purchases. */
const HOME_STORE_DAYS = 365;

export interface SqlPredicate {
  sql: string;
  args: InValue[];
}

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
const daysBefore = (nowMs: number, days: number) => new Date(nowMs - days * DAY_MS).toISOString();
/** The customer's own purchases (partners' excluded), joined through their cards. */
const OWN_PURCHASES = `purchases p JOIN cards k ON k.account_id = p.account_id WHERE k.customer_id = c.id AND p.partner_id IS NULL`;

function between(expression: string, rule: { min?: number; max?: number }): SqlPredicate {
  const parts: string[] = [];
  const args: InValue[] = [];
  if (rule.min !== undefined) {
    parts.push(`${expression} >= ?`);
    args.push(rule.min);
  }
  if (rule.max !== undefined) {
    parts.push(`${expression} <= ?`);
    args.push(rule.max);
  }
  return { sql: parts.join(' AND '), args };
}

export function rulePredicate(rule: SegmentRule, nowMs: number): SqlPredicate {
  const now = new Date(nowMs).toISOString();
  switch (rule.kind) {
    case 'birthday_month':
      return { sql: `(c.birthday IS NOT NULL AND CAST(substr(c.birthday, 6, 2) AS INTEGER) IN (${placeholders(rule.months.length)}))`, args: rule.months };
    case 'days_since_last_purchase': {
      // Whole days since the last purchase: ≥ min when it was at least min days ago, ≤ max
      // when it was less than max + 1 days ago.
      const last = `(SELECT MAX(p.created_at) FROM ${OWN_PURCHASES})`;
      const parts = [`${last} IS NOT NULL`];
      const args: InValue[] = [];
      if (rule.min !== undefined) {
        parts.push(`${last} <= ?`);
        args.push(daysBefore(nowMs, rule.min));
      }
      if (rule.max !== undefined) {
        parts.push(`${last} > ?`);
        args.push(daysBefore(nowMs, rule.max + 1));
      }
      return { sql: `(${parts.join(' AND ')})`, args };
    }
    case 'spend': {
      // Paid in money over the window, less what refunds gave back (as the tiers count it).
      const paid = `(SELECT COALESCE(SUM(COALESCE(p.paid, p.total)), 0) FROM ${OWN_PURCHASES} AND p.created_at > ?)`;
      const refunded = `(SELECT COALESCE(SUM(CASE WHEN p.total > 0 THEN r.value * COALESCE(p.paid, p.total) / p.total ELSE 0 END), 0)
                           FROM refunds r JOIN purchases p ON p.id = r.purchase_id JOIN cards k ON k.account_id = p.account_id
                          WHERE k.customer_id = c.id AND p.partner_id IS NULL AND p.created_at > ?)`;
      const since = daysBefore(nowMs, rule.windowDays);
      const range = between(`(${paid} - ${refunded})`, rule);
      // Each use of the expression carries its own two window arguments.
      const uses = range.args.length;
      const args: InValue[] = [];
      for (let i = 0; i < uses; i++) args.push(since, since, range.args[i]!);
      return { sql: `(${range.sql})`, args };
    }
    case 'visits': {
      const count = `(SELECT COUNT(*) FROM ${OWN_PURCHASES} AND p.created_at > ?)`;
      const since = daysBefore(nowMs, rule.windowDays);
      const range = between(count, rule);
      const args: InValue[] = [];
      for (const bound of range.args) args.push(since, bound);
      return { sql: `(${range.sql})`, args };
    }
    case 'tier':
      return {
        sql: `EXISTS (SELECT 1 FROM member_state m JOIN cards k ON k.account_id = m.account_id WHERE k.customer_id = c.id AND k.status = 'active' AND m.tier IN (${placeholders(rule.tiers.length)}))`,
        args: rule.tiers,
      };
    case 'home_store':
      return {
        sql: `((SELECT p.store_id FROM ${OWN_PURCHASES} AND p.created_at > ? GROUP BY p.store_id ORDER BY COUNT(*) DESC, MAX(p.created_at) DESC LIMIT 1) IN (${placeholders(rule.stores.length)}))`,
        args: [daysBefore(nowMs, HOME_STORE_DAYS), ...rule.stores],
      };
    case 'categories_bought':
      return {
        sql: `EXISTS (SELECT 1 FROM ${OWN_PURCHASES} AND p.created_at > ? AND EXISTS (SELECT 1 FROM json_each(p.items) j WHERE json_extract(j.value, '$.category') IN (${placeholders(rule.categories.length)})))`,
        args: [daysBefore(nowMs, rule.windowDays), ...rule.categories],
      };
    case 'membership':
      return {
        sql: `EXISTS (SELECT 1 FROM memberships m WHERE m.customer_id = c.id AND m.program_id IN (${placeholders(rule.programs.length)}) AND (m.valid_until IS NULL OR m.valid_until > ?))`,
        args: [...rule.programs, now],
      };
  }
}

/** All of a segment's rules: the customer is in it when every one holds. */
export function segmentPredicate(segment: Segment, nowMs: number): SqlPredicate {
  const parts = segment.rules.map((rule) => rulePredicate(rule, nowMs));
  return { sql: parts.map((p) => p.sql).join(' AND '), args: parts.flatMap((p) => p.args) };
}
