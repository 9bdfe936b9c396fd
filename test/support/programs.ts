/**
 * Program documents and helpers shared by the evaluator's tests, the golden scenarios and the
 * gateway tests. The documents are written as an operator writes them (percentages as 7.5).
 */
import { Program, type MemberSnapshot, type ProgramInput, type RuleSet, type SegmentInput } from '@loyalty/protocol';

export const POINTS_DOC = {
  kind: 'points',
  id: 'points',
  name: 'Store Points',
  currency: 'EUR',
  earn: {
    rate: { points: 10, per: 100, rounding: 'floor' },
    categoryMultipliers: { dairy: 2, produce: 0.5 },
    excludedCategories: ['tobacco', 'gift_cards'],
    minimumPurchase: 100,
    caps: { perPurchase: 5000, perDay: 8000 },
  },
  redemption: { pointValue: 1, minimumPoints: 50, maxBasketShare: 50 },
  expiry: { policy: 'end_of_month', monthsAfter: 11 },
  tiers: {
    windowDays: 365,
    review: 'end_of_year',
    downgrade: 'one_level',
    levels: [
      { id: 'silver', name: 'Silver', minSpend: 0 },
      { id: 'gold', name: 'Gold', minSpend: 50_000, benefits: { discountPercent: 3, earnMultiplier: 1.5, discountExcludedCategories: ['gift_cards'] } },
      { id: 'platinum', name: 'Platinum', minSpend: 150_000, benefits: { discountPercent: 5, earnMultiplier: 2 } },
    ],
  },
  bonuses: { welcome: { points: 100 }, birthday: { points: 250, windowDays: 7 }, referral: { referrerPoints: 300, refereePoints: 150 } },
  promotions: [
    { id: 'dairy-weekend', name: 'Double dairy weekend', from: '2026-12-05T00:00', until: '2026-12-07T00:00', categories: ['dairy'], multiplier: 2 },
    { id: 'happy-hour', name: 'Happy hour', daysOfWeek: [1, 2, 3, 4, 5], hours: { from: '17:00', to: '19:00' }, stores: ['store-1'], bonusPoints: 20 },
  ],
  rewards: [
    { id: 'coffee', name: 'Free coffee', points: 500, couponValidDays: 14 },
    { id: 'five-off', name: '5 EUR off', points: 1000, value: { amount: 500, currency: 'EUR' } },
  ],
} as const satisfies ProgramInput;

/**
 * POINTS_DOC without its promotions, which run on certain hours and dates (a weekday happy hour
 * in store-1, a dated weekend): for tests that run on the wall clock and expect exact points,
 * whenever CI runs them.
 */
export const POINTS_DOC_ANY_TIME = { ...POINTS_DOC, promotions: [] } as const satisfies ProgramInput;

export const DISCOUNT_DOC = { kind: 'discount', id: 'staff-discount', name: 'Staff discount', percent: 7.5, byTier: { platinum: 10 }, excludedCategories: ['tobacco'] } as const satisfies ProgramInput;
export const CASHBACK_DOC = {
  kind: 'cashback',
  id: 'cashback',
  name: 'Cashback',
  openTo: 'all_cards',
  currency: 'EUR',
  percent: 2,
  excludedCategories: ['gift_cards'],
  maxPerPurchase: 1000,
} as const satisfies ProgramInput;
export const CLUB_DOC = {
  kind: 'club',
  id: 'wine-club',
  name: 'Wine Club',
  validityMonths: 12,
  benefits: { discountPercent: 10, discountExcludedCategories: ['tobacco', 'gift_cards'] },
} as const satisfies ProgramInput;
export const PAID_DOC = {
  kind: 'paid_membership',
  id: 'plus',
  name: 'Plus',
  fee: { amount: 2999, currency: 'EUR' },
  periodMonths: 12,
  benefits: { earnMultiplier: 2 },
} as const satisfies ProgramInput;
export const PARTNER_DOC = {
  kind: 'partner',
  id: 'fuel-partner',
  name: 'Fuel partner',
  partner: { id: 'fuelco', name: 'FuelCo' },
  earnsInto: 'points',
  rate: { points: 2, per: 100, rounding: 'half_up' },
} as const satisfies ProgramInput;

export const ALL_DOCS: ProgramInput[] = [POINTS_DOC, DISCOUNT_DOC, CASHBACK_DOC, CLUB_DOC, PAID_DOC, PARTNER_DOC];

/** A rule set from written documents, as a kiosk would build it from a bundle. */
export function ruleSetOf(docs: ProgramInput[], options: { timezone?: string; storeId?: string; version?: number } = {}): RuleSet {
  return {
    version: options.version ?? 1,
    storeId: options.storeId ?? 'store-1',
    timezone: options.timezone ?? 'Europe/Berlin',
    programs: docs.map((doc) => ({ version: 1, program: Program.parse(doc) })),
  };
}

/** A points document with some fields replaced (deeply for `earn`). */
export function pointsWith(changes: Record<string, unknown>): ProgramInput {
  return { ...POINTS_DOC, ...changes } as ProgramInput;
}

export function member(overrides: Partial<MemberSnapshot> = {}): MemberSnapshot {
  return {
    cardProgramId: 'points',
    availablePoints: 0,
    tier: { id: null, reviewAt: null },
    qualifyingSpend: 0,
    purchases: 5,
    birthday: null,
    birthdayBonusYear: null,
    referrerId: null,
    memberships: [],
    earnedToday: 0,
    ...overrides,
  };
}

export const item = (sku: string, category: string, unitPrice: number, quantity = 1) => ({ sku, category, unitPrice, quantity });

/** Segments the golden scenarios' programs target (docs/segments.md): defined before the programs are stored. */
export const GOLDEN_SEGMENTS: SegmentInput[] = [{ id: 'lapsed', name: 'Not seen for 90 days', rules: [{ kind: 'days_since_last_purchase', min: 90 }] }];

/** The golden scenarios' programs: the points program with a personal offer for lapsed members besides. */
export const GOLDEN_DOCS: ProgramInput[] = [
  pointsWith({
    promotions: [...POINTS_DOC.promotions, { id: 'welcome-back', name: 'Welcome back: double points', multiplier: 2, segment: 'lapsed', categories: ['bakery', 'dairy', 'drinks'] }],
  }),
  ...ALL_DOCS.slice(1),
];
