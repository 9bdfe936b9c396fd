/**
 * The inputs of the golden scenarios (docs/programs.md): baskets × members × moments chosen to hit every
 * program kind and option, including refusals. Their expected quotes live in
 * test/golden/evaluator.golden.json.
 */
import type { Basket, MemberSnapshot } from '@loyalty/protocol';
import { item, member } from './programs.js';

export interface GoldenScenario {
  name: string;
  at: string;
  basket: Basket;
  member: MemberSnapshot;
}

const basket = (items: Basket['items'], extra: Partial<Basket> = {}): Basket => ({ storeId: 'store-1', currency: 'EUR', items, ...extra });

const BASKETS: Record<string, Basket> = {
  groceries: basket([item('bread', 'bakery', 249), item('milk', 'dairy', 129, 2), item('apples', 'produce', 399)]),
  excluded: basket([item('cigs', 'tobacco', 850), item('voucher', 'gift_cards', 5000), item('wine', 'drinks', 1299)]),
  tiny: basket([item('gum', 'sweets', 99)]),
  electronics: basket([item('tv', 'electronics', 99_900)]),
  dairy: basket([item('cheese', 'dairy', 459, 3), item('yogurt', 'dairy', 79, 6)]),
  partner: basket([item('fuel', 'fuel', 6543)], { partnerId: 'fuelco' }),
  paysWithPoints: basket([item('wine', 'drinks', 2000)], { redeemPoints: 300 }),
  paysTooMuch: basket([item('wine', 'drinks', 2000)], { redeemPoints: 1500 }),
  thirds: basket([item('a', 'bakery', 333), item('b', 'bakery', 333), item('c', 'bakery', 334)]),
  freeItem: basket([item('bag', 'bakery', 0), item('roll', 'bakery', 100)]),
};

const WEDNESDAY = '2026-11-18T10:00:00.000Z';
const DAIRY_WEEKEND = '2026-12-05T12:00:00.000Z';
const HAPPY_HOUR = '2026-11-23T16:30:00.000Z';
const AFTER_REVIEW = '2027-01-10T10:00:00.000Z';

const MEMBERS: Array<[string, MemberSnapshot, string]> = [
  ['new', member({ purchases: 0 }), WEDNESDAY],
  ['silver', member({ purchases: 5, qualifyingSpend: 10_000, availablePoints: 800, tier: { id: 'silver', reviewAt: '2026-12-31T23:00:00.000Z' } }), DAIRY_WEEKEND],
  ['gold', member({ purchases: 9, qualifyingSpend: 60_000, availablePoints: 5000, tier: { id: 'gold', reviewAt: '2026-12-31T23:00:00.000Z' } }), HAPPY_HOUR],
  ['platinum-lapsing', member({ purchases: 40, qualifyingSpend: 20_000, availablePoints: 2000, tier: { id: 'platinum', reviewAt: '2026-12-31T23:00:00.000Z' } }), AFTER_REVIEW],
  [
    'club-staff-birthday',
    member({
      purchases: 3,
      birthday: '1990-11-20',
      availablePoints: 400,
      memberships: [
        { programId: 'staff-discount', validUntil: null },
        { programId: 'wine-club', validUntil: '2027-06-01T00:00:00.000Z' },
        { programId: 'plus', validUntil: '2027-11-01T00:00:00.000Z' },
      ],
    }),
    WEDNESDAY,
  ],
  ['referred-capped', member({ purchases: 0, referrerId: 'cus-referrer', earnedToday: 7900, availablePoints: 300 }), DAIRY_WEEKEND],
  // Personal offers (docs/segments.md): in the segment a promotion targets, and outside it.
  ['lapsed', member({ purchases: 12, qualifyingSpend: 4000, availablePoints: 900, segments: ['lapsed'] }), DAIRY_WEEKEND],
  ['regular', member({ purchases: 12, qualifyingSpend: 4000, availablePoints: 900, segments: [] }), DAIRY_WEEKEND],
];

export const GOLDEN_SCENARIOS: GoldenScenario[] = Object.entries(BASKETS).flatMap(([basketName, b]) =>
  MEMBERS.map(([memberName, m, at]) => ({ name: `${basketName} / ${memberName}`, at, basket: b, member: m })),
);
