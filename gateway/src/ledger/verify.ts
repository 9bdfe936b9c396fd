/**
 * Checks the ledger's invariants and its hash chain (docs/ledger.md):
 *
 * 1. Σ debits = Σ credits per unit: the balances of all accounts of a unit sum to zero;
 * 2. every account's balance equals the sum of its postings;
 * 3. every customer points balance equals the sum of its open lots;
 * 4. no customer balance below zero; no lot outside 0 ≤ remaining ≤ points;
 * 5. every lot's points = remaining + what was drawn from it;
 * 6. the hash chain: each transfer's prev_hash is the previous transfer's hash and its hash is
 *    the hash of its own fields — an edited, inserted or deleted row breaks it from there on;
 * 7. the spend by day (spend-days.ts) is what the purchases and refunds add up to.
 *
 * Read-only; runs on one read transaction so it sees one consistent snapshot.
 */
import type { SqlClient as Client } from '../db/sql.js';
import { SPEND_DAYS_FROM_PURCHASES } from './spend-days.js';
import { GENESIS_HASH, transferHash } from './transfers.js';

export interface Violation {
  check: string;
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  transfers: number;
  accounts: number;
  lots: number;
  chainHead: string;
  violations: Violation[];
}

const LIMIT = 50;

export async function verifyLedger(client: Client): Promise<VerifyReport> {
  const tx = await client.transaction('read');
  const violations: Violation[] = [];
  const add = (check: string, detail: string) => {
    if (violations.length < LIMIT) violations.push({ check, detail });
  };
  try {
    const q = async (sql: string) => (await tx.execute(sql)).rows;

    for (const row of await q('SELECT unit, SUM(balance) AS total FROM accounts GROUP BY unit HAVING SUM(balance) <> 0')) {
      add('double_entry', `balances in ${String(row.unit)} sum to ${String(row.total)}, not 0`);
    }
    for (const row of await q(`
      SELECT a.id, a.code, a.balance,
             COALESCE((SELECT SUM(amount) FROM transfers WHERE credit_account = a.id), 0)
           - COALESCE((SELECT SUM(amount) FROM transfers WHERE debit_account = a.id), 0) AS postings
        FROM accounts a`)) {
      if (Number(row.balance) !== Number(row.postings)) add('balance_equals_postings', `account ${String(row.code)}: balance ${String(row.balance)}, postings sum to ${String(row.postings)}`);
    }
    for (const row of await q(`
      SELECT a.code, a.balance, COALESCE((SELECT SUM(remaining) FROM lots WHERE account_id = a.id), 0) AS open
        FROM accounts a WHERE a.kind = 'customer' AND a.unit = 'points'`)) {
      if (Number(row.balance) !== Number(row.open)) add('balance_equals_lots', `account ${String(row.code)}: balance ${String(row.balance)}, open lots hold ${String(row.open)}`);
    }
    for (const row of await q(`SELECT code, balance FROM accounts WHERE kind = 'customer' AND balance < 0`)) {
      add('no_negative_customer_balance', `account ${String(row.code)} is at ${String(row.balance)}`);
    }
    for (const row of await q(`
      SELECT l.id, l.points, l.remaining, COALESCE((SELECT SUM(points) FROM lot_draws d WHERE d.lot_id = l.id), 0) AS drawn
        FROM lots l`)) {
      if (Number(row.remaining) < 0 || Number(row.remaining) > Number(row.points) || Number(row.points) !== Number(row.remaining) + Number(row.drawn)) {
        add('lot_draws', `lot ${String(row.id)}: ${String(row.points)} points, ${String(row.remaining)} left, ${String(row.drawn)} drawn`);
      }
    }
    for (const row of await q(`
      SELECT COALESCE(e.account_id, s.account_id) AS account_id, COALESCE(e.day, s.day) AS day,
             COALESCE(e.paid, 0) AS paid, COALESCE(e.refunded, 0) AS refunded, COALESCE(s.paid, 0) AS kept_paid, COALESCE(s.refunded, 0) AS kept_refunded
        FROM (${SPEND_DAYS_FROM_PURCHASES}) e FULL JOIN spend_days s ON s.account_id = e.account_id AND s.day = e.day
       WHERE COALESCE(e.paid, 0) <> COALESCE(s.paid, 0) OR COALESCE(e.refunded, 0) <> COALESCE(s.refunded, 0)`)) {
      add(
        'spend_days',
        `account ${String(row.account_id)} on ${String(row.day)}: the purchases give ${String(row.paid)} paid and ${String(row.refunded)} refunded, the spend by day keeps ${String(row.kept_paid)} and ${String(row.kept_refunded)}`,
      );
    }

    let prev = GENESIS_HASH;
    let count = 0;
    for (const row of await q('SELECT seq, id, debit_account, credit_account, amount, unit, kind, refs, at, prev_hash, hash FROM transfers ORDER BY seq')) {
      count += 1;
      if (row.prev_hash !== prev) add('hash_chain', `transfer #${String(row.seq)} (${String(row.id)}) does not follow the one before it: a row was removed, inserted or edited`);
      const expected = transferHash(String(row.prev_hash), {
        id: String(row.id),
        debitAccount: Number(row.debit_account),
        creditAccount: Number(row.credit_account),
        amount: Number(row.amount),
        unit: String(row.unit),
        kind: String(row.kind),
        refs: JSON.parse(String(row.refs)) as Record<string, unknown>,
        at: String(row.at),
      });
      if (expected !== row.hash) add('hash_chain', `transfer #${String(row.seq)} (${String(row.id)}) was changed after it was written`);
      prev = String(row.hash);
    }
    const accounts = Number((await q('SELECT count(*) AS n FROM accounts'))[0]!.n);
    const lots = Number((await q('SELECT count(*) AS n FROM lots'))[0]!.n);
    return { ok: violations.length === 0, transfers: count, accounts, lots, chainHead: prev, violations };
  } finally {
    tx.close();
  }
}

export function formatReport(report: VerifyReport): string {
  const head = `ledger verify: ${report.ok ? 'OK' : 'VIOLATIONS FOUND'} — ${report.transfers} transfers, ${report.accounts} accounts, ${report.lots} lots; chain head ${report.chainHead.slice(0, 16)}…`;
  if (report.ok) return head;
  return [head, ...report.violations.map((v) => `  [${v.check}] ${v.detail}`), report.violations.length >= LIMIT ? `  (first ${LIMIT} shown)` : ''].filter(Boolean).join('\n');
}
