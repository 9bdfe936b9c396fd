/**
 * Accounts. Customer points accounts belong to a card (and move to its replacement); operator
 * accounts are the other side of every movement:
 *
 *   issued             where earned points come from (goes negative as points are issued)
 *   redeemed           where spent points go
 *   expired            where expired lots go
 *   adjustments        the other side of manual corrections
 *   clawback           customers' debts after refunds of points already spent (negative = owed)
 *   offline_overdraft  points kiosks handed out offline beyond a balance (reported, never silent)
 *   partner:{id}       one settlement account per partner program
 */
import type { SqlTransaction as Transaction } from '../db/sql.js';
import { accountId } from './transfers.js';

export const POINTS = 'points';
export const OPERATOR_ACCOUNTS = ['issued', 'redeemed', 'expired', 'adjustments', 'clawback', 'offline_overdraft'] as const;
export type OperatorAccount = (typeof OPERATOR_ACCOUNTS)[number];

/**
 * Operator account ids for one ledger. The points accounts that migration 4 created exist before
 * any transaction of this process, so their ids are cached (no rollback can remove them); any
 * other operator account is looked up, and created if needed, each time.
 */
export class OperatorAccounts {
  private readonly seeded = new Map<string, number>();
  private static readonly SEEDED: ReadonlySet<string> = new Set(OPERATOR_ACCOUNTS.map((name) => `op:${name}:${POINTS}`));

  async id(tx: Transaction, name: OperatorAccount, unit = POINTS): Promise<number> {
    const code = `op:${name}:${unit}`;
    const cached = this.seeded.get(code);
    if (cached !== undefined) return cached;
    const id = await accountId(tx, code, 'operator', unit);
    if (OperatorAccounts.SEEDED.has(code)) this.seeded.set(code, id);
    return id;
  }
}

export function partnerSettlementAccount(tx: Transaction, partnerId: string, unit = POINTS): Promise<number> {
  return accountId(tx, `partner:${partnerId}:${unit}`, 'operator', unit);
}

/**
 * A cashback wallet in money (minor units of one currency), one per points account and
 * currency, so it follows a replaced card the same way. Its operator side is
 * `op:cashback:{CUR}` (where cashback comes from) and `op:wallet_spent:{CUR}`.
 */
export function walletAccount(tx: Transaction, pointsAccount: number, currency: string): Promise<number> {
  return accountId(tx, `wallet:${pointsAccount}:${currency}`, 'customer', currency);
}

export function moneyOperatorAccount(tx: Transaction, name: 'cashback' | 'wallet_spent', currency: string): Promise<number> {
  return accountId(tx, `op:${name}:${currency}`, 'operator', currency);
}

/** An operator money account such as `op:till:EUR` (fees received) or `op:membership_fees:EUR`. */
export function moneyAccount(tx: Transaction, name: string, currency: string): Promise<number> {
  return accountId(tx, `op:${name}:${currency}`, 'operator', currency);
}

export function newCardAccount(tx: Transaction, cardNumber: string): Promise<number> {
  return accountId(tx, `card:${cardNumber}:${POINTS}`, 'customer', POINTS, cardNumber);
}

export async function accountBalance(tx: Pick<Transaction, 'execute'>, account: number): Promise<number> {
  const row = (await tx.execute({ sql: 'SELECT balance FROM accounts WHERE id = ?', args: [account] })).rows[0];
  return row ? Number(row.balance) : 0;
}
