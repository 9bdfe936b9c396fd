/**
 * The slips a kiosk prints, in the journey's language, with times in the store's zone. Pure: data
 * in, Receipt out.
 */
import { lastDayInstant } from '@loyalty/protocol';
import { formatDay, formatMoney, WORDS } from '../ui/text.js';
import type { Lang } from '../ui/view.js';
import type { Receipt, ReceiptLine } from './receipt.js';

export interface SlipHeader {
  title: string;
  storeName: string;
  kioskId: string;
  /** the gateway's time from its reply; null while offline (the kiosk has no trusted clock) */
  serverTime: string | null;
  /** English when absent */
  lang?: Lang;
  /** the store's IANA zone (from its signed rules); UTC when absent */
  timeZone?: string;
}

const words = (h: SlipHeader) => WORDS[h.lang ?? 'en'].slip;

function header(h: SlipHeader): ReceiptLine[] {
  return [{ kind: 'text', text: h.storeName, align: 'center', bold: true, size: 'double' }, { kind: 'text', text: h.title, align: 'center', bold: true }, { kind: 'rule' }];
}

function footer(h: SlipHeader): ReceiptLine[] {
  return [
    { kind: 'rule' },
    { kind: 'pair', left: words(h).time, right: h.serverTime ? formatTime(h.serverTime, h.timeZone) : words(h).timeUnknown },
    { kind: 'pair', left: words(h).kiosk, right: h.kioskId },
    { kind: 'feed' },
  ];
}

const slipTimes = new Map<string, Intl.DateTimeFormat>();

/**
 * "2026-11-22T19:40:03.104Z" in Europe/Berlin → "2026-11-22 20:40 CET": the store's local time,
 * with the zone's short name so nobody has to guess.
 */
export function formatTime(iso: string, timeZone = 'UTC'): string {
  let format = slipTimes.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
    slipTimes.set(timeZone, format);
  }
  const part = Object.fromEntries(format.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute} ${part.timeZoneName}`;
}

export function balanceSlip(
  h: SlipHeader,
  member: { name: string | null; cardMasked: string; balance: number; tier: string | null; nextExpiry?: { points: number; expiresAt: string } | null },
): Receipt {
  const w = words(h);
  return {
    lines: [
      ...header(h),
      ...(member.name ? [{ kind: 'text', text: w.hello(member.name) } as const] : []),
      { kind: 'pair', left: w.card, right: member.cardMasked },
      ...(member.tier ? [{ kind: 'pair', left: w.tier, right: member.tier } as const] : []),
      { kind: 'pair', left: w.pointsBalance, right: String(member.balance), bold: true },
      ...(member.nextExpiry
        ? [
            {
              kind: 'pair',
              left: w.expiring(formatDay(lastDayInstant(member.nextExpiry.expiresAt, h.timeZone ?? 'UTC'), h.lang ?? 'en', h.timeZone ?? 'UTC')),
              right: String(member.nextExpiry.points),
            } as const,
          ]
        : []),
      ...footer(h),
    ],
  };
}

export function earnReceipt(
  h: SlipHeader,
  earn: { cardMasked: string; receiptId: string; pointsEarned: number; balance: number; lines?: Array<{ text: string; points?: number; amount?: number }> },
): Receipt {
  const w = words(h);
  return {
    lines: [
      ...header(h),
      { kind: 'pair', left: w.card, right: earn.cardMasked },
      { kind: 'pair', left: w.tillReceipt, right: earn.receiptId },
      // Which rule gave what (the program's own words), when there is more than one line.
      // Money lines (cashback) carry their amount in the text already.
      ...((earn.lines?.length ?? 0) > 1
        ? earn.lines!.map((l) => (l.points === undefined ? { kind: 'text' as const, text: l.text } : { kind: 'pair' as const, left: l.text, right: l.points > 0 ? `+${l.points}` : String(l.points) }))
        : []),
      { kind: 'pair', left: w.pointsEarned, right: `+${earn.pointsEarned}`, bold: true },
      { kind: 'pair', left: w.newBalance, right: String(earn.balance), bold: true },
      ...footer(h),
    ],
  };
}

/** Printed when the kiosk is offline: says plainly that the points are not booked yet (docs/architecture.md). */
export function pendingEarnReceipt(h: SlipHeader, earn: { cardMasked: string; receiptId: string; opId: string }): Receipt {
  const w = words(h);
  const [title, ...explanation] = w.pendingLines;
  return {
    lines: [
      ...header(h),
      { kind: 'text', text: title!, align: 'center', bold: true },
      ...explanation.map((text) => ({ kind: 'text', text }) as const),
      { kind: 'pair', left: w.card, right: earn.cardMasked },
      { kind: 'pair', left: w.tillReceipt, right: earn.receiptId },
      { kind: 'text', text: `Ref ${earn.opId.slice(0, 18)}` },
      ...footer(h),
    ],
  };
}

/**
 * A coupon: what it is, what it is worth in the program's currency, until when, and its code as
 * Code128 (for the till's scanner) and as a QR code (for phones and 2D scanners). The code is
 * single use at the gateway.
 */
export function couponReceipt(
  h: SlipHeader,
  coupon: { reward: string | null; code: string; expiresAt: string; value?: { amount: number; currency: string } | null; cardMasked: string; pointsSpent: number; offline?: boolean },
): Receipt {
  const w = words(h);
  const lang = h.lang ?? 'en';
  return {
    lines: [
      ...header(h),
      { kind: 'text', text: coupon.reward ?? w.pointsOffTitle, align: 'center', bold: true, size: 'double' },
      ...(coupon.value && coupon.value.amount > 0 ? [{ kind: 'text', text: w.worth(formatMoney(coupon.value, lang)), align: 'center' } as const] : []),
      { kind: 'barcode', data: coupon.code },
      { kind: 'qr', data: coupon.code },
      { kind: 'pair', left: w.validUntil, right: formatDay(coupon.expiresAt, lang, h.timeZone ?? 'UTC') },
      ...(coupon.cardMasked ? [{ kind: 'pair', left: w.card, right: coupon.cardMasked } as const] : []),
      { kind: 'pair', left: w.pointsSpent, right: String(coupon.pointsSpent) },
      { kind: 'text', text: w.oneUse, align: 'center' },
      ...(coupon.offline
        ? ([
            { kind: 'text', text: w.issuedOffline[0], align: 'center', bold: true },
            { kind: 'text', text: w.issuedOffline[1], align: 'center' },
          ] as const)
        : []),
      ...footer(h),
    ],
  };
}

/** The staff report a manager prints at the kiosk: its counters and device health. */
export function staffReport(h: SlipHeader, report: { staff: string; staffLabel?: string; rows: Array<{ label: string; value: string }> }): Receipt {
  return {
    lines: [
      ...header(h),
      { kind: 'pair', left: report.staffLabel ?? 'Staff', right: report.staff },
      { kind: 'rule' },
      ...report.rows.map((r) => ({ kind: 'pair', left: r.label, right: r.value }) as const),
      ...footer(h),
    ],
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
export function copyOf(receipt: Receipt, lang: Lang = 'en'): Receipt {
  return { lines: [{ kind: 'text', text: WORDS[lang].slip.copy, align: 'center', bold: true }, ...receipt.lines] };
}
