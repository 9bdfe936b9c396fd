/**
 * The kiosk's views as data (unit level): every screen has words in English and Russian on the
 * LCD and on the page, names are escaped on the page and transliterated on the LCD, offers are
 * valued in the program's currency, and the coupon journal keeps a coupon once across reloads.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CouponJournal,
  KioskConfigError,
  LANGUAGES,
  NOTICES,
  offersFor,
  parseKioskConfig,
  renderView,
  WORDS,
  screenFor,
  type Notice,
  type Presentation,
  type StaffMessage,
  type StaffStep,
  type View,
} from '@loyalty/device';
import type { IdentifyData } from '@loyalty/protocol';
import { POINTS_DOC, ruleSetOf } from '../support/programs.js';

const member = {
  name: 'Анна <b>К.</b>',
  cardMasked: '*0009',
  balance: 1234,
  tier: 'Silver',
  nextTier: { name: 'Gold', spendNeeded: { amount: 48_766, currency: 'EUR' } },
  wallet: { amount: 250, currency: 'EUR' },
  nextExpiry: { points: 120, expiresAt: '2026-12-31T23:00:00.000Z' },
  personalOffers: [{ name: 'Double <i>dairy</i>', until: '2026-12-14T00:00' }],
  memberships: [{ name: 'Wine Club', validUntil: '2027-03-12T10:00:00.000Z' }],
  canSpend: true,
};
const coupon = { code: 'C0123456789ABCDEF', value: { amount: 500, currency: 'EUR' }, expiresAt: '2026-12-13T10:00:00.000Z', points: 500, reward: 'Free coffee' };
const entry = {
  allowed: false,
  reason: 'membership_expired' as const,
  name: 'Anna K.',
  programName: 'Plus',
  validUntil: '2026-03-12T10:00:00.000Z',
  renewal: { fee: { amount: 2999, currency: 'EUR' }, periodMonths: 12 },
};

const VIEWS: View[] = [
  { screen: 'welcome' },
  { screen: 'welcome', entrance: true },
  { screen: 'reading' },
  { screen: 'member', member },
  { screen: 'collecting', member, estimate: 123 },
  { screen: 'collecting', member, estimate: null },
  { screen: 'earned', member, pointsEarned: 223 },
  { screen: 'earnPending', member },
  { screen: 'rewards', member, offers: [{ id: 'reward:coffee', name: 'Free coffee', points: 500, value: { amount: 500, currency: 'EUR' }, affordable: true }] },
  { screen: 'redeeming', member },
  { screen: 'enterCode', member, points: 1000, wrongCode: true },
  { screen: 'coupon', member, coupon, printed: false },
  { screen: 'unregistered', cardMasked: '*0041', balance: 0, canCollect: false },
  { screen: 'unregistered', cardMasked: '*0041', balance: 120, canCollect: true },
  { screen: 'enterPhone', invalid: true },
  { screen: 'registerCode', phoneMasked: '+49 ••• 0042', wrongCode: false },
  { screen: 'enterPhone', invalid: false, identify: true },
  { screen: 'registerCode', phoneMasked: '+49 ••• 0042', wrongCode: true, identify: true },
  { screen: 'enterName' },
  { screen: 'linkToAccount' },
  { screen: 'registering' },
  { screen: 'entrance', entry },
  ...NOTICES.map((notice) => ({ screen: 'notice' as const, notice })),
  { screen: 'outOfService' },
  { screen: 'notPaired' },
  ...staffViews(),
];

/** Staff mode: every step, and the menu with every message. */
function staffViews(): View[] {
  const staff = { name: 'Ольга П.', role: 'manager' as const };
  const steps: StaffStep[] = [
    { kind: 'menu' },
    { kind: 'tapCard', purpose: 'issue' },
    { kind: 'tapCard', purpose: 'block' },
    { kind: 'tapCard', purpose: 'adjust' },
    { kind: 'tapCard', purpose: 'replace' },
    { kind: 'oldCard', invalid: true },
    { kind: 'findPhone', invalid: true },
    { kind: 'findCode', phoneMasked: '+49 ••• 0042', wrongCode: true },
    { kind: 'pickCard', cards: [{ number: '10009', masked: '*0009', status: 'active', balance: 340 }] },
    { kind: 'reason', purpose: 'block', cardMasked: '*0009', reasons: ['lost', 'stolen', 'fraud_suspected'] },
    { kind: 'reason', purpose: 'adjust', cardMasked: '*0009', reasons: ['missing_points', 'goodwill', 'correction', 'other'] },
    { kind: 'note', cardMasked: '*0009' },
    { kind: 'points', cardMasked: '*0009' },
    { kind: 'confirmTap', cardMasked: '*0009', points: -120 },
    { kind: 'working' },
  ];
  const messages: StaffMessage[] = [
    { kind: 'blocked', cardMasked: '*0009', already: false },
    { kind: 'blockPending', cardMasked: '*0009' },
    { kind: 'replaced', oldMasked: '*0009', newMasked: '*0041', balance: 340 },
    { kind: 'adjusted', cardMasked: '*0009', points: 120, balance: 460 },
    { kind: 'issued', cardMasked: '*0041', existingCustomer: true },
    { kind: 'printed', what: 'shiftReport' },
    { kind: 'nothingToReprint' },
    { kind: 'printerProblem' },
    { kind: 'managerNeeded' },
    { kind: 'onlineOnly' },
    { kind: 'cannotRecord' },
    { kind: 'pending' },
    { kind: 'cardNotFound' },
    { kind: 'alreadyRegistered', cardMasked: '*0009' },
    { kind: 'refused', code: 'adjustment_limit', detail: 'at most <500> points' },
  ];
  return [...steps.map((step) => ({ screen: 'staff' as const, staff, step })), ...messages.map((message) => ({ screen: 'staff' as const, staff, step: { kind: 'menu' as const }, message }))];
}

const presentation = (view: View, lang: (typeof LANGUAGES)[number]): Presentation => ({ view, lang, timeZone: 'Europe/Berlin', idleAt: 1_800_000_000_000, printerWarning: true, seq: 1 });

describe('kiosk views', () => {
  for (const lang of LANGUAGES) {
    it(`lays out every screen on a 20x4 LCD in ${lang}: ASCII only, at most 20 columns`, () => {
      for (const view of VIEWS) {
        const { lines } = screenFor({ columns: 20, rows: 4 }, view, lang);
        expect(lines.length, view.screen).toBeGreaterThan(0);
        for (const line of lines) {
          expect(line.length).toBeLessThanOrEqual(20);
          expect(line).toMatch(/^[\x20-\x7e]*$/);
        }
      }
    });

    it(`renders every screen on the page in ${lang}, escaping what comes from outside`, async () => {
      for (const view of VIEWS) {
        const html = await renderView(presentation(view, lang), 'Store <One>');
        expect(html, view.screen).toContain(`data-screen="${view.screen}"`);
        expect(html).not.toContain('<b>К.</b>');
        expect(html).not.toContain('Store <One>');
        expect(html).not.toContain('<500>');
        expect(html).not.toContain('<i>dairy</i>');
        expect(html).not.toMatch(/undefined|\[object/);
      }
    });
  }

  it('wraps a notice over the LCD rows instead of cutting it at the width, leaving out a sentence that does not fit whole', () => {
    const lcd = (notice: Notice, lang: (typeof LANGUAGES)[number], size = { columns: 20, rows: 4 }, detail?: string) =>
      screenFor(size, { screen: 'notice', notice, ...(detail ? { detail } : {}) }, lang).lines;
    // Transliterated Russian runs long: the title and the hint each wrapped whole.
    expect(lcd('receiptUnknown', 'ru')).toEqual(['Chek ne nayden', 'Bally ne nachisleny.', 'Obratites na kassu']);
    // The hint would need three more rows: the title alone, not a hint cut mid-sentence.
    expect(lcd('cannotRecord', 'ru')).toEqual(['Kiosk seychas ne', 'mozhet nichego', 'sohranit']);
    expect(lcd('cannotRecord', 'en')).toEqual(['Cannot record now', 'Nothing was changed', 'Please ask staff']);
    expect(lcd('cannotRecord', 'en', { columns: 16, rows: 2 })).toEqual(['Cannot record', 'now']);
    expect(lcd('failed', 'en', undefined, 'the items add up to 1200, the total says 1250')).toEqual(['Sorry:', 'the items add up to', '1200, the total says', '1250']);
  });

  it('puts the word forms with the number: 1 point, 1 балл, 2 балла, 5 баллов, 21 балл', () => {
    expect([1, 2, 5, 11, 21, 22, 111].map((n) => WORDS.ru.page.earned(n))).toEqual(['+1 балл', '+2 балла', '+5 баллов', '+11 баллов', '+21 балл', '+22 балла', '+111 баллов']);
    expect(WORDS.ru.page.expiring(21, '31 дек.')).toBe('21 балл сгорит 31 дек.');
    expect(WORDS.ru.page.expiring(3, '31 дек.')).toBe('3 балла сгорят 31 дек.');
    expect([WORDS.en.page.earned(1), WORDS.en.page.earned(2), WORDS.en.page.expiring(1, '31 Dec')]).toEqual(['+1 point', '+2 points', '1 point expires on 31 Dec']);
    expect(WORDS.ru.lcd({ screen: 'earned', pointsEarned: 1, member: { ...member, balance: 1 } } as View)[0]).toBe('+1 балл');
  });

  it('says the same things in both languages, in the store zone', async () => {
    const en = await renderView(presentation({ screen: 'member', member }, 'en'), 'S');
    const ru = await renderView(presentation({ screen: 'member', member }, 'ru'), 'S');
    // 23:00 UTC on 31 Dec is midnight starting 1 Jan in Berlin: the points' last day is 31 Dec.
    expect(en).toContain('120 points expire on 31 Dec 2026');
    expect(ru).toContain('120 баллов сгорят 31 дек. 2026 г.');
    expect(en).toContain('Spend 487.66 EUR more to reach Gold');
    expect(ru).toContain('Ещё 487,66 EUR покупок до уровня «Gold»');
    expect(en).toContain('Wine Club until 12 Mar 2027');
    // A promotion that ends at midnight runs its whole last day.
    expect(en).toContain('Double &lt;i&gt;dairy&lt;/i&gt; for you until Sunday 13 Dec');
    expect(ru).toContain('Double &lt;i&gt;dairy&lt;/i&gt; — для вас до 13 декабря включительно');
  });
});

describe('offers', () => {
  const data = (availablePoints: number): IdentifyData => ({
    cardNumberMasked: '*0009',
    status: 'active',
    displayName: 'Anna K.',
    balance: availablePoints,
    tier: null,
    member: {
      cardProgramId: 'points',
      availablePoints,
      tier: { id: null, reviewAt: null },
      qualifyingSpend: 0,
      purchases: 0,
      birthday: null,
      birthdayBonusYear: null,
      referrerId: null,
      memberships: [],
      earnedToday: 0,
    },
  });

  it("prices rewards and points-off steps in the program's currency, and marks what the member can afford", () => {
    const rub = ruleSetOf([{ ...POINTS_DOC, currency: 'RUB', redemption: { pointValue: 100, minimumPoints: 200, maxBasketShare: 50 } }]);
    const offers = offersFor(data(600), rub);
    expect(offers.map((o) => [o.id, o.value.amount, o.value.currency, o.affordable])).toEqual([
      ['reward:coffee', 50_000, 'RUB', true],
      // A reward with a value of its own keeps it.
      ['reward:five-off', 500, 'EUR', false],
      ['points:200', 20_000, 'RUB', true],
      ['points:1000', 100_000, 'RUB', false],
      ['points:2000', 200_000, 'RUB', false],
    ]);
    expect(offersFor(data(600), null)).toEqual([]);
  });
});

describe('coupon journal', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'loyalty-coupons-'));

  it('keeps a coupon once, across a reload, until it is printed or dropped', () => {
    const path = join(dir(), 'coupons.json');
    const journal = new CouponJournal(path, () => 1000);
    journal.due(coupon);
    journal.due(coupon, '*0009');
    const again = new CouponJournal(path);
    again.load();
    expect(again.pending()).toEqual([{ coupon, cardMasked: '*0009', state: 'due', at: 1000 }]);
    again.mark(coupon.code, 'printed');
    again.mark(coupon.code, 'dropped');
    expect(again.get(coupon.code)?.state).toBe('printed');
    const third = new CouponJournal(path);
    third.load();
    expect(third.pending()).toEqual([]);
    rmSync(path);
  });

  it('sets a damaged journal aside instead of printing from it', () => {
    const path = join(dir(), 'coupons.json');
    writeFileSync(path, '{"not": "a journal"');
    const journal = new CouponJournal(path);
    journal.load();
    expect(journal.pending()).toEqual([]);
    expect(readFileSync(`${path}.corrupt`, 'utf8')).toContain('not');
  });

  it('forgets the oldest settled coupons first, never one still due', () => {
    const path = join(dir(), 'coupons.json');
    const journal = new CouponJournal(path);
    journal.due({ ...coupon, code: 'CDUE0000' });
    for (let i = 0; i < 250; i += 1) {
      const code = `C${String(i).padStart(8, '0')}`;
      journal.due({ ...coupon, code });
      journal.mark(code, 'printed');
    }
    const reloaded = new CouponJournal(path);
    reloaded.load();
    expect(reloaded.pending().map((e) => e.coupon.code)).toEqual(['CDUE0000']);
    expect(JSON.parse(readFileSync(path, 'utf8')).length).toBeLessThanOrEqual(201);
  });
});

describe('kiosk mode in the config', () => {
  it('refuses an entrance kiosk without its club, by name', () => {
    const base = { kioskId: 'k1', storeId: 's1', gateway: { senderIds: ['gateway'], publicKeys: ['A'.repeat(43)] } };
    expect(() => parseKioskConfig({ ...base, mode: 'entrance' })).toThrow(KioskConfigError);
    expect(() => parseKioskConfig({ ...base, mode: 'entrance' })).toThrow(/entranceProgram/);
    expect(parseKioskConfig({ ...base, mode: 'entrance', entranceProgram: 'wine-club' }).entranceProgram).toBe('wine-club');
    expect(() => parseKioskConfig({ ...base, locale: 'de' })).toThrow(/locale/);
  });
});
