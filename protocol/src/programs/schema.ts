/**
 * Loyalty programs as data (docs/programs.md). An operator writes a program document, the
 * gateway validates it with these schemas, versions it and publishes it signed to the stores'
 * kiosks; the evaluator (evaluate.ts) reads nothing else. Percentages and multipliers are
 * written as people write them (7.5, 1.5) and held as integers (basis points, hundredths) so the
 * evaluator never does floating-point arithmetic. Every field error names its path.
 */
import { z } from 'zod';

const Id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'use 1-64 lower-case letters, digits, - or _');
const Category = z.string().min(1).max(64);
const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR');
const Points = z.number().int('points are whole numbers').min(0).max(1_000_000_000);
const Minor = z.number().int('money is integer minor units (cents)').min(0).max(1_000_000_000_000);

/** True when x has at most two decimals (7.5, 12.25), so x * 100 is an exact integer. */
function hasTwoDecimals(x: number): boolean {
  return Math.abs(x * 100 - Math.round(x * 100)) < 1e-6;
}

/** A percentage 0-100 with at most two decimals, held as basis points (7.5 → 750). */
export const Percent = z
  .number()
  .min(0, 'a percentage is 0-100')
  .max(100, 'a percentage is 0-100')
  .refine(hasTwoDecimals, 'at most two decimals')
  .transform((p) => Math.round(p * 100));

/** A points multiplier 0-10 with at most two decimals, held in hundredths (1.5 → 150). */
export const Multiplier = z
  .number()
  .min(0, 'a multiplier is 0-10')
  .max(10, 'a multiplier is 0-10')
  .refine(hasTwoDecimals, 'at most two decimals')
  .transform((m) => Math.round(m * 100));

/** A multiplier that only adds (≥ 1): tiers, memberships and promotions never take points away. */
const BonusMultiplier = Multiplier.refine((m) => m >= 100, 'a bonus multiplier is at least 1');

/** How a fractional result becomes whole points. */
export const Rounding = z.enum(['floor', 'half_up', 'ceil']);
export type Rounding = z.infer<typeof Rounding>;

const LocalDateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'a local date and time like 2026-12-05T00:00 (store time zone)');
const LocalTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a local time like 08:30');

export const Expiry = z.discriminatedUnion('policy', [
  z.strictObject({ policy: z.literal('never') }),
  z.strictObject({ policy: z.literal('days_after_earning'), days: z.number().int().min(1).max(36_500) }),
  /** at the end of the month the points were earned in, or `monthsAfter` months later */
  z.strictObject({ policy: z.literal('end_of_month'), monthsAfter: z.number().int().min(0).max(120).default(0) }),
  z.strictObject({ policy: z.literal('end_of_year'), yearsAfter: z.number().int().min(0).max(10).default(0) }),
]);
export type Expiry = z.infer<typeof Expiry>;

/** `points` points for every `per` minor units (10 points per 100 cents = 10 per euro). */
export const EarnRate = z.strictObject({
  points: z.number().int().min(0).max(10_000),
  per: z.number().int().min(1).max(1_000_000),
  rounding: Rounding.default('floor'),
});

export const Benefits = z.strictObject({
  discountPercent: Percent.optional(),
  earnMultiplier: BonusMultiplier.optional(),
  /** lines the discount does not apply to (gift cards, tobacco, deposits, …) */
  discountExcludedCategories: z.array(z.string().min(1).max(64)).max(100).default([]),
});
export type Benefits = z.infer<typeof Benefits>;

export const TierLevel = z.strictObject({
  id: Id,
  name: z.string().min(1).max(40),
  /** qualifying spend over the window, minor units of the program's currency */
  minSpend: Minor,
  benefits: Benefits.prefault({}),
});

export const Tiers = z
  .strictObject({
    windowDays: z.number().int().min(1).max(3660).default(365),
    /** when held tiers are reviewed and may go down */
    review: z.enum(['end_of_month', 'end_of_quarter', 'end_of_year']).default('end_of_year'),
    /** at a review: drop to what the spend qualifies for, at most one level, or never */
    downgrade: z.enum(['to_qualified', 'one_level', 'never']).default('one_level'),
    levels: z.array(TierLevel).min(1).max(10),
  })
  .superRefine((tiers, ctx) => {
    tiers.levels.forEach((level, i) => {
      if (i > 0 && level.minSpend <= tiers.levels[i - 1]!.minSpend) {
        ctx.addIssue({ code: 'custom', path: ['levels', i, 'minSpend'], message: 'levels go from the lowest to the highest minSpend, each higher than the one before' });
      }
    });
    const ids = tiers.levels.map((l) => l.id);
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: ['levels', i, 'id'], message: `tier id ${id} is used twice` });
    });
  });
export type Tiers = z.infer<typeof Tiers>;

export const Promotion = z
  .strictObject({
    id: Id,
    name: z.string().min(1).max(60),
    /** local time in the store's zone; from inclusive, until exclusive */
    from: LocalDateTime.optional(),
    until: LocalDateTime.optional(),
    /** ISO days of week, 1 = Monday … 7 = Sunday */
    daysOfWeek: z.array(z.number().int().min(1).max(7)).min(1).max(7).optional(),
    hours: z.strictObject({ from: LocalTime, to: LocalTime }).optional(),
    stores: z.array(z.string().min(1).max(64)).min(1).optional(),
    /** the lines it applies to; every line when absent */
    categories: z.array(Category).min(1).optional(),
    multiplier: BonusMultiplier.optional(),
    bonusPoints: z.number().int().min(1).max(1_000_000).optional(),
    /** for members of this segment only (docs/segments.md): a personal offer */
    segment: Id.optional(),
  })
  .refine((p) => p.multiplier !== undefined || p.bonusPoints !== undefined, { message: 'a promotion gives a multiplier, bonusPoints or both', path: ['multiplier'] })
  .refine((p) => !p.from || !p.until || p.from < p.until, { message: 'until must be after from', path: ['until'] });
export type Promotion = z.infer<typeof Promotion>;

export const Reward = z.strictObject({
  id: Id,
  name: z.string().min(1).max(60),
  points: z.number().int().min(1).max(1_000_000_000),
  /** what the coupon is worth at the till, when it is money off */
  value: z.strictObject({ amount: Minor, currency: Currency }).optional(),
  couponValidDays: z.number().int().min(1).max(3660).default(30),
});
export type Reward = z.infer<typeof Reward>;

/** Who a program applies to: cards issued in it and members (default), or every card at its stores. */
const OpenTo = z.enum(['members', 'all_cards']).default('members');

const Common = {
  id: Id,
  name: z.string().min(1).max(80),
  description: z.string().max(500).optional(),
  openTo: OpenTo,
};

/**
 * Points a kiosk may pay out while it cannot reach the gateway (docs/offline.md): in all per card
 * while its token is valid, and per redemption. Absent from a program: no offline redemption.
 */
export const OfflineRedemption = z.strictObject({
  perCardPoints: Points,
  perTransactionPoints: Points,
  /** how long a card token stays good for after its card was last seen online */
  tokenValidHours: z.number().int().min(1).max(720).default(24),
});
export type OfflineRedemption = z.infer<typeof OfflineRedemption>;

export const PointsProgram = z
  .strictObject({
    ...Common,
    kind: z.literal('points'),
    currency: Currency,
    earn: z.strictObject({
      rate: EarnRate,
      /** a line in a listed category earns at rate × multiplier (0 = no points, 2 = double) */
      categoryMultipliers: z.record(Category, Multiplier).default({}),
      /** gift cards, tobacco, deposits, …: never earn */
      excludedCategories: z.array(Category).max(100).default([]),
      /** no points at all under this much eligible spend */
      minimumPurchase: Minor.default(0),
      caps: z.strictObject({ perPurchase: Points.optional(), perDay: Points.optional() }).default({}),
    }),
    redemption: z
      .strictObject({
        /** what one point pays, minor units */
        pointValue: z.number().int().min(1).max(1_000_000),
        minimumPoints: Points.default(0),
        /** the largest share of the basket points may pay */
        maxBasketShare: Percent.default(100),
        /** above this many points, a redemption at a kiosk waits for the SMS code sent to the card owner's phone */
        confirmAbove: Points.optional(),
        offline: OfflineRedemption.optional(),
      })
      .optional(),
    expiry: Expiry.default({ policy: 'never' }),
    tiers: Tiers.optional(),
    bonuses: z
      .strictObject({
        /** on the customer's first purchase */
        welcome: z.strictObject({ points: z.number().int().min(1).max(1_000_000) }).optional(),
        /** once a year, on a purchase within windowDays of the birthday (29 Feb → 28 Feb) */
        birthday: z.strictObject({ points: z.number().int().min(1).max(1_000_000), windowDays: z.number().int().min(0).max(31).default(7) }).optional(),
        /** both sides, on the referred customer's first purchase */
        referral: z.strictObject({ referrerPoints: z.number().int().min(0).max(1_000_000), refereePoints: z.number().int().min(0).max(1_000_000) }).optional(),
      })
      .default({}),
    promotions: z.array(Promotion).max(50).default([]),
    rewards: z.array(Reward).max(200).default([]),
  })
  .superRefine((program, ctx) => {
    for (const category of Object.keys(program.earn.categoryMultipliers)) {
      if (program.earn.excludedCategories.includes(category)) {
        ctx.addIssue({ code: 'custom', path: ['earn', 'categoryMultipliers', category], message: `${category} is also excluded; list it in one place` });
      }
    }
    uniqueIds(program.promotions, ['promotions'], ctx);
    uniqueIds(program.rewards, ['rewards'], ctx);
  });

export const DiscountProgram = z.strictObject({
  ...Common,
  kind: z.literal('discount'),
  percent: Percent,
  /** a different percentage for members of a tier (tier ids of the member's points program) */
  byTier: z.record(Id, Percent).default({}),
  excludedCategories: z.array(Category).max(100).default([]),
});

export const CashbackProgram = z.strictObject({
  ...Common,
  kind: z.literal('cashback'),
  currency: Currency,
  percent: Percent,
  excludedCategories: z.array(Category).max(100).default([]),
  minimumPurchase: Minor.default(0),
  maxPerPurchase: Minor.optional(),
});

export const ClubProgram = z.strictObject({
  ...Common,
  kind: z.literal('club'),
  /** how long a membership lasts from joining; open-ended when absent */
  validityMonths: z.number().int().min(1).max(120).optional(),
  benefits: Benefits.prefault({}),
});

export const PaidMembershipProgram = z.strictObject({
  ...Common,
  kind: z.literal('paid_membership'),
  fee: z.strictObject({ amount: Minor.refine((a) => a > 0, 'a fee is more than 0'), currency: Currency }),
  periodMonths: z.number().int().min(1).max(60),
  benefits: Benefits.prefault({}),
});

export const PartnerProgram = z.strictObject({
  ...Common,
  kind: z.literal('partner'),
  partner: z.strictObject({ id: Id, name: z.string().min(1).max(80) }),
  /** the points program whose accounts the partner's purchases earn into */
  earnsInto: Id,
  rate: EarnRate,
});

export const Program = z.discriminatedUnion('kind', [PointsProgram, DiscountProgram, CashbackProgram, ClubProgram, PaidMembershipProgram, PartnerProgram]);
export type Program = z.infer<typeof Program>;
/** A program document as written (percentages as 7.5, before the schema holds them as integers). */
export type ProgramInput = z.input<typeof Program>;
export type PointsProgram = z.infer<typeof PointsProgram>;
export type DiscountProgram = z.infer<typeof DiscountProgram>;
export type CashbackProgram = z.infer<typeof CashbackProgram>;
export type ClubProgram = z.infer<typeof ClubProgram>;
export type PaidMembershipProgram = z.infer<typeof PaidMembershipProgram>;
export type PartnerProgram = z.infer<typeof PartnerProgram>;
export type ProgramKind = Program['kind'];
export type MembershipProgram = ClubProgram | PaidMembershipProgram;

/**
 * A published program: the document as the operator wrote it, and its version. The bundle carries
 * the written form so a kiosk re-validates exactly what the gateway signed; `parseProgram` turns
 * it into the integer form the evaluator reads.
 */
export const PublishedProgram = z.strictObject({
  version: z.number().int().min(1),
  document: z.record(z.string(), z.unknown()),
});
export type PublishedProgram = z.infer<typeof PublishedProgram>;

function uniqueIds(list: Array<{ id: string }>, path: string[], ctx: z.RefinementCtx): void {
  const ids = list.map((x) => x.id);
  ids.forEach((id, i) => {
    if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: [...path, i, 'id'], message: `id ${id} is used twice` });
  });
}

/**
 * A member as the evaluator sees them (evaluate.ts MemberSnapshot), on the wire: in the identify
 * reply (so a kiosk can say what a receipt will earn) and in an operator's what-if quote. A kiosk
 * gets no personal data it does not need: the birthday without its year (as 2000-MM-DD) and the
 * referrer as a marker, not an id.
 */
export const MemberSnapshotSchema = z.strictObject({
  cardProgramId: z.string().min(1).max(64),
  availablePoints: z.number().int().min(0).max(1e12),
  tier: z.strictObject({ id: z.string().max(64).nullable(), reviewAt: z.string().datetime().nullable() }),
  qualifyingSpend: z.number().int().min(0).max(1e13),
  purchases: z.number().int().min(0),
  birthday: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'YYYY-MM-DD')
    .nullable(),
  birthdayBonusYear: z.number().int().nullable(),
  referrerId: z.string().max(64).nullable(),
  memberships: z.array(z.strictObject({ programId: z.string().max(64), validUntil: z.string().datetime().nullable() })).max(50),
  earnedToday: z.number().int().min(0),
  walletBalance: z.number().int().min(0).optional(),
  segments: z.array(z.string().max(64)).max(100).optional(),
});
