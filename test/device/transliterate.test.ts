/**
 * The kiosk's own table for Cyrillic and its punctuation must spell text exactly as the
 * `transliteration` package does (the package is loaded only for other scripts), and Russian
 * text must not load the package.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { transliterate } from '../../device/src/receipts/transliterate.js';

const requireFromDevice = createRequire(new URL('../../device/package.json', import.meta.url));
const packageTransliterate = () => (requireFromDevice('transliteration') as { transliterate: (text: string) => string }).transliterate;
const packageLoaded = () => Object.keys(requireFromDevice.cache).some((path) => path.includes('/transliteration/'));

const TABLE_RANGES = [
  [0x00a0, 0x00ff],
  [0x0400, 0x04ff],
  [0x2010, 0x203a],
  [0x20a0, 0x20bf],
  [0x2116, 0x2116],
  [0x2122, 0x2122],
] as const;

describe('transliteration for the LCD and code pages', () => {
  it('spells Russian names and words without loading the full package', () => {
    expect(transliterate('Анна Щукина, Ёлкин')).toBe('Anna Shchukina, Yolkin');
    expect(transliterate('«Баллы» — №5, 100 ₽…')).toBe('<<Bally>> -- no5, 100 ...');
    expect(packageLoaded()).toBe(false);
  });

  it('falls back to the package for other scripts', () => {
    expect(transliterate('東京 Αθήνα')).toBe('Dong Jing Athina');
    expect(packageLoaded()).toBe(true);
  });

  it('agrees with the package on every character of its table, alone and within ASCII text', () => {
    const full = packageTransliterate();
    for (const [first, last] of TABLE_RANGES) {
      for (let code = first; code <= last; code += 1) {
        const ch = String.fromCodePoint(code);
        expect(transliterate(`a${ch}b`), `U+${code.toString(16)}`).toBe(full(`a${ch}b`));
      }
    }
    const tableChar = fc.oneof(...TABLE_RANGES.map(([first, last]) => fc.integer({ min: first, max: last }).map((c) => String.fromCodePoint(c))));
    const asciiChar = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCodePoint(c));
    fc.assert(
      fc.property(fc.array(fc.oneof(tableChar, asciiChar), { maxLength: 40 }), (chars) => {
        const text = chars.join('');
        expect(transliterate(text)).toBe(full(text));
      }),
    );
  });
});
