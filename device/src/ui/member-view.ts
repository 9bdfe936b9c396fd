/**
 * What the member screen says about a card, from the identify reply and the store's cached
 * rules: the tier by its name and the spend still needed for the next one, the cashback wallet,
 * the points that expire next and the memberships in force. Pure.
 */
import { earningProgram, qualifiedLevel, type IdentifyData, type RuleSet } from '@loyalty/protocol';
import type { MemberView } from './view.js';

export function memberView(data: IdentifyData, rules: RuleSet | null, nowMs: number): MemberView {
  const snapshot = data.member;
  const earning = rules && snapshot ? earningProgram(rules, snapshot.cardProgramId) : null;
  const tiers = earning?.program.tiers;
  const tierName = (id: string | null) => (id === null ? null : (tiers?.levels.find((l) => l.id === id)?.name ?? id));
  let nextTier: MemberView['nextTier'] = null;
  if (tiers && snapshot && earning) {
    const held = tiers.levels.findIndex((l) => l.id === data.tier);
    const reached = Math.max(held, qualifiedLevel(tiers, snapshot.qualifyingSpend));
    const next = tiers.levels[reached + 1];
    if (next) nextTier = { name: next.name, spendNeeded: { amount: next.minSpend - snapshot.qualifyingSpend, currency: earning.program.currency } };
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
    memberships,
  };
}
