/**
 * The coupons this kiosk has to print, kept on disk (docs/kiosk-page.md "Spend points"). A
 * coupon is written here as `due` when the gateway's answer arrives, before the answer leaves the
 * outbox, and becomes `printed` once the printer took it, so it prints once: not lost when the
 * kiosk restarts between the answer and the print, not printed again after. A coupon that could
 * not print while its customer was there becomes `dropped` (it stays valid on their account; the
 * screen showed its code): it must not print for whoever stands at the kiosk next.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { CouponData, isReplyTo, type Reply } from '@loyalty/protocol';
import { z } from 'zod';

const Entry = z.strictObject({
  coupon: CouponData,
  cardMasked: z.string().max(32),
  state: z.enum(['due', 'printed', 'dropped']),
  /** when the answer arrived (epoch ms): a due coupon older than the print window is not printed at start */
  at: z.number(),
  /** issued by this kiosk while offline (docs/offline.md): the slip says so */
  offline: z.boolean().optional(),
});
export type CouponEntry = z.infer<typeof Entry>;

/** Enough for a busy day's recent coupons; older settled ones are forgotten first. */
const MAX_ENTRIES = 200;

export class CouponJournal {
  private entries: CouponEntry[] = [];

  constructor(
    private readonly path: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reads the journal; a file that does not parse is set aside as .corrupt (nothing is printed from it). */
  load(): void {
    if (!existsSync(this.path)) return;
    const parsed = z.array(Entry).safeParse(safeJson(readFileSync(this.path, 'utf8')));
    if (parsed.success) this.entries = parsed.data;
    else renameSync(this.path, `${this.path}.corrupt`);
  }

  /**
   * Records a coupon to print (once per code; a second answer with the same coupon changes
   * nothing but a card number the first did not know).
   */
  due(coupon: CouponData, cardMasked = '', offline = false): CouponEntry {
    const known = this.entries.find((e) => e.coupon.code === coupon.code);
    if (known) {
      if (!known.cardMasked && cardMasked) {
        known.cardMasked = cardMasked;
        this.save();
      }
      return known;
    }
    const entry: CouponEntry = { coupon, cardMasked, state: 'due', at: this.now(), ...(offline ? { offline } : {}) };
    this.entries.push(entry);
    this.save();
    return entry;
  }

  get(code: string): CouponEntry | undefined {
    return this.entries.find((e) => e.coupon.code === code);
  }

  mark(code: string, state: 'printed' | 'dropped'): void {
    const entry = this.get(code);
    if (entry?.state !== 'due') return;
    entry.state = state;
    this.save();
  }

  /** Coupons still to print, oldest first. */
  pending(): CouponEntry[] {
    return this.entries.filter((e) => e.state === 'due');
  }

  private save(): void {
    if (this.entries.length > MAX_ENTRIES) {
      const settled = this.entries.filter((e) => e.state !== 'due');
      const excess = this.entries.length - MAX_ENTRIES;
      const forget = new Set(settled.slice(0, excess));
      this.entries = this.entries.filter((e) => !forget.has(e));
    }
    // Written whole to a new file, flushed, then renamed over the old one: a crash leaves one or the other.
    const temp = `${this.path}.tmp`;
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(this.entries));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.path);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The coupon a reply issued, with the balance after it, if it answers a redemption that issued one. */
export function issuedCoupon(reply: Reply): { coupon: CouponData; balance: number } | null {
  const answer = isReplyTo(reply, 'redeem') ? reply : isReplyTo(reply, 'redeem_confirm') ? reply : null;
  return answer?.result.status === 'ok' && answer.result.data.status === 'issued' ? { coupon: answer.result.data.coupon, balance: answer.result.data.balance } : null;
}
