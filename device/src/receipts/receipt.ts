/** A receipt as data: layouts build it, encode.ts turns it into ESC/POS bytes. */
export type ReceiptLine =
  | { kind: 'text'; text: string; align?: 'left' | 'center' | 'right'; bold?: boolean; size?: 'normal' | 'double' }
  | { kind: 'pair'; left: string; right: string; bold?: boolean }
  | { kind: 'rule' }
  | { kind: 'barcode'; data: string }
  | { kind: 'qr'; data: string }
  | { kind: 'feed' };

export interface Receipt {
  lines: ReceiptLine[];
}
