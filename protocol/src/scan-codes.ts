/**
 * What a barcode scanned at the kiosk can be. Till receipts carry a Code128 barcode printed by
 * the POS: `RCPT:{receiptId}:{totalMinorUnits}:{currency}` (docs/protocol.md).
 */
import { CARD_NUMBER_PATTERN, isValidCardNumber } from './card-number.js';
import type { ReceiptRef } from './messages.js';

export type ScanCode = { kind: 'card'; number: string } | { kind: 'invalid_card_number' } | { kind: 'receipt'; receipt: ReceiptRef } | { kind: 'unknown' };

const RECEIPT_CODE = /^RCPT:([A-Za-z0-9_-]{1,64}):(\d{1,12}):([A-Z]{3})$/;

export function classifyScan(raw: string): ScanCode {
  const code = raw.trim();
  if (CARD_NUMBER_PATTERN.test(code)) return isValidCardNumber(code) ? { kind: 'card', number: code } : { kind: 'invalid_card_number' };
  const receipt = RECEIPT_CODE.exec(code);
  if (receipt) {
    return { kind: 'receipt', receipt: { id: receipt[1]!, total: { amount: Number(receipt[2]), currency: receipt[3]! } } };
  }
  return { kind: 'unknown' };
}

export function receiptCode(receipt: ReceiptRef): string {
  return `RCPT:${receipt.id}:${receipt.total.amount}:${receipt.total.currency}`;
}
