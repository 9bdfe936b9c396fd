import { randomBytes } from 'node:crypto';

/**
 * Time-ordered operation ids in the UUIDv7 layout (RFC 9562 §5.7): 48 bits of Unix ms, then a
 * 12-bit counter that keeps ids from one generator strictly increasing inside the same
 * millisecond (method 1 of §6.2), then 62 random bits. Ids sort by creation time, which keeps the
 * ledger's primary-key index append-mostly; uniqueness comes from the random bits, so a kiosk
 * with a wrong clock still never collides.
 */
export class OpIdGenerator {
  private lastMs = -1;
  private counter = 0;

  constructor(private readonly now: () => number = Date.now) {}

  next(): string {
    let ms = this.now();
    if (ms <= this.lastMs) {
      ms = this.lastMs;
      this.counter += 1;
      if (this.counter > 0xfff) {
        // 4096 ids in one ms: borrow the next millisecond rather than repeat.
        ms += 1;
        this.counter = 0;
      }
    } else {
      this.counter = 0;
    }
    this.lastMs = ms;
    const bytes = randomBytes(16);
    bytes.writeUIntBE(ms, 0, 6);
    bytes[6] = 0x70 | (this.counter >> 8);
    bytes[7] = this.counter & 0xff;
    bytes[8] = 0x80 | (bytes[8]! & 0x3f);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}

export const OP_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const defaultGenerator = new OpIdGenerator();
export function newOpId(): string {
  return defaultGenerator.next();
}

/** The creation time an op id carries (the issuer's clock: for ordering, never for the ledger). */
export function opIdTime(opId: string): number {
  return parseInt(opId.replace(/-/g, '').slice(0, 12), 16);
}
