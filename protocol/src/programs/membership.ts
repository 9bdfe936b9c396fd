/**
 * Clubs and paid memberships. A membership belongs to the customer, not to a card: it cannot be
 * handed on with a card (a card linked to someone else does not carry it), and a replacement card
 * keeps it. Pure functions; the gateway stores the memberships.
 */
import type { MembershipProgram } from './schema.js';
import { addMonthsUtc } from './zoned-time.js';

export interface Membership {
  programId: string;
  customerId: string;
  validUntil: string | null;
}

export type EntranceReason = 'member' | 'not_a_member' | 'membership_expired' | 'card_blocked' | 'card_not_registered';

export interface EntranceDecision {
  allowed: boolean;
  reason: EntranceReason;
  /** words for the door display */
  message: string;
  validUntil: string | null;
}

/** Whether the holder of a presented card may enter the club now, and why not. */
export function checkEntrance(
  program: MembershipProgram,
  card: { status: 'active' | 'blocked' | 'unlinked'; customerId: string | null },
  membership: Membership | null,
  nowMs: number,
): EntranceDecision {
  const deny = (reason: EntranceReason, message: string, validUntil: string | null = null): EntranceDecision => ({ allowed: false, reason, message, validUntil });
  if (card.status === 'blocked') return deny('card_blocked', 'This card is blocked. Please ask at the service desk.');
  if (card.customerId === null) return deny('card_not_registered', `Register this card to join ${program.name}.`);
  if (!membership || membership.programId !== program.id || membership.customerId !== card.customerId) return deny('not_a_member', `Not a member of ${program.name}.`);
  if (membership.validUntil !== null && Date.parse(membership.validUntil) <= nowMs) {
    return deny('membership_expired', `${program.name} membership ended on ${membership.validUntil.slice(0, 10)}.`, membership.validUntil);
  }
  return { allowed: true, reason: 'member', message: `Welcome to ${program.name}.`, validUntil: membership.validUntil };
}

/**
 * The validity a join or a payment buys. A paid period (or a club's validity) starts now, or when
 * the current one ends if it is still running, so an early renewal loses nothing.
 */
export function membershipExtension(program: MembershipProgram, currentValidUntil: string | null, nowMs: number): { validUntil: string | null } {
  const months = program.kind === 'paid_membership' ? program.periodMonths : program.validityMonths;
  if (months === undefined) return { validUntil: null };
  const current = currentValidUntil === null ? 0 : Date.parse(currentValidUntil);
  const start = Math.max(nowMs, current);
  return { validUntil: new Date(addMonthsUtc(start, months)).toISOString() };
}
