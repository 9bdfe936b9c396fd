/**
 * A member's qualifying spend by day (docs/ledger.md "Spend by day"): what was paid, less the
 * refunded share, for the purchases of each points account on each UTC day, kept as the
 * purchases and refunds are booked.
 *
 * Why: the tier window is up to a year, and the member snapshot reads the spend in it on every
 * tap and earn. Summed from the purchase rows, a card's every earn got slower with its history —
 * a store's house card, scanned for customers without one, earning thousands of times a day,
 * would have held the gateway's one writer for longer and longer. From these rows the window
 * costs at most one row per day, plus the purchases of the window's first day, summed exactly
 * as before so the window still starts at its instant, not at a midnight.
 *
 * A refund takes back its share of what was paid: for each purchase, the refunded part of its
 * total times what was paid for it, in whole minor units rounded down (as cashback is reversed,
 * refunds.ts), so partial refunds add up to the share of all of them. Whole units add up the same
 * in any order, where fractions summed as floating point could land either side of a unit.
 */
import type { SqlExecutor } from '../db/sql.js';

/** What was paid for a purchase `p` (rows from before `paid` was kept have only their total). */
const PAID = 'COALESCE(p.paid, p.total)';
/** The refunded share of a purchase `p` whose refunds' values sum to `refunded` (integer division rounds down). */
const refundedShare = (refunded: string) => `(${PAID} * (${refunded})) / p.total`;

/** The UTC day of an ISO instant, and the day after it (both as `created_at` compares with them). */
export function windowStartDays(since: string): { day: string; nextDay: string } {
  const day = since.slice(0, 10);
  return { day, nextDay: new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString().slice(0, 10) };
}

/**
 * SQL for the spend since an instant, for statements that bind the account, the instant, and its
 * `windowStartDays` as the numbered parameters named here: the spend is `paid` − `refunded`.
 */
export function spendSinceSql(p: { account: string; since: string; day: string; nextDay: string }): { paid: string; refunded: string } {
  const firstDay = `p.account_id = ${p.account} AND p.partner_id IS NULL AND p.created_at > ${p.since} AND p.created_at < ${p.nextDay}`;
  const days = `FROM spend_days WHERE account_id = ${p.account} AND day > ${p.day}`;
  return {
    paid: `((SELECT COALESCE(SUM(paid), 0) ${days}) + (SELECT COALESCE(SUM(${PAID}), 0) FROM purchases p WHERE ${firstDay}))`,
    refunded: `((SELECT COALESCE(SUM(refunded), 0) ${days})
      + (SELECT COALESCE(SUM(${refundedShare('SELECT SUM(value) FROM refunds r WHERE r.purchase_id = p.id')}), 0) FROM purchases p WHERE ${firstDay} AND p.total > 0))`,
  };
}

/** The spend of a booked purchase (not a partner's: a partner's sale does not qualify). */
export async function addPurchaseSpend(tx: SqlExecutor, accountId: number, createdAt: string, paid: number): Promise<void> {
  if (paid === 0) return;
  await tx.execute({
    sql: `INSERT INTO spend_days (account_id, day, paid, refunded) VALUES (?, ?, ?, 0)
          ON CONFLICT (account_id, day) DO UPDATE SET paid = paid + excluded.paid`,
    args: [accountId, createdAt.slice(0, 10), paid],
  });
}

/**
 * A booked refund's part of its purchase's refunded share, on the purchase's day: the share of
 * all its refunds so far less the share of those before it.
 */
export async function addRefundSpend(tx: SqlExecutor, refundId: string): Promise<void> {
  await tx.execute({
    sql: `INSERT INTO spend_days (account_id, day, paid, refunded)
            SELECT p.account_id, substr(p.created_at, 1, 10), 0, ${refundedShare('t.total')} - ${refundedShare('t.total - r.value')}
              FROM refunds r JOIN purchases p ON p.id = r.purchase_id
              JOIN (SELECT purchase_id, SUM(value) AS total FROM refunds WHERE purchase_id = (SELECT purchase_id FROM refunds WHERE id = ?1) GROUP BY purchase_id) t
                ON t.purchase_id = p.id
             WHERE r.id = ?1 AND p.partner_id IS NULL AND p.total > 0
          ON CONFLICT (account_id, day) DO UPDATE SET refunded = refunded + excluded.refunded`,
    args: [refundId],
  });
}

/** The rows as the purchases and refunds give them, for `ledger verify`. */
export const SPEND_DAYS_FROM_PURCHASES = `
  SELECT p.account_id, substr(p.created_at, 1, 10) AS day, SUM(${PAID}) AS paid,
         SUM(CASE WHEN p.total > 0 THEN ${refundedShare('SELECT COALESCE(SUM(value), 0) FROM refunds r WHERE r.purchase_id = p.id')} ELSE 0 END) AS refunded
    FROM purchases p WHERE p.partner_id IS NULL
   GROUP BY p.account_id, day HAVING SUM(${PAID}) <> 0 OR refunded <> 0`;
