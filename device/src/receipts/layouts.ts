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
  return [{ kind: 'text', text: h.storeName, align: 'center', bold: true, size: 'double' }, { kind: 'text', text: h.title, align: 'center', bold: true }, { kind: 'rule' }];
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

export function earnReceipt(
  h: SlipHeader,
  earn: { cardMasked: string; receiptId: string; pointsEarned: number; balance: number; lines?: Array<{ text: string; points?: number; amount?: number }> },
): Receipt {
  return {
    lines: [
      ...header(h),
      { kind: 'pair', left: 'Card', right: earn.cardMasked },
      { kind: 'pair', left: 'Till receipt', right: earn.receiptId },
      // Which rule gave what (the program's own words), when there is more than one line.
      // Money lines (cashback) carry their amount in the text already.
      ...((earn.lines?.length ?? 0) > 1
        ? earn.lines!.map((l) => (l.points === undefined ? { kind: 'text' as const, text: l.text } : { kind: 'pair' as const, left: l.text, right: l.points > 0 ? `+${l.points}` : String(l.points) }))
        : []),
      { kind: 'pair', left: 'Points earned', right: `+${earn.pointsEarned}`, bold: true },
      { kind: 'pair', left: 'New balance', right: String(earn.balance), bold: true },
      ...footer(h),
    ],
  };
}

/** Printed when the kiosk is offline: says plainly that the points are not booked yet (docs/architecture.md). */
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

/**
 * A reward coupon: what it is, until when, and its code as Code128 (for the till's scanner) and
 * as a QR code (for phones and 2D scanners). The code is single use at the gateway.
 */
export function couponReceipt(
  h: SlipHeader,
  coupon: { reward: string; code: string; expiresAt: string; value?: { amount: number; currency: string } | null; cardMasked: string; pointsSpent: number },
): Receipt {
  return {
    lines: [
      ...header(h),
      { kind: 'text', text: coupon.reward, align: 'center', bold: true, size: 'double' },
      ...(coupon.value && coupon.value.amount > 0 ? [{ kind: 'text', text: `Worth ${(coupon.value.amount / 100).toFixed(2)} ${coupon.value.currency}`, align: 'center' } as const] : []),
      { kind: 'barcode', data: coupon.code },
      { kind: 'qr', data: coupon.code },
      { kind: 'pair', left: 'Valid until', right: coupon.expiresAt.slice(0, 10) },
      { kind: 'pair', left: 'Card', right: coupon.cardMasked },
      { kind: 'pair', left: 'Points spent', right: String(coupon.pointsSpent) },
      { kind: 'text', text: 'One use only. Show at the till.', align: 'center' },
      ...footer(h),
    ],
  };
}

/** The staff report a manager prints at the kiosk: its counters and device health. */
export function staffReport(h: SlipHeader, report: { staff: string; rows: Array<{ label: string; value: string }> }): Receipt {
  return {
    lines: [...header(h), { kind: 'pair', left: 'Staff', right: report.staff }, { kind: 'rule' }, ...report.rows.map((r) => ({ kind: 'pair', left: r.label, right: r.value }) as const), ...footer(h)],
  };
}

/** What a technician asks for from afar (a fleet command): proves the printer, its width and code page. */
export function testPage(h: SlipHeader, printer: { columns: number; codePage: string }): Receipt {
  return {
    lines: [
      ...header(h),
      { kind: 'pair', left: 'Columns', right: String(printer.columns) },
      { kind: 'pair', left: 'Code page', right: printer.codePage },
      { kind: 'text', text: '0123456789'.repeat(Math.ceil(printer.columns / 10)).slice(0, printer.columns) },
      { kind: 'text', text: 'Ääöü Привет' },
      { kind: 'barcode', data: 'TEST-PAGE' },
      ...footer(h),
    ],
  };
}

/** The last slip again, said to be a copy at the top (it moved nothing a second time). */
export function copyOf(receipt: Receipt): Receipt {
  return { lines: [{ kind: 'text', text: '*** COPY ***', align: 'center', bold: true }, ...receipt.lines] };
}
