/**
 * Segments (docs/segments.md): groups of members an operator defines as data, for promotions
 * meant for them ("double points on dairy for you until Sunday"). A segment is a list of rules
 * that must all hold. The gateway decides who is in a segment from the ledger; the evaluator only
 * reads the member snapshot's `segments`, so it stays pure and a kiosk computes a personal offer
 * offline exactly as the gateway does.
 */
import { z } from 'zod';
import { promotionRunning } from './calendar.js';
import { earningProgram, type MemberSnapshot, type RuleSet } from './evaluate.js';
import type { Promotion } from './schema.js';

export const SEGMENT_SCHEMA_VERSION = 1;

const SegmentId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'use 1-64 lower-case letters, digits, - or _');
const Days = z.number().int().min(1).max(3650);
const Count = z.number().int().min(0).max(1_000_000_000);
const Ids = z.array(z.string().min(1).max(64)).min(1).max(100);
const range = <T extends { min?: number; max?: number }>(r: T) => r.min !== undefined || r.max !== undefined;
const RANGE = { message: 'give min, max or both', path: ['min'] };
const ordered = <T extends { min?: number; max?: number }>(r: T) => r.min === undefined || r.max === undefined || r.min <= r.max;
const ORDERED = { message: 'min must not be above max', path: ['max'] };

export const SegmentRule = z.discriminatedUnion('kind', [
  /** born in one of these months (1 = January) */
  z.strictObject({ kind: z.literal('birthday_month'), months: z.array(z.number().int().min(1).max(12)).min(1).max(12) }),
  /** days since the last purchase (a member who never bought is not in it) */
  z
    .strictObject({ kind: z.literal('days_since_last_purchase'), min: Count.optional(), max: Count.optional() })
    .refine(range, RANGE)
    .refine(ordered, ORDERED),
  /** money paid over the last windowDays, minor units */
  z
    .strictObject({ kind: z.literal('spend'), windowDays: Days, min: Count.optional(), max: Count.optional() })
    .refine(range, RANGE)
    .refine(ordered, ORDERED),
  /** purchases over the last windowDays */
  z
    .strictObject({ kind: z.literal('visits'), windowDays: Days, min: Count.optional(), max: Count.optional() })
    .refine(range, RANGE)
    .refine(ordered, ORDERED),
  /** holds one of these tiers (ids of the card's points program) */
  z.strictObject({ kind: z.literal('tier'), tiers: Ids }),
  /** the home store is one of these: where the member bought most over the last year (the latest on a tie) */
  z.strictObject({ kind: z.literal('home_store'), stores: Ids }),
  /** bought a line of one of these categories over the last windowDays */
  z.strictObject({ kind: z.literal('categories_bought'), categories: Ids, windowDays: Days }),
  /** a membership in force in one of these programs (clubs, paid memberships) */
  z.strictObject({ kind: z.literal('membership'), programs: Ids }),
]);
export type SegmentRule = z.infer<typeof SegmentRule>;

export const Segment = z.strictObject({
  schemaVersion: z.literal(SEGMENT_SCHEMA_VERSION).default(SEGMENT_SCHEMA_VERSION),
  id: SegmentId,
  name: z.string().min(1).max(60),
  description: z.string().max(500).optional(),
  /** every rule must hold */
  rules: z.array(SegmentRule).min(1).max(20),
});
export type Segment = z.infer<typeof Segment>;
export type SegmentInput = z.input<typeof Segment>;

/** Whether a promotion is for this member: everyone's, or meant for a segment the member is in. */
export function promotionFor(promotion: Promotion, member: Pick<MemberSnapshot, 'segments'>): boolean {
  return promotion.segment === undefined || (member.segments ?? []).includes(promotion.segment);
}

const targetedByRules = new WeakMap<RuleSet, string[]>();

/** The segments a rule set's programs target: what a member snapshot must say about the member. */
export function segmentsTargeted(rules: RuleSet): string[] {
  // Asked at every tap and purchase; a rule set never changes once parsed.
  let cached = targetedByRules.get(rules);
  if (!cached) {
    const ids = new Set<string>();
    for (const { program } of rules.programs) {
      if (program.kind !== 'points') continue;
      for (const promotion of program.promotions) if (promotion.segment) ids.add(promotion.segment);
    }
    cached = [...ids].sort();
    targetedByRules.set(rules, cached);
  }
  return cached;
}

/**
 * The promotions meant for this member (through a segment) that run now at this store, for the
 * kiosk to show after a tap: the promotion's name and, when it has one, the local time it ends.
 */
export function personalOffers(rules: RuleSet, member: MemberSnapshot, storeId: string, nowMs: number): Array<{ id: string; name: string; until: string | null }> {
  const earning = earningProgram(rules, member.cardProgramId);
  if (!earning) return [];
  return earning.program.promotions
    .filter((p) => p.segment !== undefined && promotionFor(p, member) && promotionRunning(p, storeId, nowMs, rules.timezone))
    .map((p) => ({ id: p.id, name: p.name, until: p.until ?? null }));
}
