/**
 * Printer code pages. Customers' names are often Cyrillic: a code page that has Cyrillic
 * (CP866 or Windows-1251, configurable per printer) prints them as they are; any character the
 * chosen code page cannot encode is transliterated ("Ё" → "Yo", "€" → "EU"), never sent as bytes
 * the printer would print as garbage.
 */
import iconv from 'iconv-lite';
import { transliterate } from './transliterate.js';

/** The code pages we select (ESC t n on EPSON-compatible printers) and their encodings. */
export const CODE_PAGES = {
  PC437_USA: { escT: 0, encoding: 'CP437' },
  PC866_CYRILLIC2: { escT: 17, encoding: 'CP866' },
  WPC1251_CYRILLIC: { escT: 46, encoding: 'WIN1251' },
  WPC1252: { escT: 16, encoding: 'WIN1252' },
} as const;
export type CodePage = keyof typeof CODE_PAGES;
export const CODE_PAGE_NAMES = Object.keys(CODE_PAGES) as CodePage[];

const canEncode = new Map<string, boolean>();

function encodable(ch: string, encoding: string): boolean {
  const key = `${encoding}:${ch}`;
  let ok = canEncode.get(key);
  if (ok === undefined) {
    ok = iconv.decode(iconv.encode(ch, encoding), encoding) === ch;
    canEncode.set(key, ok);
  }
  return ok;
}

/** Text the printer can print in this code page: kept where it can, transliterated where not. */
export function printableText(text: string, codePage: CodePage): string {
  const { encoding } = CODE_PAGES[codePage];
  let out = '';
  let run = ''; // characters the page lacks, transliterated together ("東京" → "Dong Jing")
  for (const ch of text) {
    if ((ch >= ' ' && ch <= '~') || (ch >= ' ' && encodable(ch, encoding))) {
      if (run) out += asciiOnly(transliterate(run));
      run = '';
      out += ch;
    } else run += ch;
  }
  return run ? out + asciiOnly(transliterate(run)) : out;
}

/** Decodes text bytes printed under ESC t n (for the decoder and the fake printer). */
export function decodeText(bytes: Uint8Array, escT: number): string {
  const page = Object.values(CODE_PAGES).find((p) => p.escT === escT) ?? CODE_PAGES.PC437_USA;
  return iconv.decode(Buffer.from(bytes), page.encoding);
}

/** ASCII only: accents dropped, anything else '?'. For barcode and QR data and the LCD's ROM. */
export function asciiOnly(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, '?');
}

/** For a character LCD (HD44780 A00 ROM: ASCII): Cyrillic and the rest transliterated. */
export function lcdText(text: string): string {
  return asciiOnly(transliterate(text));
}
