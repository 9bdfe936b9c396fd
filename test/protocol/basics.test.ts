import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  OpIdGenerator,
  OP_ID_PATTERN,
  Request,
  cardNumberFor,
  isValidCardNumber,
  kioskTopic,
  luhnCheckDigit,
  maskCardNumber,
  normaliseUid,
  opIdTime,
  parseTopic,
  sharedFilter,
  allKiosksFilter,
  storeTopic,
} from '@loyalty/protocol';

describe('topics', () => {
  it('builds and parses every kiosk and store topic', () => {
    for (const ch of ['req', 'res', 'cmd', 'ack', 'tele', 'state', 'config'] as const) {
      expect(parseTopic(kioskTopic('k-1', ch))).toEqual({ scope: 'kiosk', kioskId: 'k-1', channel: ch });
    }
    for (const ch of ['rules', 'hotlist'] as const) {
      expect(parseTopic(storeTopic('s_1', ch))).toEqual({ scope: 'store', storeId: 's_1', channel: ch });
    }
    expect(allKiosksFilter('req')).toBe('loyalty/v1/k/+/req');
    expect(sharedFilter('gateway', allKiosksFilter('req'))).toBe('$share/gateway/loyalty/v1/k/+/req');
  });

  it('refuses ids that would break topic levels, and topics outside the contract', () => {
    for (const bad of ['', 'a/b', '+', '#', '$SYS', 'x'.repeat(65)]) expect(() => kioskTopic(bad, 'req')).toThrow(/not valid/);
    for (const bad of ['loyalty/v1/k/a/nope', 'loyalty/v2/k/a/req', 'loyalty/v1/s/a/req', 'loyalty/v1/k/+/req', 'a/b', 'loyalty/v1/k/a/req/x']) {
      expect(parseTopic(bad)).toBeNull();
    }
  });
});

describe('card numbers', () => {
  it('issues numbers that validate, and knows the classic Luhn example', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3);
    expect(cardNumberFor(1000)).toBe('10009');
    for (let n = 1000; n < 1200; n += 1) expect(isValidCardNumber(cardNumberFor(n))).toBe(true);
  });

  it('catches every single wrong digit and every adjacent swap except 09/90', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 1e12 }), fc.nat(), fc.integer({ min: 1, max: 9 }), (seq, where, delta) => {
        const number = cardNumberFor(seq);
        const i = where % number.length;
        const digit = (number.charCodeAt(i) - 48 + delta) % 10;
        expect(isValidCardNumber(number.slice(0, i) + digit + number.slice(i + 1))).toBe(false);
        const j = where % (number.length - 1);
        const [a, b] = [number[j]!, number[j + 1]!];
        if (a !== b && `${a}${b}` !== '09' && `${a}${b}` !== '90') {
          expect(isValidCardNumber(number.slice(0, j) + b + a + number.slice(j + 2))).toBe(false);
        }
      }),
    );
  });

  it('masks numbers and normalises UIDs', () => {
    expect(maskCardNumber('100017')).toBe('**0017');
    expect(maskCardNumber('12345678901234')).toBe('****1234');
    expect(normaliseUid('04:a1:b2:c3')).toBe('04A1B2C3');
    expect(normaliseUid('04a1b2c3d4e5f6')).toBe('04A1B2C3D4E5F6');
    expect(normaliseUid('04A1B2')).toBeNull();
  });
});

describe('op ids', () => {
  it('are UUIDv7, strictly increasing from one generator even within one millisecond', () => {
    const gen = new OpIdGenerator(() => 1_700_000_000_000);
    const ids = Array.from({ length: 5000 }, () => gen.next());
    for (const id of ids) expect(id).toMatch(OP_ID_PATTERN);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(opIdTime(ids[0]!)).toBe(1_700_000_000_000);
  });
});

describe('request schema', () => {
  it('names the field that is wrong', () => {
    const result = Request.safeParse({ kind: 'earn', opId: new OpIdGenerator().next(), card: { number: '12' }, receipt: { id: 'r1', total: { amount: 1.5, currency: 'EUR' } } });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toContain('receipt.total.amount');
  });

  it('does not let a __proto__ key through', () => {
    const parsed = Request.safeParse(JSON.parse('{"kind":"identify","opId":"0190b5a0-0000-7000-8000-000000000000","card":{"uid":"04A1B2C3"},"__proto__":{"polluted":true}}'));
    expect(parsed.success).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
