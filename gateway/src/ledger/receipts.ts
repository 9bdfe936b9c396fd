/**
 * Which till receipts may earn (docs/receipts.md). A kiosk scan earns only for a sale the store's
 * till registered first (`POST /sales`): the amount and items come from the till's record, not
 * from the barcode, and a barcode whose amount differs from the record is a forgery. Every
 * receipt is claimed once per store, in one table, whether by a kiosk scan or by a POS purchase
 * that names it, so the two paths cannot both earn. A store may allow unregistered ("legacy")
 * receipt codes with a per-card cap over 24 hours, for tills that cannot register sales yet.
 */
import type { Basket, ReceiptRef } from '@loyalty/protocol';
import { receiptBasket, receiptCode } from '@loyalty/protocol';
import type { SqlTransaction as Transaction } from '../db/sql.js';
import { LedgerError } from './errors.js';

const DAY_MS = 86_400_000;

export interface SaleItem {
  sku: string;
  category: string;
  quantity: number;
  unitPrice: number;
}

export interface SaleInput {
  storeId: string;
  tillId: string;
  receiptId: string;
  total: number;
  currency: string;
  items?: SaleItem[];
}

export interface Sale extends SaleInput {
  registeredAt: string;
  /** after this a kiosk scan is refused as receipt_too_old */
  claimableUntil: string;
  /** what the till prints as the receipt's barcode */
  code: string;
}

export type ClaimKind = 'sale' | 'legacy' | 'purchase';

export async function registerSale(tx: Transaction, input: SaleInput, at: string, actor: string, claimWindowDays: number): Promise<Sale> {
  if (input.items) {
    const sum = input.items.reduce((s, i) => s + i.quantity * i.unitPrice, 0);
    if (sum !== input.total) throw new LedgerError('invalid_request', `the items add up to ${sum}, the total says ${input.total}`, { itemsTotal: sum, total: input.total });
  }
  if (!(await tx.execute({ sql: 'SELECT 1 FROM stores WHERE id = ?', args: [input.storeId] })).rows.length) throw new LedgerError('store_not_found', `no store ${input.storeId}`);
  const inserted = await tx.execute({
    sql: `INSERT INTO sales (store_id, receipt_id, till_id, total, currency, items, registered_at, registered_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (store_id, receipt_id) DO NOTHING`,
    args: [input.storeId, input.receiptId, input.tillId, input.total, input.currency, input.items ? JSON.stringify(input.items) : null, at, actor],
  });
  if (inserted.rowsAffected === 0) throw new LedgerError('sale_exists', `receipt ${input.receiptId} is already registered at store ${input.storeId}; receipt ids are unique per store`);
  return saleView(input, at, claimWindowDays);
}

export async function findSale(db: Pick<Transaction, 'execute'>, storeId: string, receiptId: string, claimWindowDays: number): Promise<Sale | null> {
  const row = (await db.execute({ sql: 'SELECT till_id, total, currency, items, registered_at FROM sales WHERE store_id = ? AND receipt_id = ?', args: [storeId, receiptId] })).rows[0];
  if (!row) return null;
  const input: SaleInput = {
    storeId,
    receiptId,
    tillId: String(row.till_id),
    total: Number(row.total),
    currency: String(row.currency),
    ...(row.items === null ? {} : { items: JSON.parse(String(row.items)) as SaleItem[] }),
  };
  return saleView(input, String(row.registered_at), claimWindowDays);
}

function saleView(input: SaleInput, registeredAt: string, claimWindowDays: number): Sale {
  return {
    ...input,
    registeredAt,
    claimableUntil: new Date(Date.parse(registeredAt) + claimWindowDays * DAY_MS).toISOString(),
    code: receiptCode({ id: input.receiptId, total: { amount: input.total, currency: input.currency } }),
  };
}

export interface ScanClaim {
  storeId: string;
  receipt: ReceiptRef;
  accountId: number;
  opId: string;
  at: string;
  claimWindowDays: number;
}

/**
 * Checks a scanned receipt against the till's record, claims it, and returns the basket to
 * evaluate: the till's items, or one line of the till's total.
 */
export async function claimScannedReceipt(tx: Transaction, claim: ScanClaim): Promise<Basket> {
  const { storeId, receipt, at } = claim;
  const sale = await findSale(tx, storeId, receipt.id, claim.claimWindowDays);
  if (!sale) {
    await claimLegacy(tx, claim);
    return receiptBasket(storeId, receipt);
  }
  if (sale.total !== receipt.total.amount || sale.currency !== receipt.total.currency) {
    throw new LedgerError('receipt_forged', 'this receipt does not match the till’s record; please ask at the till');
  }
  if (at > sale.claimableUntil) throw new LedgerError('receipt_too_old', `points for this receipt could be collected until ${sale.claimableUntil.slice(0, 10)}`);
  await claimReceipt(tx, { storeId, receiptId: receipt.id, opId: claim.opId, kind: 'sale', accountId: claim.accountId, at });
  return sale.items ? { storeId, currency: sale.currency, items: sale.items } : receiptBasket(storeId, { id: receipt.id, total: { amount: sale.total, currency: sale.currency } });
}

/** A receipt the till never registered: refused, unless the store allows a few per card a day. */
async function claimLegacy(tx: Transaction, claim: ScanClaim): Promise<void> {
  const store = (await tx.execute({ sql: 'SELECT legacy_receipts_per_card_day AS cap FROM stores WHERE id = ?', args: [claim.storeId] })).rows[0];
  const cap = store ? Number(store.cap) : 0;
  if (cap === 0) throw new LedgerError('receipt_unknown', 'the till has no record of this receipt; please ask at the till');
  // A second scan of a receipt already claimed says so, rather than that the cap is reached.
  const claimed = await tx.execute({ sql: 'SELECT 1 FROM claimed_receipts WHERE store_id = ? AND receipt_id = ?', args: [claim.storeId, claim.receipt.id] });
  if (claimed.rows.length) throw new LedgerError('receipt_claimed', 'points for this receipt were already collected');
  const since = new Date(Date.parse(claim.at) - DAY_MS).toISOString();
  const used = Number((await tx.execute({ sql: "SELECT count(*) AS n FROM claimed_receipts WHERE kind = 'legacy' AND account_id = ? AND claimed_at > ?", args: [claim.accountId, since] })).rows[0]!.n);
  if (used >= cap) throw new LedgerError('receipt_limit', `this card has collected points for ${used} receipt(s) without a till record in the last 24 hours, the store's limit`);
  await claimReceipt(tx, { storeId: claim.storeId, receiptId: claim.receipt.id, opId: claim.opId, kind: 'legacy', accountId: claim.accountId, at: claim.at });
}

/** The one place a receipt is claimed: once per store, by a scan or by a POS purchase. */
export async function claimReceipt(tx: Transaction, claim: { storeId: string; receiptId: string; opId: string; kind: ClaimKind; accountId: number; at: string }): Promise<void> {
  const inserted = await tx.execute({
    sql: 'INSERT INTO claimed_receipts (store_id, receipt_id, op_id, kind, account_id, claimed_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    args: [claim.storeId, claim.receiptId, claim.opId, claim.kind, claim.accountId, claim.at],
  });
  if (inserted.rowsAffected === 0) throw new LedgerError('receipt_claimed', 'points for this receipt were already collected');
}
