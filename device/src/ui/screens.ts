/**
 * The kiosk's views laid out for a small character display (16x2 or 20x4): the lines of the
 * view in the journey's language, fitted to the display and transliterated for its ROM (an
 * HD44780 has no Cyrillic). Pure: the agent picks a view, the Display draws the lines.
 */
import type { Screen } from '../ports/display.js';
import { lcdText } from '../receipts/code-pages.js';
import { WORDS } from './text.js';
import { wrapWords } from './wrap.js';
import type { Lang, Notice, View } from './view.js';

export interface ScreenSize {
  columns: number;
  rows: number;
}

/** Cuts each line to the width and keeps at most `rows` lines, most important first. */
export function fit(size: ScreenSize, lines: string[]): Screen {
  return {
    lines: lines
      .slice(0, size.rows)
      .map(lcdText)
      .map((line) => (line.length <= size.columns ? line : `${line.slice(0, size.columns - 1)}~`)),
  };
}

/** The LCD screen for a view in a language. */
export function screenFor(size: ScreenSize, view: View, lang: Lang = 'en'): Screen {
  const lines = WORDS[lang].lcd(view);
  // A notice is a sentence or two, said to a customer: wrapped over the rows rather than cut at
  // the width (Russian ones are long, and longer still once transliterated).
  return fit(size, view.screen === 'notice' ? wrapped(lines.map(lcdText), size) : lines);
}

/**
 * The lines broken at spaces into lines of at most the width, first line first; a later line
 * that would not fit whole in the rows left is left out rather than cut mid-sentence (a word
 * longer than the width is cut by `fit`).
 */
function wrapped(lines: string[], size: ScreenSize): string[] {
  const out: string[] = [];
  for (const text of lines) {
    const pieces = wrapWords(text, size.columns);
    if (out.length && out.length + pieces.length > size.rows) break;
    out.push(...pieces);
  }
  return out;
}

/** The notice for each refusal of a scanned receipt (docs/receipts.md); others say the gateway's message. */
export function receiptRefusal(code: string): Notice {
  switch (code) {
    case 'receipt_claimed':
      return 'receiptUsed';
    case 'receipt_unknown':
      return 'receiptUnknown';
    case 'receipt_forged':
      return 'receiptForged';
    case 'receipt_too_old':
      return 'receiptTooOld';
    case 'receipt_limit':
      return 'receiptLimit';
    case 'card_blocked':
      return 'blocked';
    default:
      return 'failed';
  }
}

/**
 * When the slip could not be printed the customer still needs what the screen said (their
 * balance): keep its first lines and put the warning underneath. The slip prints if the printer
 * is back while the customer is there; when their journey ends it is dropped (agent.ts).
 */
export function withPrinterWarning(s: ScreenSize, shown: Screen, lang: Lang = 'en'): Screen {
  const { under, alone } = WORDS[lang].lcdPrinterWarning;
  if (s.rows < 3) return fit(s, alone);
  return fit(s, [...shown.lines.slice(0, s.rows - 2), ...under]);
}
