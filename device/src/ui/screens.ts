/**
 * Every screen the kiosk shows, laid out for a small character display (16x2 or 20x4).
 * Pure: the agent picks a screen, the Display draws it.
 */
import type { Screen } from '../ports/display.js';

export interface ScreenSize {
  columns: number;
  rows: number;
}

/** Cuts each line to the width and keeps at most `rows` lines, most important first. */
export function fit(size: ScreenSize, lines: string[]): Screen {
  return {
    lines: lines.slice(0, size.rows).map((line) => (line.length <= size.columns ? line : `${line.slice(0, size.columns - 1)}~`)),
  };
}

/** The screen for each refusal of a scanned receipt (docs/receipts.md); others say the gateway's message. */
export function receiptRefusal(s: ScreenSize, code: string, message: string): Screen {
  switch (code) {
    case 'receipt_claimed':
      return screens.receiptUsed(s);
    case 'receipt_unknown':
      return screens.receiptUnknown(s);
    case 'receipt_forged':
      return screens.receiptForged(s);
    case 'receipt_too_old':
      return screens.receiptTooOld(s);
    case 'receipt_limit':
      return screens.receiptLimit(s);
    case 'card_blocked':
      return screens.blocked(s);
    default:
      return screens.failed(s, message);
  }
}

export const screens = {
  welcome: (s: ScreenSize) => fit(s, ['Welcome!', 'Tap or scan your', 'loyalty card']),
  reading: (s: ScreenSize) => fit(s, ['One moment...']),
  member: (s: ScreenSize, m: { name: string | null; balance: number }) => fit(s, [m.name ? `Hello ${m.name}` : 'Hello!', `Points: ${m.balance}`, 'Scan a receipt to', 'collect points']),
  notRecognised: (s: ScreenSize) => fit(s, ['Card not recognised', 'Please ask staff']),
  invalidNumber: (s: ScreenSize) => fit(s, ['Card number not', 'valid, please', 'scan again']),
  blocked: (s: ScreenSize) => fit(s, ['Card blocked', 'Please ask staff']),
  unlinked: (s: ScreenSize) => fit(s, ['Card not registered', 'Please ask staff']),
  offline: (s: ScreenSize) => fit(s, ['Kiosk offline', 'Balance unavailable', 'Please try later']),
  tapFirst: (s: ScreenSize) => fit(s, ['Tap your card first', 'then scan receipt']),
  unknownCode: (s: ScreenSize) => fit(s, ['Code not recognised', 'Scan a card or a', 'till receipt']),
  collecting: (s: ScreenSize) => fit(s, ['Collecting points...']),
  estimate: (s: ScreenSize, points: number) => fit(s, [`You will earn`, `${points} points`, 'Collecting...']),
  earned: (s: ScreenSize, e: { pointsEarned: number; balance: number }) => fit(s, [`+${e.pointsEarned} points`, `Balance: ${e.balance}`, 'Thank you!']),
  earnPending: (s: ScreenSize) => fit(s, ['Points saved', 'Will be added when', 'kiosk is online']),
  receiptUsed: (s: ScreenSize) => fit(s, ['Receipt already', 'used for points']),
  receiptUnknown: (s: ScreenSize) => fit(s, ['Receipt not found', 'No points for it', 'Please ask at', 'the till']),
  receiptForged: (s: ScreenSize) => fit(s, ['Receipt not valid', 'No points for it', 'Please ask at', 'the till']),
  receiptTooOld: (s: ScreenSize) => fit(s, ['Receipt too old', 'to collect points']),
  receiptLimit: (s: ScreenSize) => fit(s, ['Daily receipt limit', 'reached. Please', 'ask at the till']),
  failed: (s: ScreenSize, message: string) => fit(s, ['Sorry:', message]),
  outOfService: (s: ScreenSize) => fit(s, ['Out of service', 'Sorry! Please use', 'another kiosk']),
  notPaired: (s: ScreenSize) => fit(s, ['Not paired', 'Staff: start with', '--pair CODE from', 'the admin console']),
  printerProblem: (s: ScreenSize) => fit(s, ['Printer problem', 'Slip prints later', 'Please ask staff']),
};

/**
 * When the slip could not be printed the customer still needs what the screen said (their
 * balance): keep its first lines and put the warning underneath. The printer holds the slip and
 * prints it when it can (hardware/escpos-printer.ts).
 */
export function withPrinterWarning(s: ScreenSize, shown: Screen): Screen {
  if (s.rows < 3) return screens.printerProblem(s);
  return fit(s, [...shown.lines.slice(0, s.rows - 2), 'Printer problem:', 'slip prints later']);
}
