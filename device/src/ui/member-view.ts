/**
 * What the member screen says about a card, from the identify reply and the store's cached
 * rules: the tier by its name and the spend still needed for the next one, the cashback wallet,
 * the points that expire next and the memberships in force. Pure.
 */
import { earningProgram, nextTierFor, personalOffers, type IdentifyData, type RuleSet } from '@loyalty/protocol';
import type { MemberView, Offer } from './view.js';

/** `justRegistered`: the card was registered at this kiosk a moment ago (its welcome bonus is the card's program's). */
export function memberView(data: IdentifyData, rules: RuleSet | null, nowMs: number, justRegistered?: { addedToAccount: boolean }): MemberView {
  const snapshot = data.member;
  const earning = rules && snapshot ? earningProgram(rules, snapshot.cardProgramId) : null;
  const tiers = earning?.program.tiers;
  const tierName = (id: string | null) => (id === null ? null : (tiers?.levels.find((l) => l.id === id)?.name ?? id));
  let nextTier: MemberView['nextTier'] = null;
  if (tiers && snapshot && earning) {
    const next = nextTierFor(tiers, data.tier, snapshot.qualifyingSpend);
    if (next) nextTier = { name: next.name, spendNeeded: { amount: next.spendNeeded, currency: earning.program.currency } };
  }
  const cashback = rules?.programs.find((p) => p.program.kind === 'cashback')?.program;
  const wallet = snapshot?.walletBalance && cashback && 'currency' in cashback ? { amount: snapshot.walletBalance, currency: cashback.currency } : null;
  const programName = (id: string) => rules?.programs.find((p) => p.program.id === id)?.program.name ?? id;
  const memberships = (snapshot?.memberships ?? [])
    .filter((m) => m.programId !== snapshot?.cardProgramId && (m.validUntil === null || Date.parse(m.validUntil) > nowMs))
    .map((m) => ({ name: programName(m.programId), validUntil: m.validUntil }));
  return {
    name: data.displayName,
    cardMasked: data.cardNumberMasked,
    balance: data.balance,
    tier: tierName(data.tier),
    nextTier,
    wallet,
    nextExpiry: data.nextExpiry ?? null,
    // Computed from the cached rules and the snapshot's segments: the same offline as online.
    personalOffers: rules && snapshot ? personalOffers(rules, snapshot, rules.storeId, nowMs).map(({ name, until }) => ({ name, until })) : [],
    memberships,
    canSpend: earning !== null && (earning.program.rewards.length > 0 || earning.program.redemption !== undefined),
    ...(justRegistered
      ? { registered: { addedToAccount: justRegistered.addedToAccount, welcomeBonus: justRegistered.addedToAccount ? null : (earning?.program.bonuses.welcome?.points ?? null) } }
      : {}),
  };
}

/**
 * What the member can spend points on at this store, from the cached rules: the rewards of the
 * card's program, and points off the next purchase in a few steps from the program's minimum,
 * each worth its points at the program's point value. Affordable ones are those within the
 * points the member can spend now (held and expired points excluded).
 */
export function offersFor(data: IdentifyData, rules: RuleSet | null): Offer[] {
  const snapshot = data.member;
  const earning = rules && snapshot ? earningProgram(rules, snapshot.cardProgramId) : null;
  if (!earning || !snapshot) return [];
  const { program } = earning;
  const available = snapshot.availablePoints;
  const worth = (points: number) => ({ amount: points * (program.redemption?.pointValue ?? 0), currency: program.currency });
  const offers: Offer[] = program.rewards.map((r) => ({ id: `reward:${r.id}`, name: r.name, points: r.points, value: r.value ?? worth(r.points), affordable: r.points <= available }));
  if (program.redemption) {
    const step = Math.max(program.redemption.minimumPoints, 100);
    for (const points of [step, step * 5, step * 10]) offers.push({ id: `points:${points}`, name: null, points, value: worth(points), affordable: points <= available });
  }
  return offers;
}

/** How long a coupon for this offer stays valid: the reward's own days, else the ledger's default (30). */
export function couponValidDays(rules: RuleSet | null, programId: string | undefined, rewardId: string | undefined): number {
  const earning = rules && programId ? earningProgram(rules, programId) : null;
  const reward = rewardId ? earning?.program.rewards.find((r) => r.id === rewardId) : undefined;
  return reward?.couponValidDays ?? 30;
}
