/**
 * The evaluator, kind by kind and option by option (docs/programs.md). Expected figures are worked out by
 * hand in the comments, so a change of rounding or order shows up as a wrong number here.
 */
import { describe, expect, it } from 'vitest';
import { type EvaluationError, Program, checkEntrance, evaluate, expiryOf, membershipExtension, tierAfterRefund, type Basket, type ProgramInput } from '@loyalty/protocol';
import { CASHBACK_DOC, CLUB_DOC, DISCOUNT_DOC, PAID_DOC, PARTNER_DOC, POINTS_DOC, item, member, pointsWith, ruleSetOf } from '../support/programs.js';

const NOW = Date.parse('2026-11-22T10:00:00Z'); // a Sunday, 11:00 in Berlin
const basket = (items: Basket['items'], extra: Partial<Basket> = {}): Basket => ({ storeId: 'store-1', currency: 'EUR', items, ...extra });
/** A points program with only a rate: no tiers, bonuses, promotions, caps or minimum. */
const plain = (earn: Record<string, unknown> = {}, more: Record<string, unknown> = {}): ProgramInput =>
  pointsWith({ earn: { rate: { points: 10, per: 100, rounding: 'floor' }, ...earn }, tiers: undefined, redemption: undefined, bonuses: {}, promotions: [], ...more });
const earned = (docs: ProgramInput[], items: Basket['items'], m = member(), now = NOW, extra: Partial<Basket> = {}) => evaluate(basket(items, extra), m, ruleSetOf(docs), now);
const fails = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error as EvaluationError;
  }
  throw new Error('expected an EvaluationError');
};

describe('points: rate and rounding', () => {
  it.each([
    ['floor', 299, 29], // 29.9
    ['half_up', 299, 30],
    ['ceil', 299, 30],
    ['floor', 1234, 123], // 123.4
    ['half_up', 1234, 123],
    ['ceil', 1234, 124],
    ['half_up', 1235, 124], // 123.5 goes up
    ['floor', 99, 9],
  ] as const)('%s of %i cents at 10 per euro gives %i', (rounding, cents, points) => {
    const quote = earned([plain({ rate: { points: 10, per: 100, rounding } })], [item('bread', 'bakery', cents)]);
    expect(quote.pointsEarned).toBe(points);
    expect(quote.lines).toEqual([{ rule: 'points@v1:base', text: 'Points: 10 per 1.00 EUR', points }]);
  });

  it('rounds once over the basket, not per line', () => {
    // 3 × 0.99 at 1 point per euro: per line would be 0 + 0 + 0; over the basket 2.97 → 2.
    const quote = earned([plain({ rate: { points: 1, per: 100, rounding: 'floor' } })], [item('a', 'x', 99), item('b', 'x', 99), item('c', 'x', 99)]);
    expect(quote.pointsEarned).toBe(2);
  });
});

describe('points: categories, minimum, caps', () => {
  it('multiplies a category and shows the extra as its own line', () => {
    // dairy 5.00 ×2 = 50 base + 50 extra; produce 3.00 ×0.5 = 30 base − 15
    const quote = earned([plain({ categoryMultipliers: { dairy: 2, produce: 0.5 } })], [item('milk', 'dairy', 500), item('apples', 'produce', 300)]);
    expect(quote.pointsEarned).toBe(115);
    expect(quote.lines.map((l) => [l.rule, l.points])).toEqual([
      ['points@v1:base', 80],
      ['points@v1:category:dairy', 50],
      ['points@v1:category:produce', -15],
    ]);
  });

  it('never earns on excluded categories', () => {
    const docs = [plain({ excludedCategories: ['tobacco', 'gift_cards'] })];
    expect(earned(docs, [item('cigs', 'tobacco', 1000), item('bread', 'bakery', 500)]).pointsEarned).toBe(50);
    const none = earned(docs, [item('cigs', 'tobacco', 1000), item('card', 'gift_cards', 5000)]);
    expect(none.pointsEarned).toBe(0);
    expect(none.lots).toEqual([]);
  });

  it('earns nothing under the minimum purchase, and says so', () => {
    const docs = [plain({ minimumPurchase: 100 })];
    const under = earned(docs, [item('gum', 'sweets', 99)]);
    expect(under.pointsEarned).toBe(0);
    expect(under.lines).toEqual([{ rule: 'points@v1:minimum', text: 'Points from 1.00 EUR of eligible spend', points: 0 }]);
    expect(earned(docs, [item('gum', 'sweets', 100)]).pointsEarned).toBe(10);
  });

  it('caps the points of one purchase and of one day', () => {
    const docs = [plain({ caps: { perPurchase: 5000, perDay: 8000 } })];
    const big = earned(docs, [item('tv', 'electronics', 100_000)]); // 10 000 points before the cap
    expect(big.pointsEarned).toBe(5000);
    expect(big.lines.at(-1)).toEqual({ rule: 'points@v1:cap:per_purchase', text: 'Limit 5000 points per purchase', points: -5000 });
    const lateInDay = earned(docs, [item('tv', 'electronics', 100_000)], member({ earnedToday: 7000 }));
    expect(lateInDay.pointsEarned).toBe(1000);
    expect(earned(docs, [item('tv', 'electronics', 100_000)], member({ earnedToday: 9000 })).pointsEarned).toBe(0);
  });
});

describe('points: paying with points', () => {
  const docs = [plain({}, { redemption: { pointValue: 1, minimumPoints: 50, maxBasketShare: 50 } })];
  const rich = member({ availablePoints: 10_000 });

  it('pays part of the basket and earns only on what was paid in money', () => {
    const quote = earned(docs, [item('wine', 'drinks', 1000)], rich, NOW, { redeemPoints: 200 });
    expect(quote).toMatchObject({ pointsRedeemed: 200, redemptionValue: 200, payable: 800, pointsEarned: 80, pointsRedeemable: 500 });
    expect(quote.lines[0]).toEqual({ rule: 'points@v1:redemption', text: '200 points paid 2.00 EUR', points: -200, amount: -200 });
  });

  it('spreads the points payment over the lines so their paid amounts add up', () => {
    const quote = earned(docs, [item('a', 'x', 333), item('b', 'x', 333), item('c', 'x', 334)], rich, NOW, { redeemPoints: 100 });
    expect(quote.items.map((i) => i.paid)).toEqual([300, 300, 300]);
    expect(quote.items.reduce((s, i) => s + i.paid, 0)).toBe(quote.payable);
  });

  it.each([
    [600, 'redemption_limit'], // more than 50 % of 10.00
    [40, 'redemption_below_minimum'],
  ] as const)('refuses %i points with %s', (points, code) => {
    expect(fails(() => earned(docs, [item('wine', 'drinks', 1000)], rich, NOW, { redeemPoints: points })).code).toBe(code);
  });

  it('refuses more points than the member has, and redemption where none is offered', () => {
    const error = fails(() => earned(docs, [item('wine', 'drinks', 1000)], member({ availablePoints: 100 }), NOW, { redeemPoints: 150 }));
    expect(error).toMatchObject({ code: 'insufficient_points', details: { available: 100 } });
    expect(fails(() => earned([plain()], [item('wine', 'drinks', 1000)], rich, NOW, { redeemPoints: 100 })).code).toBe('redemption_not_offered');
    expect(earned(docs, [item('wine', 'drinks', 1000)], member({ availablePoints: 30 })).pointsRedeemable).toBe(0); // under the minimum
  });
});

describe('expiry', () => {
  const at = Date.parse('2026-11-22T10:00:00Z');
  it.each([
    [{ policy: 'never' }, null],
    [{ policy: 'days_after_earning', days: 30 }, '2026-12-22T10:00:00.000Z'],
    [{ policy: 'end_of_month', monthsAfter: 0 }, '2026-11-30T23:00:00.000Z'], // midnight 1 Dec in Berlin
    [{ policy: 'end_of_month', monthsAfter: 11 }, '2027-10-31T23:00:00.000Z'], // after the clocks go back
    [{ policy: 'end_of_year', yearsAfter: 0 }, '2026-12-31T23:00:00.000Z'],
    [{ policy: 'end_of_year', yearsAfter: 1 }, '2027-12-31T23:00:00.000Z'],
  ] as const)('%j expires at %s', (expiry, expiresAt) => {
    const program = Program.parse(pointsWith({ expiry }));
    expect(program.kind === 'points' && expiryOf(program.expiry, at, 'Europe/Berlin')).toBe(expiresAt);
  });

  it('takes the month from the store clock: 00:30 on 1 Dec in Berlin is December', () => {
    expect(expiryOf({ policy: 'end_of_month', monthsAfter: 0 }, Date.parse('2026-11-30T23:30:00Z'), 'Europe/Berlin')).toBe('2026-12-31T23:00:00.000Z');
    expect(expiryOf({ policy: 'end_of_month', monthsAfter: 0 }, Date.parse('2026-11-30T23:30:00Z'), 'UTC')).toBe('2026-12-01T00:00:00.000Z');
  });

  it('gives each quote its lot with that expiry', () => {
    const quote = earned([plain({}, { expiry: { policy: 'days_after_earning', days: 10 } })], [item('bread', 'bakery', 500)]);
    expect(quote.lots).toEqual([{ points: 50, expiresAt: '2026-12-02T10:00:00.000Z' }]);
  });
});

describe('tiers', () => {
  const docs = [POINTS_DOC];
  const noBonus = { purchases: 3 };

  it('upgrades at once; the new tier’s benefits start with the next purchase', () => {
    const quote = earned(docs, [item('tv', 'electronics', 2000)], member({ ...noBonus, qualifyingSpend: 49_000 }));
    expect(quote.tier).toMatchObject({ before: 'silver', after: 'gold', qualifyingSpend: 51_000, reviewAt: '2026-12-31T23:00:00.000Z' });
    expect(quote.discount).toBe(0);
    expect(quote.lines.at(-1)).toEqual({ rule: 'points@v1:tier:gold', text: 'You have reached Gold' });
    const next = earned(docs, [item('tv', 'electronics', 2000)], member({ ...noBonus, qualifyingSpend: 51_000, tier: { id: 'gold', reviewAt: '2026-12-31T23:00:00.000Z' } }));
    // 3 % off 20.00 = 0.60; 19.40 at 10 per euro = 194, Gold ×1.5 adds 97
    expect(next).toMatchObject({ discount: 60, pointsEarned: 291 });
    expect(next.lines.map((l) => l.rule)).toEqual(['points@v1:tier:gold', 'points@v1:base', 'points@v1:tier:gold']);
  });

  it.each([
    ['one_level', 'gold'],
    ['to_qualified', 'silver'],
    ['never', 'platinum'],
  ] as const)('at the year-end review a platinum member with no spend goes by %s to %s', (downgrade, tier) => {
    const doc = pointsWith({ tiers: { ...POINTS_DOC.tiers, downgrade } });
    const held = member({ ...noBonus, qualifyingSpend: 0, tier: { id: 'platinum', reviewAt: '2026-12-31T23:00:00.000Z' } });
    expect(earned([doc], [item('x', 'y', 100)], held, Date.parse('2027-01-05T10:00:00Z')).tier).toMatchObject({ before: tier, reviewAt: '2027-12-31T23:00:00.000Z' });
    // Before the review nothing changes.
    expect(earned([doc], [item('x', 'y', 100)], held, Date.parse('2026-12-15T10:00:00Z')).tier?.before).toBe('platinum');
  });

  it('a refund across a tier boundary takes back the upgrade that purchase gave, not more', () => {
    const tiers = Program.parse(POINTS_DOC);
    if (tiers.kind !== 'points' || !tiers.tiers) throw new Error('fixture');
    const t = tiers.tiers;
    expect(tierAfterRefund(t, { held: 'gold', purchaseTierBefore: 'silver', purchaseTierAfter: 'gold', spendAfterRefund: 45_000 })).toBe('silver');
    expect(tierAfterRefund(t, { held: 'gold', purchaseTierBefore: 'silver', purchaseTierAfter: 'gold', spendAfterRefund: 60_000 })).toBe('gold');
    // A later purchase lifted the member further: this refund does not undo that.
    expect(tierAfterRefund(t, { held: 'platinum', purchaseTierBefore: 'silver', purchaseTierAfter: 'gold', spendAfterRefund: 10_000 })).toBe('platinum');
    // The refunded purchase gave no upgrade.
    expect(tierAfterRefund(t, { held: 'gold', purchaseTierBefore: 'gold', purchaseTierAfter: 'gold', spendAfterRefund: 0 })).toBe('gold');
  });
});

describe('discount card', () => {
  const staff = (tier: string | null = null) => member({ purchases: 3, memberships: [{ programId: 'staff-discount', validUntil: null }], tier: { id: tier, reviewAt: null } });

  it('takes 7.5 % off each line, rounded half up, except excluded categories', () => {
    // 19.99 × 7.5 % = 1.49925 → 1.50; tobacco keeps its price
    const quote = earned([DISCOUNT_DOC], [item('wine', 'drinks', 1999), item('cigs', 'tobacco', 800)], staff());
    expect(quote).toMatchObject({ discount: 150, payable: 2649 });
    expect(quote.lines).toEqual([{ rule: 'staff-discount@v1', text: 'Staff discount 7.5% off: -1.50 EUR', amount: -150 }]);
  });

  it('gives a tier its own percentage, and never stacks with another discount', () => {
    expect(earned([POINTS_DOC, DISCOUNT_DOC], [item('wine', 'drinks', 1000)], staff('platinum')).discount).toBe(100); // 10 % by tier, not 5 % + 7.5 %
    const club = member({
      purchases: 3,
      memberships: [{ programId: 'wine-club', validUntil: '2027-06-01T00:00:00.000Z' }],
      tier: { id: 'gold', reviewAt: '2026-12-31T23:00:00.000Z' },
      qualifyingSpend: 60_000,
    });
    const quote = earned([POINTS_DOC, CLUB_DOC], [item('wine', 'drinks', 1000)], club);
    expect(quote.discount).toBe(100); // the club's 10 % beats Gold's 3 %
    expect(quote.lines[0]).toMatchObject({ rule: 'wine-club@v1:benefit' });
  });

  it('does not apply to a card that is not in the program', () => {
    expect(earned([DISCOUNT_DOC], [item('wine', 'drinks', 1000)]).discount).toBe(0);
  });
});

describe('cashback', () => {
  it('puts a share of what was paid into the wallet, down to the cent, capped', () => {
    const quote = earned([plain(), CASHBACK_DOC], [item('wine', 'drinks', 1999), item('card', 'gift_cards', 5000)]);
    expect(quote.cashback).toEqual({ amount: 39, currency: 'EUR' }); // 2 % of 19.99 = 0.3998
    expect(quote.lines.at(-1)).toEqual({ rule: 'cashback@v1', text: 'Cashback 2% back: 0.39 EUR', amount: 39 });
    expect(earned([plain(), CASHBACK_DOC], [item('tv', 'electronics', 200_000)]).cashback).toEqual({ amount: 1000, currency: 'EUR' });
    // A cashback program in EUR gives nothing on a USD basket.
    expect(earned([CASHBACK_DOC], [item('wine', 'drinks', 1999)], member(), NOW, { currency: 'USD' }).cashback).toBeNull();
    expect(fails(() => earned([plain()], [item('wine', 'drinks', 1999)], member(), NOW, { currency: 'USD' })).code).toBe('currency_not_supported');
  });
});

describe('paying from the cashback wallet', () => {
  it('pays part of the basket, earns nothing on it, and refuses more than the wallet or the basket holds', () => {
    const quote = earned([plain(), CASHBACK_DOC], [item('wine', 'drinks', 1000)], member({ walletBalance: 500 }), NOW, { walletPayment: 300 });
    // 7.00 left to pay: 70 points, 2 % cashback = 0.14
    expect(quote).toMatchObject({ walletPaid: 300, payable: 700, pointsEarned: 70, cashback: { amount: 14 } });
    expect(quote.lines[0]).toEqual({ rule: 'wallet:EUR', text: 'Wallet paid 3.00 EUR', amount: -300 });
    expect(fails(() => earned([plain()], [item('wine', 'drinks', 1000)], member({ walletBalance: 200 }), NOW, { walletPayment: 300 }))).toMatchObject({
      code: 'insufficient_wallet',
      details: { available: 200 },
    });
    expect(fails(() => earned([plain()], [item('wine', 'drinks', 1000)], member({ walletBalance: 5000 }), NOW, { walletPayment: 1001 })).code).toBe('wallet_exceeds_payable');
  });
});

describe('clubs and paid memberships', () => {
  const wine = Program.parse(CLUB_DOC);
  const plus = Program.parse(PAID_DOC);
  if (wine.kind !== 'club' || plus.kind !== 'paid_membership') throw new Error('fixtures');
  const active = { status: 'active' as const, customerId: 'cus-1' };

  it.each([
    [active, { programId: 'wine-club', customerId: 'cus-1', validUntil: '2027-01-01T00:00:00.000Z' }, true, 'member'],
    [active, { programId: 'wine-club', customerId: 'cus-1', validUntil: null }, true, 'member'],
    [active, { programId: 'wine-club', customerId: 'cus-1', validUntil: '2026-11-01T00:00:00.000Z' }, false, 'membership_expired'],
    [active, null, false, 'not_a_member'],
    [active, { programId: 'wine-club', customerId: 'cus-2', validUntil: null }, false, 'not_a_member'], // someone else's membership
    [{ status: 'blocked' as const, customerId: 'cus-1' }, { programId: 'wine-club', customerId: 'cus-1', validUntil: null }, false, 'card_blocked'],
    [{ status: 'unlinked' as const, customerId: null }, null, false, 'card_not_registered'],
  ])('entrance for %j with %j → %s (%s)', (card, membership, allowed, reason) => {
    const decision = checkEntrance(wine, card, membership, NOW);
    expect(decision).toMatchObject({ allowed, reason });
    expect(decision.message.length).toBeGreaterThan(5);
  });

  it('a fee buys a period; renewing early extends from the current end', () => {
    expect(membershipExtension(plus, null, NOW).validUntil).toBe('2027-11-22T10:00:00.000Z');
    expect(membershipExtension(plus, '2027-01-31T00:00:00.000Z', NOW).validUntil).toBe('2028-01-31T00:00:00.000Z');
    expect(membershipExtension(plus, '2026-01-31T00:00:00.000Z', NOW).validUntil).toBe('2027-11-22T10:00:00.000Z'); // lapsed: from now
  });

  it('a paid membership’s benefits apply while it is valid', () => {
    const valid = member({ purchases: 3, memberships: [{ programId: 'plus', validUntil: '2027-01-01T00:00:00.000Z' }] });
    expect(earned([plain(), PAID_DOC], [item('wine', 'drinks', 1000)], valid).pointsEarned).toBe(200); // 100 + Plus ×2
    const lapsed = member({ purchases: 3, memberships: [{ programId: 'plus', validUntil: '2026-11-01T00:00:00.000Z' }] });
    expect(earned([plain(), PAID_DOC], [item('wine', 'drinks', 1000)], lapsed).pointsEarned).toBe(100);
  });
});

describe('partner purchases', () => {
  it('earn at the partner’s rate on the whole basket, and nothing else', () => {
    const quote = earned([POINTS_DOC, PARTNER_DOC], [item('fuel', 'fuel', 4999)], member({ purchases: 0, birthday: '1990-11-22' }), NOW, { partnerId: 'fuelco' });
    // 49.99 × 2 per euro = 99.98 → 100 (half up); no welcome or birthday bonus at a partner
    expect(quote).toMatchObject({ pointsEarned: 100, partner: { id: 'fuelco', programId: 'fuel-partner', version: 1 }, earningRule: 'points@v1', tier: null });
    expect(quote.lines).toEqual([{ rule: 'fuel-partner@v1', text: 'FuelCo: 2 points per 1.00 EUR', points: 100 }]);
    expect(fails(() => earned([POINTS_DOC, PARTNER_DOC], [item('fuel', 'fuel', 4999)], member(), NOW, { partnerId: 'nope' })).code).toBe('partner_not_found');
  });
});

describe('bonuses', () => {
  const docs = [POINTS_DOC];
  it('welcome on the first purchase only', () => {
    expect(earned(docs, [item('x', 'y', 1000)], member({ purchases: 0 })).welcomeBonus).toBe(true);
    expect(earned(docs, [item('x', 'y', 1000)], member({ purchases: 0 })).pointsEarned).toBe(200);
    expect(earned(docs, [item('x', 'y', 1000)], member({ purchases: 1 })).pointsEarned).toBe(100);
  });

  it('referral pays both sides on the referred customer’s first purchase', () => {
    const quote = earned(docs, [item('x', 'y', 1000)], member({ purchases: 0, referrerId: 'cus-ref' }));
    expect(quote.referral).toEqual({ referrerId: 'cus-ref', points: 300 });
    expect(quote.pointsEarned).toBe(100 + 100 + 150);
    expect(earned(docs, [item('x', 'y', 1000)], member({ purchases: 1, referrerId: 'cus-ref' })).referral).toBeNull();
  });

  it.each([
    ['1990-11-22', null, '2026-11-22T10:00:00Z', 2026], // on the day
    ['1990-11-29', null, '2026-11-22T10:00:00Z', 2026], // 7 days before
    ['1990-11-30', null, '2026-11-22T10:00:00Z', null], // 8 days before
    ['1990-11-22', 2026, '2026-11-22T10:00:00Z', null], // already given this year
    ['1990-01-02', null, '2026-12-30T10:00:00Z', 2027], // the window crosses New Year
    ['1992-02-29', null, '2027-02-28T10:00:00Z', 2027], // a 29 Feb birthday in a common year
    ['1992-02-29', null, '2028-02-29T10:00:00Z', 2028],
  ])('birthday %s (last given %s) at %s → %s', (birthday, lastYear, now, year) => {
    const quote = earned(docs, [item('x', 'y', 1000)], member({ birthday, birthdayBonusYear: lastYear }), Date.parse(now));
    expect(quote.birthdayBonusYear).toBe(year);
    expect(quote.pointsEarned).toBe(year === null ? 100 : 350);
  });

  it('a 29 Feb birthday with no window is 28 Feb in a common year, not 1 March', () => {
    const doc = pointsWith({ bonuses: { birthday: { points: 250, windowDays: 0 } } });
    expect(earned([doc], [item('x', 'y', 1000)], member({ birthday: '1992-02-29' }), Date.parse('2027-02-28T12:00:00Z')).birthdayBonusYear).toBe(2027);
    expect(earned([doc], [item('x', 'y', 1000)], member({ birthday: '1992-02-29' }), Date.parse('2027-03-01T12:00:00Z')).birthdayBonusYear).toBeNull();
  });
});

describe('promotions', () => {
  const docs = [POINTS_DOC];
  const dairy = [item('milk', 'dairy', 1000)];
  const regular = member({ purchases: 3 });

  it('starts at midnight in the store’s time zone', () => {
    // 2026-12-05T00:00 in Berlin is 2026-12-04T23:00Z
    const before = earned(docs, dairy, regular, Date.parse('2026-12-04T22:59:59Z'));
    const at = earned(docs, dairy, regular, Date.parse('2026-12-04T23:00:00Z'));
    expect(before.pointsEarned).toBe(200); // 100 base + dairy ×2
    expect(at.pointsEarned).toBe(300); // + the promotion's ×2
    expect(at.lines.map((l) => l.rule)).toContain('points@v1:promotion:dairy-weekend');
    // The same document in New York starts five hours later in UTC.
    const ny = ruleSetOf(docs, { timezone: 'America/New_York' });
    expect(evaluate(basket(dairy), regular, ny, Date.parse('2026-12-05T04:59:00Z')).pointsEarned).toBe(200);
    expect(evaluate(basket(dairy), regular, ny, Date.parse('2026-12-05T05:00:00Z')).pointsEarned).toBe(300);
    // It ends (exclusive) at midnight on the 7th.
    expect(earned(docs, dairy, regular, Date.parse('2026-12-06T23:00:00Z')).pointsEarned).toBe(200);
  });

  it('runs on days of week, hours and stores', () => {
    const monday1730 = Date.parse('2026-11-23T16:30:00Z');
    expect(earned(docs, [item('x', 'y', 1000)], regular, monday1730).pointsEarned).toBe(120);
    expect(earned(docs, [item('x', 'y', 1000)], regular, Date.parse('2026-11-23T18:00:00Z')).pointsEarned).toBe(100); // 19:00, ended
    expect(earned(docs, [item('x', 'y', 1000)], regular, Date.parse('2026-11-22T16:30:00Z')).pointsEarned).toBe(100); // Sunday
    expect(earned(docs, [item('x', 'y', 1000)], regular, monday1730, { storeId: 'store-2' }).pointsEarned).toBe(100);
  });
});

describe('program documents', () => {
  it('refuse bad documents with errors that name the field', () => {
    const cases: Array<[unknown, string]> = [
      [{ ...POINTS_DOC, earn: { ...POINTS_DOC.earn, rate: { points: 10, per: 0 } } }, 'earn.rate.per'],
      [{ ...POINTS_DOC, redemption: { pointValue: 1, maxBasketShare: 120 } }, 'redemption.maxBasketShare'],
      [{ ...DISCOUNT_DOC, percent: 7.555 }, 'percent'],
      [
        {
          ...POINTS_DOC,
          tiers: {
            levels: [
              { id: 'a', name: 'A', minSpend: 10 },
              { id: 'b', name: 'B', minSpend: 5 },
            ],
          },
        },
        'tiers.levels.1.minSpend',
      ],
      [{ ...POINTS_DOC, promotions: [{ id: 'p', name: 'P' }] }, 'promotions.0.multiplier'],
      [{ ...POINTS_DOC, expiry: { policy: 'sometimes' } }, 'expiry.policy'],
      [{ ...POINTS_DOC, kind: 'lottery' }, 'kind'],
      [{ ...POINTS_DOC, currency: 'euro' }, 'currency'],
      [{ ...POINTS_DOC, earn: { ...POINTS_DOC.earn, excludedCategories: ['dairy'] } }, 'earn.categoryMultipliers.dairy'],
      [{ ...POINTS_DOC, surprise: true }, ''],
    ];
    for (const [doc, path] of cases) {
      const result = Program.safeParse(doc);
      expect(result.success, path).toBe(false);
      if (!result.success)
        expect(
          result.error.issues.map((i) => i.path.join('.')),
          JSON.stringify(doc).slice(0, 80),
        ).toContain(path);
    }
  });

  it('every fixture document is valid', () => {
    for (const doc of [POINTS_DOC, DISCOUNT_DOC, CASHBACK_DOC, CLUB_DOC, PAID_DOC, PARTNER_DOC]) expect(Program.safeParse(doc).success).toBe(true);
  });
});

describe('docs/programs examples', () => {
  it('every example document in docs/programs/ is valid, and docs/programs.md shows each kind', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = new URL('../../docs/programs/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    const kinds = new Set<string>();
    for (const file of files) {
      const parsed = Program.safeParse(JSON.parse(readFileSync(new URL(file, dir), 'utf8')));
      expect(parsed.success, `${file}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues[0])}`).toBe(true);
      if (parsed.success) kinds.add(parsed.data.kind);
    }
    expect([...kinds].sort()).toEqual(['cashback', 'club', 'discount', 'paid_membership', 'partner', 'points']);
    const guide = readFileSync(new URL('../../docs/programs.md', import.meta.url), 'utf8');
    for (const file of files) expect(guide, file).toContain(JSON.parse(readFileSync(new URL(file, dir), 'utf8')).id);
  });
});

describe('store-local time', () => {
  it('resolves wall-clock times across daylight-saving changes like Temporal’s compatible mode', async () => {
    const { instantOf, localParts } = await import('@loyalty/protocol');
    // 02:30 on 29 March 2026 does not exist in Berlin: moved forward by the gap, to 03:30 CEST.
    expect(new Date(instantOf(2026, 3, 29, 2, 30, 'Europe/Berlin')).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    // 02:30 on 25 October 2026 happens twice: the first one (CEST).
    expect(new Date(instantOf(2026, 10, 25, 2, 30, 'Europe/Berlin')).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(new Date(instantOf(2026, 7, 1, 0, 0, 'America/New_York')).toISOString()).toBe('2026-07-01T04:00:00.000Z');
    expect(localParts(Date.parse('2026-11-22T23:30:00Z'), 'Asia/Tokyo')).toMatchObject({ year: 2026, month: 11, day: 23, hour: 8, weekday: 1 });
  });

  it('reads the wall clock as Intl does at any instant, around transitions and in odd offsets (offsets are kept per minute)', async () => {
    const { localParts } = await import('@loyalty/protocol');
    const fc = (await import('fast-check')).default;
    const zones = ['Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Europe/Moscow', 'America/St_Johns', 'Pacific/Chatham', 'UTC'];
    const reference = (ms: number, timeZone: string) => {
      const parts = Object.fromEntries(
        new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short' })
          .formatToParts(new Date(ms))
          .filter((p) => p.type !== 'literal')
          .map((p) => [p.type, p.value]),
      );
      const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday!) + 1;
      return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour), minute: Number(parts.minute), weekday };
    };
    // Minutes around the 2026 transitions of these zones, and anywhere from 1990 to 2060.
    const transitions = ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z', '2026-04-04T15:00:00Z', '2026-10-03T15:30:00Z'].map(Date.parse);
    const instant = fc.oneof(
      fc.tuple(fc.constantFrom(...transitions), fc.integer({ min: -90, max: 90 }), fc.integer({ min: 0, max: 59_999 })).map(([t, minutes, ms]) => t + minutes * 60_000 + ms),
      fc.integer({ min: Date.parse('1990-01-01T00:00:00Z'), max: Date.parse('2060-01-01T00:00:00Z') }),
    );
    fc.assert(
      fc.property(instant, fc.constantFrom(...zones), (ms, zone) => {
        expect(localParts(ms, zone)).toEqual(reference(ms, zone));
        // Asked again (now from the kept offset): the same answer.
        expect(localParts(ms, zone)).toEqual(reference(ms, zone));
      }),
      { numRuns: 3000 },
    );
  });
});
