/**
 * Loyalty card numbers: digits only, at least 5, the last one a Luhn (ISO/IEC 7812-1) check
 * digit. Luhn catches every single wrong digit and almost every swap of adjacent digits
 * (all but 09 ↔ 90), which are the mistakes people make when they type a number.
 */
export const CARD_NUMBER_PATTERN = /^[0-9]{5,19}$/;

export function luhnCheckDigit(payload: string): number {
  if (!/^[0-9]+$/.test(payload)) throw new Error('card number payload must be digits');
  let sum = 0;
  // Walk from the right; the digit next to the (future) check digit is doubled.
  for (let i = payload.length - 1, double = true; i >= 0; i -= 1, double = !double) {
    let d = payload.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function isValidCardNumber(number: string): boolean {
  if (!CARD_NUMBER_PATTERN.test(number)) return false;
  return luhnCheckDigit(number.slice(0, -1)) === number.charCodeAt(number.length - 1) - 48;
}

/** The card number for a sequence value: the value's digits plus the check digit. */
export function cardNumberFor(sequence: number): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1000) throw new Error('card sequence must be an integer >= 1000');
  const payload = String(sequence);
  return payload + String(luhnCheckDigit(payload));
}

/** For receipts, screens and logs: never the full number (docs/conventions.md "Habits"). */
export function maskCardNumber(number: string): string {
  if (number.length <= 4) return '*'.repeat(number.length);
  return `${'*'.repeat(Math.min(number.length - 4, 4))}${number.slice(-4)}`;
}

/** NFC UIDs are 4, 7 or 10 bytes: 8, 14 or 20 hex digits, kept upper case. */
export const CARD_UID_PATTERN = /^(?:[0-9A-F]{8}|[0-9A-F]{14}|[0-9A-F]{20})$/;

export function normaliseUid(uid: string): string | null {
  const hex = uid.replace(/[:\s-]/g, '').toUpperCase();
  return CARD_UID_PATTERN.test(hex) ? hex : null;
}
