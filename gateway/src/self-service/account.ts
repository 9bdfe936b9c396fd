/**
 * What the customers' page shows about a signed-in customer (docs/self-service.md): each card's
 * balance, tier and the spend to the next one, the points that expire next, the coupons still to
 * use, memberships and their end dates. Tier names and thresholds come from the rules of a store
 * that runs the card's program, the same rules the kiosks evaluate.
 */
import { earningProgram, nextTierFor, type Money, type RuleSet } from '@loyalty/protocol';
import type { SqlClient } from '../db/sql.js';
import type { Clock } from '../clock.js';
import type { Ledger } from '../ledger/ledger.js';
import type { CustomerService, CustomerView } from '../members/customer-service.js';
import type { ProgramService } from '../programs/program-service.js';
import { LedgerError } from '../ledger/errors.js';
import { memberSnapshot } from '../programs/member-snapshot.js';
import { rulesOfProgram } from '../programs/program-rules.js';

export interface CardSummary {
  number: string;
  status: string;
  /** no UID: a printed or digital card, shown by its barcode */
  digital: boolean;
  programName: string;
  balance: number;
  tier: string | null;
  nextTier: { name: string; spendNeeded: Money } | null;
  nextExpiry: { points: number; expiresAt: string } | null;
  wallets: Money[];
}

export interface CouponSummary {
  code: string;
  points: number;
  value: Money;
  rewardName: string | null;
  expiresAt: string;
}

export interface AccountView {
  customer: CustomerView;
  cards: CardSummary[];
  coupons: CouponSummary[];
  memberships: Array<{ name: string; validUntil: string | null }>;
  /** an erasure the customer asked for and an operator has not carried out yet */
  erasureRequestedAt: string | null;
  /** the last erasure an operator declined, with the reason the customer is told */
  erasureDeclined: { at: string; note: string } | null;
}

export interface AccountDeps {
  db: SqlClient;
  ledger: Ledger;
  customers: CustomerService;
  programs: ProgramService;
  clock: Clock;
}

export async function accountView(deps: AccountDeps, customerId: string): Promise<AccountView> {
  const details = await deps.customers.details(customerId);
  if (details.erased) throw new LedgerError('customer_not_found', 'this account was erased');
  const now = deps.clock.now().toISOString();
  const rulesByProgram = new Map<string, RuleSet | null>();
  const rulesFor = async (programId: string) => {
    if (!rulesByProgram.has(programId)) rulesByProgram.set(programId, await rulesOfProgram(deps.db, deps.programs, programId));
    return rulesByProgram.get(programId)!;
  };
  const cards: CardSummary[] = [];
  const couponAccounts: number[] = [];
  for (const card of details.cards) {
    const row = (await deps.ledger.findCard({ number: card.number }))!;
    couponAccounts.push(row.accountId);
    const rules = await rulesFor(card.programId);
    const program = rules ? earningProgram(rules, card.programId)?.program : undefined;
    const tiers = program?.tiers;
    let nextTier: CardSummary['nextTier'] = null;
    if (tiers && program && card.status === 'active') {
      const snapshot = await memberSnapshot(deps.db, row, rules!, now);
      const next = nextTierFor(tiers, card.tier, snapshot.qualifyingSpend);
      if (next) nextTier = { name: next.name, spendNeeded: { amount: next.spendNeeded, currency: program.currency } };
    }
    cards.push({
      number: card.number,
      status: card.status,
      digital: card.uid === null,
      programName: (await programName(deps.db, card.programId)) ?? card.programId,
      balance: card.balance,
      tier: card.tier === null ? null : (tiers?.levels.find((l) => l.id === card.tier)?.name ?? card.tier),
      nextTier,
      nextExpiry: nextExpiry(card.lots, now),
      wallets: await deps.ledger.wallets(row.accountId),
    });
  }
  const coupons = couponAccounts.length
    ? (
        await deps.db.execute({
          sql: `SELECT code, points, value, currency, reward_name, expires_at FROM coupons
                 WHERE account_id IN (${couponAccounts.map(() => '?').join(',')}) AND used_at IS NULL AND expires_at > ? ORDER BY expires_at, code`,
          args: [...couponAccounts, now],
        })
      ).rows.map((r) => ({
        code: String(r.code),
        points: Number(r.points),
        value: { amount: Number(r.value), currency: String(r.currency) },
        rewardName: r.reward_name === null ? null : String(r.reward_name),
        expiresAt: String(r.expires_at),
      }))
    : [];
  const memberships = [];
  for (const m of details.memberships) {
    if (m.validUntil !== null && m.validUntil <= now) continue;
    memberships.push({ name: (await programName(deps.db, m.programId)) ?? m.programId, validUntil: m.validUntil });
  }
  const erasure = (await deps.db.execute({ sql: `SELECT created_at FROM data_requests WHERE customer_id = ? AND kind = 'erasure' AND state = 'queued'`, args: [customerId] })).rows[0];
  const declined = (
    await deps.db.execute({ sql: `SELECT done_at, note FROM data_requests WHERE customer_id = ? AND kind = 'erasure' AND state = 'declined' ORDER BY done_at DESC LIMIT 1`, args: [customerId] })
  ).rows[0];
  return {
    customer: details,
    cards,
    coupons,
    memberships,
    erasureRequestedAt: erasure ? String(erasure.created_at) : null,
    erasureDeclined: declined ? { at: String(declined.done_at), note: String(declined.note ?? '') } : null,
  };
}

/** The zone dates are shown in: that of a store running the program of the customer's first card (UTC without one). */
export async function customerTimeZone(deps: AccountDeps, customerId: string): Promise<string> {
  const card = (await deps.db.execute({ sql: 'SELECT program_id FROM cards WHERE customer_id = ? ORDER BY created_at, number LIMIT 1', args: [customerId] })).rows[0];
  const rules = card ? await rulesOfProgram(deps.db, deps.programs, String(card.program_id)) : null;
  return rules?.timezone ?? 'UTC';
}

async function programName(db: SqlClient, programId: string): Promise<string | null> {
  const row = (await db.execute({ sql: 'SELECT name FROM programs WHERE id = ?', args: [programId] })).rows[0];
  return row ? String(row.name) : null;
}

/** The points that expire first: every open lot that expires at the earliest instant still ahead. */
function nextExpiry(lots: Array<{ points: number; expiresAt: string | null }>, now: string): CardSummary['nextExpiry'] {
  const ahead = lots.filter((l): l is { points: number; expiresAt: string } => l.expiresAt !== null && l.expiresAt > now);
  const first = ahead.map((l) => l.expiresAt).sort()[0];
  return first ? { points: ahead.filter((l) => l.expiresAt === first).reduce((sum, l) => sum + l.points, 0), expiresAt: first } : null;
}
