import { describe, expect, it } from 'vitest';
import { EscPosDecodeError, balanceSlip, decodeEscPos, encodeReceipt, pendingEarnReceipt, receiptText, type CodePage } from '@loyalty/device';

const header = { title: 'BALANCE', storeName: 'Demo Store', kioskId: 'kiosk-1', serverTime: '2026-11-22T19:40:03.104Z' };

describe('ESC/POS encoder and decoder', () => {
  it('decodes a hand-written byte fixture: styles, code page, Code128, QR, cut', () => {
    const bytes = Buffer.concat([
      Buffer.from([0x1b, 0x40, 0x1b, 0x74, 0x11]), // init, code page 17 (PC866)
      Buffer.from([0x1b, 0x61, 0x01, 0x1b, 0x45, 0x01]),
      Buffer.from('TITLE\n'),
      Buffer.from([0x1b, 0x45, 0x00, 0x1b, 0x61, 0x00]),
      Buffer.from('plain\n'),
      Buffer.from([0x1d, 0x6b, 0x49, 0x08]),
      Buffer.from('{BABC123'),
      Buffer.from([0x1d, 0x28, 0x6b, 0x06, 0x00, 0x31, 0x50, 0x30]),
      Buffer.from('abc'),
      Buffer.from([0x1d, 0x56, 0x00]),
    ]);
    const decoded = decodeEscPos(bytes);
    expect(decoded.codePage).toBe(17);
    expect(decoded.lines).toEqual([
      { text: 'TITLE', align: 'center', bold: true, doubleHeight: false },
      { text: 'plain', align: 'left', bold: false, doubleHeight: false },
    ]);
    expect(decoded.barcodes).toEqual([{ type: 73, data: 'ABC123' }]);
    expect(decoded.qrCodes).toEqual(['abc']);
    expect(decoded.cuts).toBe(1);
  });

  it('refuses unknown commands and truncated input with the byte offset', () => {
    expect(() => decodeEscPos(Buffer.from([0x41, 0x1b, 0x99]))).toThrow(/unknown ESC 0x99 at offset 1/);
    expect(() => decodeEscPos(Buffer.from([0x1d, 0x28, 0x6b, 0x10, 0x00, 0x31]))).toThrow(EscPosDecodeError);
  });

  it('round-trips a balance slip at 32, 42 and 48 columns without overflowing a line', () => {
    for (const columns of [32, 42, 48]) {
      const receipt = balanceSlip(header, { name: 'Anna K.', cardMasked: '*0009', balance: 1234, tier: 'Gold' });
      const decoded = decodeEscPos(encodeReceipt(receipt, columns));
      const text = receiptText(decoded);
      expect(text[0]).toBe('Demo Store');
      expect(decoded.lines[0]).toMatchObject({ align: 'center', bold: true, doubleHeight: true });
      expect(text).toContain('Hello, Anna K.');
      expect(text.find((l) => l.startsWith('Points balance'))).toMatch(/ 1234$/);
      expect(text.find((l) => l.startsWith('Tier'))).toMatch(/Gold$/);
      expect(text.find((l) => l.startsWith('Time'))).toMatch(/2026-11-22 19:40 UTC$/);
      for (const line of decoded.lines) expect(line.text.length).toBeLessThanOrEqual(columns);
      expect(decoded.cuts).toBe(1);
    }
  });

  it('prints plainly that an offline earn is pending, without a time it does not know', () => {
    const text = receiptText(
      decodeEscPos(encodeReceipt(pendingEarnReceipt({ ...header, serverTime: null }, { cardMasked: '*0009', receiptId: 'T1', opId: '0190b5a0-0000-7000-8000-000000000000' }), 42)),
    );
    expect(text).toContain('PENDING - NOT YET BOOKED');
    expect(text.find((l) => l.startsWith('Time'))).toMatch(/not known \(offline\)$/);
  });

  it('prints what the code page has, transliterates the rest, never garbage', () => {
    const line = (text: string, codePage: CodePage) => decodeEscPos(encodeReceipt({ lines: [{ kind: 'text', text }] }, 32, codePage));
    // CP437 has ë and Å but no Cyrillic: the name is transliterated.
    expect(line('Zoë Ålund Ёлка', 'PC437_USA').lines[0]!.text).toBe('Zoë Ålund Yolka');
    // A Cyrillic code page prints the name as it is, and says so with ESC t.
    const cp866 = line('Анна Каренина Ёлка', 'PC866_CYRILLIC2');
    expect(cp866.codePage).toBe(17);
    expect(cp866.lines[0]!.text).toBe('Анна Каренина Ёлка');
    const cp1251 = line('Щука Юлия', 'WPC1251_CYRILLIC');
    expect([cp1251.codePage, cp1251.lines[0]!.text]).toEqual([46, 'Щука Юлия']);
    // Characters the page lacks: transliterated, not '?'.
    expect(line('Цена 5 €, 東京', 'PC866_CYRILLIC2').lines[0]!.text).toBe('Цена 5 EU, Dong Jing');
  });
});
