/**
 * Posting a transfer: the one place that writes `transfers` and moves account balances.
 * Each transfer is hash-chained to the one before it (tamper evidence, docs/ledger.md): the hash
 * covers the previous hash and every field of the row, so editing or deleting history breaks
 * the chain from that row on. Must run inside the writer's transaction.
 */
import type { SqlTransaction as Transaction } from '../db/sql.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import { LedgerError } from './errors.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface TransferInput {
  id: string;
  debitAccount: number;
  creditAccount: number;
  amount: number;
  unit: string;
  kind: string;
  refs: Record<string, unknown>;
  at: string;
}

export interface PostedTransfer extends TransferInput {
  seq: number;
  prevHash: string;
  hash: string;
}

export function transferHash(prevHash: string, t: TransferInput): string {
  return sha256Hex(
    prevHash +
      canonicalJson({
        id: t.id,
        debit: t.debitAccount,
        credit: t.creditAccount,
        amount: t.amount,
        unit: t.unit,
        kind: t.kind,
        refs: t.refs,
        at: t.at,
      }),
  );
}

export async function postTransfer(tx: Transaction, input: TransferInput): Promise<PostedTransfer> {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
    throw new LedgerError('invalid_request', `transfer amount must be a positive integer, got ${input.amount}`);
  }
  if (input.debitAccount === input.creditAccount) throw new LedgerError('invalid_request', 'a transfer needs two different accounts');
  const head = await tx.execute('SELECT hash FROM transfers ORDER BY seq DESC LIMIT 1');
  const prevHash = head.rows.length ? String(head.rows[0]!.hash) : GENESIS_HASH;
  const hash = transferHash(prevHash, input);
  const inserted = await tx.execute({
    sql: `INSERT INTO transfers (id, debit_account, credit_account, amount, unit, kind, refs, at, prev_hash, hash)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    args: [input.id, input.debitAccount, input.creditAccount, input.amount, input.unit, input.kind, canonicalJson(input.refs), input.at, prevHash, hash],
  });
  // Both sides in one statement: statements, not fsyncs, are what an operation costs here.
  await tx.execute({
    sql: 'UPDATE accounts SET balance = balance + CASE id WHEN ?1 THEN -?3 ELSE ?3 END WHERE id IN (?1, ?2)',
    args: [input.debitAccount, input.creditAccount, input.amount],
  });
  return { ...input, seq: Number(inserted.lastInsertRowid), prevHash, hash };
}

/** Finds or creates an account by its code, e.g. `op:issued:points` or `card:10009:points` (see accounts.ts). */
export async function accountId(tx: Transaction, code: string, kind: 'customer' | 'operator', unit: string, cardNumber: string | null = null): Promise<number> {
  const found = await tx.execute({ sql: 'SELECT id FROM accounts WHERE code = ?', args: [code] });
  if (found.rows.length) return Number(found.rows[0]!.id);
  const created = await tx.execute({
    sql: 'INSERT INTO accounts (code, kind, unit, card_number) VALUES (?, ?, ?, ?)',
    args: [code, kind, unit, cardNumber],
  });
  return Number(created.lastInsertRowid);
}
