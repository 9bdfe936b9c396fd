import type { SqlClient as Client, SqlTransaction as Transaction } from '../db/sql.js';
import type { CardRef } from '@loyalty/protocol';

export interface CardRow {
  number: string;
  uid: string | null;
  programId: string;
  customerId: string | null;
  status: 'active' | 'blocked' | 'unlinked';
  customerName: string | null;
  accountId: number;
  balance: number;
  /** debt outstanding on the account: clawback and offline overdraft together */
  debt: number;
}

type Reader = Pick<Client, 'execute'> | Pick<Transaction, 'execute'>;

export async function findCard(db: Reader, ref: CardRef): Promise<CardRow | null> {
  const [column, value] = 'number' in ref ? ['number', ref.number] : ['uid', ref.uid];
  const result = await db.execute({
    sql: `SELECT c.number, c.uid, c.program_id, c.customer_id, c.status, cu.name AS customer_name,
                 c.account_id, a.balance, COALESCE(d.outstanding + d.overdraft, 0) AS debt
            FROM cards c
            JOIN accounts a ON a.id = c.account_id
            LEFT JOIN customers cu ON cu.id = c.customer_id
            LEFT JOIN debts d ON d.account_id = c.account_id
           WHERE c.${column} = ?`,
    args: [value],
  });
  const row = result.rows[0];
  if (!row) return null;
  return {
    number: String(row.number),
    uid: row.uid === null ? null : String(row.uid),
    programId: String(row.program_id),
    customerId: row.customer_id === null ? null : String(row.customer_id),
    status: String(row.status) as CardRow['status'],
    customerName: row.customer_name === null ? null : String(row.customer_name),
    accountId: Number(row.account_id),
    balance: Number(row.balance),
    debt: Number(row.debt),
  };
}

/** "Anna Karenina" → "Anna K.": enough for the customer to recognise, little for a bystander. */
export function displayName(name: string | null): string | null {
  if (!name) return null;
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return null;
  const first = words[0]!;
  const last = words.length > 1 ? ` ${[...words[words.length - 1]!][0]!.toUpperCase()}.` : '';
  return `${first}${last}`;
}
