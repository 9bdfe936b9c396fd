/**
 * Card lifecycle writes shared by the ledger (replacement) and the card service (block, link):
 * every change is an audit event, and every block bumps the hotlist version in the same
 * transaction, so a kiosk that sees the new version also sees the blocked card.
 */
import type { SqlTransaction as Transaction } from '../db/sql.js';

export async function recordCardEvent(tx: Transaction, cardNumber: string, kind: string, detail: Record<string, unknown>, actor: string, at: string): Promise<void> {
  await tx.execute({
    sql: 'INSERT INTO card_events (card_number, kind, detail, actor, at) VALUES (?, ?, ?, ?, ?)',
    args: [cardNumber, kind, JSON.stringify(detail), actor, at],
  });
}

/** Blocks a card and bumps the hotlist; returns the new hotlist version. */
export async function blockCard(tx: Transaction, cardNumber: string, reason: string, actor: string, at: string): Promise<number> {
  await tx.execute({ sql: `UPDATE cards SET status = 'blocked', blocked_reason = ?, blocked_at = ? WHERE number = ?`, args: [reason, at, cardNumber] });
  await recordCardEvent(tx, cardNumber, 'blocked', { reason }, actor, at);
  const bumped = await tx.execute({ sql: 'INSERT INTO hotlist_versions (card_number, at) VALUES (?, ?)', args: [cardNumber, at] });
  return Number(bumped.lastInsertRowid);
}
