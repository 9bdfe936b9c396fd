/**
 * Properties of the evaluator over random baskets, members and instants (docs/programs.md): more money
 * never earns fewer points, excluded categories never earn, caps hold, the receipt lines add up,
 * and the same inputs always give the same answer without being changed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, type Basket, type MemberSnapshot } from '@loyalty/protocol';
import { ALL_DOCS, POINTS_DOC, ruleSetOf } from '../support/programs.js';

const RULES = ruleSetOf(ALL_DOCS);
const CATEGORIES = ['dairy', 'produce', 'bakery', 'drinks', 'tobacco', 'gift_cards', 'electronics'] as const;
const EXCLUDED: readonly string[] = POINTS_DOC.earn.excludedCategories;

const itemArb = fc.record({
  sku: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
  category: fc.constantFrom(...CATEGORIES),
  quantity: fc.integer({ min: 1, max: 20 }),
  unitPrice: fc.integer({ min: 0, max: 200_000 }),
});
const basketArb = fc.record({ storeId: fc.constantFrom('store-1', 'store-2'), currency: fc.constant('EUR'), items: fc.array(itemArb, { minLength: 1, maxLength: 8 }) });
const instantArb = fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2028-12-31T00:00:00Z') });
const memberArb: fc.Arbitrary<MemberSnapshot> = fc.record({
  cardProgramId: fc.constant('points'),
  availablePoints: fc.integer({ min: 0, max: 100_000 }),
  tier: fc.record({ id: fc.constantFrom(null, 'silver', 'gold', 'platinum'), reviewAt: fc.constantFrom(null, '2026-12-31T23:00:00.000Z', '2027-12-31T23:00:00.000Z') }),
  qualifyingSpend: fc.integer({ min: 0, max: 300_000 }),
  purchases: fc.integer({ min: 0, max: 3 }),
  birthday: fc.constantFrom(null, '1990-02-28', '1992-02-29', '1985-07-14'),
  birthdayBonusYear: fc.constantFrom(null, 2026, 2027),
  referrerId: fc.constantFrom(null, 'cus-ref'),
  memberships: fc.subarray([
    { programId: 'staff-discount', validUntil: null },
    { programId: 'wine-club', validUntil: '2027-06-01T00:00:00.000Z' },
    { programId: 'plus', validUntil: '2028-01-01T00:00:00.000Z' },
  ]),
  earnedToday: fc.integer({ min: 0, max: 9000 }),
});
/** A member who gets no one-off bonus, so every point comes from the purchase itself. */
const regularArb = memberArb.map((m) => ({ ...m, purchases: 1 + m.purchases, birthday: null }));

const purchasePoints = (basket: Basket, m: MemberSnapshot, now: number) => evaluate(basket, m, RULES, now).pointsEarned;

describe('evaluator properties', () => {
  it('never gives fewer points when only an amount grows', () => {
    fc.assert(
      fc.property(basketArb, memberArb, instantArb, fc.nat(), fc.integer({ min: 1, max: 50_000 }), fc.boolean(), (basket, m, now, pick, extra, growQuantity) => {
        const index = pick % basket.items.length;
        const grown = structuredClone(basket);
        if (growQuantity) grown.items[index]!.quantity += 1;
        else grown.items[index]!.unitPrice += extra;
        expect(purchasePoints(grown, m, now)).toBeGreaterThanOrEqual(purchasePoints(basket, m, now));
      }),
      { numRuns: 2000 },
    );
  });

  it('never earns on excluded categories', () => {
    fc.assert(
      fc.property(basketArb, regularArb, instantArb, fc.constantFrom(...EXCLUDED), fc.integer({ min: 1, max: 500_000 }), (basket, m, now, category, price) => {
        const onlyExcluded = { ...basket, items: basket.items.map((i) => ({ ...i, category: EXCLUDED[i.quantity % EXCLUDED.length]! })) };
        expect(purchasePoints(onlyExcluded, m, now)).toBe(0);
        // Adding an excluded line to any basket changes no points.
        const withExcluded = { ...basket, items: [...basket.items, { sku: 'x', category, quantity: 1, unitPrice: price }] };
        expect(purchasePoints(withExcluded, m, now)).toBe(purchasePoints(basket, m, now));
      }),
      { numRuns: 1000 },
    );
  });

  it('never exceeds the per-purchase or per-day cap', () => {
    const { perPurchase, perDay } = POINTS_DOC.earn.caps;
    fc.assert(
      fc.property(basketArb, regularArb, instantArb, (basket, m, now) => {
        const points = purchasePoints(basket, m, now);
        expect(points).toBeLessThanOrEqual(perPurchase);
        expect(points).toBeLessThanOrEqual(Math.max(0, perDay - m.earnedToday));
      }),
      { numRuns: 2000 },
    );
  });

  it('is deterministic, leaves its inputs alone, and its lines add up', () => {
    fc.assert(
      fc.property(basketArb, memberArb, instantArb, fc.integer({ min: 0, max: 100 }), (basket, m, now, redeemPercent) => {
        const first = evaluate(basket, m, RULES, now);
        const wanted = Math.floor((first.pointsRedeemable * redeemPercent) / 100);
        const request = { ...basket, redeemPoints: wanted >= POINTS_DOC.redemption.minimumPoints ? wanted : 0 };
        const frozen = structuredClone({ request, m, RULES });
        const a = evaluate(request, m, RULES, now);
        const b = evaluate(structuredClone(request), structuredClone(m), structuredClone(RULES), now);
        expect(b).toEqual(a);
        expect({ request, m, RULES }).toEqual(frozen);
        // Every point and every cent on the receipt is accounted for by a line.
        const linePoints = a.lines.reduce((sum, l) => sum + (l.points ?? 0), 0);
        expect(linePoints).toBe(a.pointsEarned - a.pointsRedeemed);
        expect(a.subtotal - a.discount - a.redemptionValue - a.walletPaid).toBe(a.payable);
        expect(a.items.reduce((s, i) => s + i.paid, 0)).toBe(a.payable);
        expect(a.lots.reduce((s, l) => s + l.points, 0)).toBe(a.pointsEarned);
        expect(Number.isInteger(a.pointsEarned) && a.pointsEarned >= 0).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
