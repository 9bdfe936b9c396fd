/**
 * The two movements every operation is made of, with their lot bookkeeping:
 *
 * - creditPoints: a transfer into a customer account, a new lot with its expiry, and repayment
 *   of any clawback debt out of the new points;
 * - debitPoints: a transfer out of a customer account that may not exceed what is available
 *   (balance minus pending holds), drawing from the earliest-expiring lots first and recording
 *   each draw.
 *
 * Both run inside the writer's transaction.
 */
import type { SqlTransaction as Transaction } from '../db/sql.js';
import { accountBalance, type OperatorAccounts } from './accounts.js';
import { LedgerError } from './errors.js';
import { postTransfer } from './transfers.js';

export interface Movement {
  transferId: string;
  account: number;
  points: number;
  kind: string;
  refs: Record<string, unknown>;
  at: string;
}

/** Pending holds that have not timed out: they make points unavailable but not spent. */
export async function heldPoints(tx: Pick<Transaction, 'execute'>, account: number, now: string, excludeHold?: string): Promise<number> {
  const row = (
    await tx.execute({
      sql: `SELECT COALESCE(SUM(points), 0) AS held FROM holds
             WHERE account_id = ? AND state = 'pending' AND expires_at > ? AND id IS NOT ?`,
      args: [account, now, excludeHold ?? null],
    })
  ).rows[0]!;
  return Number(row.held);
}

export async function availablePoints(tx: Pick<Transaction, 'execute'>, account: number, now: string, excludeHold?: string): Promise<number> {
  return (await accountBalance(tx, account)) - (await heldPoints(tx, account, now, excludeHold));
}

export interface CreditOptions extends Movement {
  expiresAt: string | null;
  operators: OperatorAccounts;
  /** the debt the caller already read with the card; read here when not given */
  knownDebt?: number;
}

export async function creditPoints(tx: Transaction, from: number, movement: CreditOptions): Promise<{ lotId: number; repaid: number }> {
  await postTransfer(tx, {
    id: movement.transferId,
    debitAccount: from,
    creditAccount: movement.account,
    amount: movement.points,
    unit: 'points',
    kind: movement.kind,
    refs: movement.refs,
    at: movement.at,
  });
  const lot = await tx.execute({
    sql: 'INSERT INTO lots (account_id, transfer_id, points, remaining, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    args: [movement.account, movement.transferId, movement.points, movement.points, movement.expiresAt, movement.at],
  });
  const repaid = await repayDebt(tx, movement);
  return { lotId: Number(lot.lastInsertRowid), repaid };
}

/**
 * Later earnings repay debts first (docs/ledger.md: never a silent negative balance): a clawback
 * debt, then an offline overdraft (docs/offline.md), each back to the operator account it was
 * booked against.
 */
async function repayDebt(tx: Transaction, movement: CreditOptions): Promise<number> {
  if (movement.knownDebt === 0) return 0;
  const debt = (await tx.execute({ sql: 'SELECT outstanding, overdraft FROM debts WHERE account_id = ?', args: [movement.account] })).rows[0];
  if (!debt) return 0;
  let left = movement.points;
  let repaid = 0;
  for (const [column, operator, kind] of [
    ['outstanding', 'clawback', 'clawback_repay'],
    ['overdraft', 'offline_overdraft', 'overdraft_repay'],
  ] as const) {
    const repay = Math.min(Number(debt[column]), left);
    if (repay === 0) continue;
    await debitPoints(tx, await movement.operators.id(tx, operator), {
      transferId: `${movement.transferId}:${column === 'outstanding' ? 'repay' : 'repay-overdraft'}`,
      account: movement.account,
      points: repay,
      kind,
      refs: { repays: operator, of: movement.transferId },
      at: movement.at,
      ignoreHolds: true,
    });
    await tx.execute({ sql: `UPDATE debts SET ${column} = ${column} - ? WHERE account_id = ?`, args: [repay, movement.account] });
    left -= repay;
    repaid += repay;
  }
  return repaid;
}

export interface DebitOptions extends Movement {
  /** a hold being posted does not count against its own points */
  excludeHold?: string;
  /** debt repayment and expiry take what is there regardless of holds */
  ignoreHolds?: boolean;
  /** a refund reverses the purchase's own lot first */
  preferLot?: number;
}

export async function debitPoints(tx: Transaction, to: number, movement: DebitOptions): Promise<Array<{ lotId: number; points: number }>> {
  const available = movement.ignoreHolds ? await accountBalance(tx, movement.account) : await availablePoints(tx, movement.account, movement.at, movement.excludeHold);
  if (movement.points > available) {
    throw new LedgerError('insufficient_points', `not enough points: ${available} available, ${movement.points} asked`, { available });
  }
  await postTransfer(tx, {
    id: movement.transferId,
    debitAccount: movement.account,
    creditAccount: to,
    amount: movement.points,
    unit: 'points',
    kind: movement.kind,
    refs: movement.refs,
    at: movement.at,
  });
  return drawLots(tx, movement.account, movement.points, movement.transferId, movement.preferLot);
}

/** Earliest expiry first; lots that never expire last; ties by age. */
export async function drawLots(tx: Transaction, account: number, points: number, transferId: string, preferLot?: number): Promise<Array<{ lotId: number; points: number }>> {
  const lots = (
    await tx.execute({
      sql: `SELECT id, remaining FROM lots WHERE account_id = ? AND remaining > 0
             ORDER BY (id = ?) DESC, expires_at IS NULL, expires_at, id`,
      args: [account, preferLot ?? null],
    })
  ).rows;
  const draws: Array<{ lotId: number; points: number }> = [];
  let left = points;
  for (const lot of lots) {
    if (left === 0) break;
    const take = Math.min(left, Number(lot.remaining));
    draws.push({ lotId: Number(lot.id), points: take });
    left -= take;
  }
  if (left > 0) throw new LedgerError('internal_error', `lots of account ${account} hold ${points - left} points, less than its balance; run verify`);
  for (const draw of draws) {
    await tx.execute({ sql: 'UPDATE lots SET remaining = remaining - ? WHERE id = ?', args: [draw.points, draw.lotId] });
    await tx.execute({ sql: 'INSERT INTO lot_draws (transfer_id, lot_id, points) VALUES (?, ?, ?)', args: [transferId, draw.lotId, draw.points] });
  }
  return draws;
}
