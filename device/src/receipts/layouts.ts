/** The slips a kiosk prints. Pure: data in, Receipt out. */
import type { Receipt, ReceiptLine } from './receipt.js';

export interface SlipHeader {
  title: string;
  storeName: string;
  kioskId: string;
  /** the gateway's time from its reply; null while offline (the kiosk has no trusted clock) */
  serverTime: string | null;
}

function header(h: SlipHeader): ReceiptLine[] {
  return [
    { kind: 'text', text: h.storeName, align: 'center', bold: true, size: 'double' },
    { kind: 'text', text: h.title, align: 'center', bold: true },
    { kind: 'rule' },
  ];
}

function footer(h: SlipHeader): ReceiptLine[] {
  return [
    { kind: 'rule' },
    { kind: 'pair', left: 'Time', right: h.serverTime ? formatTime(h.serverTime) : 'not known (offline)' },
    { kind: 'pair', left: 'Kiosk', right: h.kioskId },
    { kind: 'feed' },
  ];
}

/** "2026-11-22T19:40:03.104Z" → "2026-11-22 19:40 UTC" (store time zones come with programs). */
export function formatTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function balanceSlip(h: SlipHeader, member: { name: string | null; cardMasked: string; balance: number; tier: string | null }): Receipt {
  return {
    lines: [
      ...header(h),
      ...(member.name ? [{ kind: 'text', text: `Hello, ${member.name}` } as const] : []),
      { kind: 'pair', left: 'Card', right: member.cardMasked },
      ...(member.tier ? [{ kind: 'pair', left: 'Tier', right: member.tier } as const] : []),
      { kind: 'pair', left: 'Points balance', right: String(member.balance), bold: true },
      ...footer(h),
    ],
  };
}

export function earnReceipt(h: SlipHeader, earn: { cardMasked: string; receiptId: string; pointsEarned: number; balance: number; lines?: Array<{ text: string; points?: number; amount?: number }> }): Receipt {
  return {
    lines: [
      ...header(h),
      { kind: 'pair', left: 'Card', right: earn.cardMasked },
      { kind: 'pair', left: 'Till receipt', right: earn.receiptId },
      // Which rule gave what (the program's own words), when there is more than one line.
      // Money lines (cashback) carry their amount in the text already.
      ...((earn.lines?.length ?? 0) > 1 ? earn.lines!.map((l) => (l.points === undefined ? { kind: 'text' as const, text: l.text } : { kind: 'pair' as const, left: l.text, right: l.points > 0 ? `+${l.points}` : String(l.points) })) : []),
      { kind: 'pair', left: 'Points earned', right: `+${earn.pointsEarned}`, bold: true },
      { kind: 'pair', left: 'New balance', right: String(earn.balance), bold: true },
      ...footer(h),
    ],
  };
}

/** Printed when the kiosk is offline: says plainly that the points are not booked yet (DESIGN §5). */
export function pendingEarnReceipt(h: SlipHeader, earn: { cardMasked: string; receiptId: string; opId: string }): Receipt {
  return {
    lines: [
      ...header(h),
      { kind: 'text', text: 'PENDING - NOT YET BOOKED', align: 'center', bold: true },
      { kind: 'text', text: 'The kiosk is offline. Your points' },
      { kind: 'text', text: 'are saved and will be added when' },
      { kind: 'text', text: 'the connection is back.' },
      { kind: 'pair', left: 'Card', right: earn.cardMasked },
      { kind: 'pair', left: 'Till receipt', right: earn.receiptId },
      { kind: 'text', text: `Ref ${earn.opId.slice(0, 18)}` },
      ...footer(h),
    ],
  };
}
