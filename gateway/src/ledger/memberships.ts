import type { SqlClient as Client } from '../db/sql.js';
import { checkEntrance as entranceDecision, membershipExtension, type EntranceData, type EntranceDecision, type MembershipProgram, type Versioned, type CardRef } from '@loyalty/protocol';
import { moneyAccount } from './accounts.js';
import { displayName, findCard, type CardRow } from './cards.js';
import { LedgerError } from './errors.js';
import type { OnceOptions } from './idempotency.js';
import { postTransfer } from './transfers.js';
import type { LedgerCore } from './core.js';

/**
 * Joins a club or pays a paid membership (the fee is recorded as money received at the till).
 * The membership is the customer's, so the card must be registered; a renewal extends it.
 */
export function joinMembership(core: LedgerCore, input: { opId: string; card: CardRef; programId: string; storeId: string; source: string }, options: OnceOptions = {}) {
  const request = { kind: 'membership', ...input, opId: undefined };
  return core.once(
    input.opId,
    request,
    async (tx, at) => {
      const card = await core.usableCard(tx, input.card);
      if (!card.customerId) throw new LedgerError('card_unlinked', 'memberships are personal: register this card to a customer first');
      const program = await membershipProgram(core, tx, input.storeId, input.programId);
      const current = (await tx.execute({ sql: 'SELECT valid_until FROM memberships WHERE customer_id = ? AND program_id = ?', args: [card.customerId, program.program.id] })).rows[0];
      const { validUntil } = membershipExtension(program.program, current ? (current.valid_until === null ? null : String(current.valid_until)) : null, Date.parse(at));
      await tx.execute({
        sql: `INSERT INTO memberships (customer_id, program_id, valid_until, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
              ON CONFLICT (customer_id, program_id) DO UPDATE SET valid_until = excluded.valid_until, updated_at = excluded.updated_at`,
        args: [card.customerId, program.program.id, validUntil, at, at],
      });
      const fee = program.program.kind === 'paid_membership' ? program.program.fee : null;
      if (fee) {
        await postTransfer(tx, {
          id: input.opId,
          debitAccount: await moneyAccount(tx, 'till', fee.currency),
          creditAccount: await moneyAccount(tx, `membership_fees`, fee.currency),
          amount: fee.amount,
          unit: fee.currency,
          kind: 'membership_fee',
          refs: { program: program.program.id, rule: `${program.program.id}@v${program.version}`, customer: card.customerId, store: input.storeId, source: input.source },
          at,
        });
      }
      return { programId: program.program.id, customerId: card.customerId, validUntil, fee, renewed: current !== undefined };
    },
    options,
  );
}

/** The door check of a club or paid membership: allowed, or denied with the reason. */
export async function checkEntrance(core: LedgerCore, input: { card: CardRef; programId: string; storeId: string }): Promise<EntranceDecision & { programId: string }> {
  const program = await membershipProgram(core, core.client, input.storeId, input.programId);
  const card = await findCard(core.client, input.card);
  if (!card) throw new LedgerError('card_not_found', 'card not recognised');
  return { programId: program.program.id, ...(await decideEntrance(core, program.program, card)) };
}

/** The decision for a known card: its customer's membership of the program, if any, now. */
async function decideEntrance(core: LedgerCore, program: MembershipProgram, card: CardRow): Promise<EntranceDecision> {
  const row = card.customerId
    ? (await core.client.execute({ sql: 'SELECT valid_until FROM memberships WHERE customer_id = ? AND program_id = ?', args: [card.customerId, program.id] })).rows[0]
    : undefined;
  const membership = row ? { programId: program.id, customerId: card.customerId!, validUntil: row.valid_until === null ? null : String(row.valid_until) } : null;
  return entranceDecision(program, card, membership, core.clock.now().getTime());
}

export async function membershipProgram(core: LedgerCore, db: Pick<Client, 'execute'>, storeId: string, programId: string): Promise<Versioned<MembershipProgram>> {
  // The currency only shapes the built-in default, which has no memberships.
  const rules = await core.rules.ruleSetFor(db, storeId, 'EUR');
  const found = rules.programs.find((p) => p.program.id === programId);
  if (!found) throw new LedgerError('program_not_found', `program ${programId} is not published to store ${storeId}`);
  if (found.program.kind !== 'club' && found.program.kind !== 'paid_membership')
    throw new LedgerError('not_a_membership', `${programId} is a ${found.program.kind} program, not a club or paid membership`);
  return found as Versioned<MembershipProgram>;
}

/**
 * A card presented at an entrance kiosk: the decision, with what the door screen shows, logged
 * once per op id (docs/kiosk-page.md "Club entrance"). An unknown card is an answer ("not a
 * member"), not an error: the door must say something.
 */
export async function entranceAtKiosk(core: LedgerCore, input: { opId: string; card: CardRef; programId: string; storeId: string; kioskId: string }): Promise<EntranceData> {
  const program = await membershipProgram(core, core.client, input.storeId, input.programId);
  const card = await findCard(core.client, input.card);
  let answer: EntranceData;
  if (!card) {
    answer = { allowed: false, reason: 'card_not_found', displayName: null, programName: program.program.name, validUntil: null, renewal: null };
  } else {
    const decision = await decideEntrance(core, program.program, card);
    // How to renew, for whoever could: a paid membership, ended or never taken.
    const paid = program.program.kind === 'paid_membership' ? program.program : null;
    const renewable = paid && (decision.reason === 'membership_expired' || decision.reason === 'not_a_member');
    answer = {
      allowed: decision.allowed,
      reason: decision.reason,
      displayName: displayName(card.customerName),
      programName: program.program.name,
      validUntil: decision.validUntil,
      renewal: renewable ? { fee: paid.fee, periodMonths: paid.periodMonths } : null,
    };
  }
  await core.writer.run((tx) =>
    tx.execute({
      sql: 'INSERT INTO entrance_log (op_id, kiosk_id, store_id, program_id, card_number, allowed, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (op_id) DO NOTHING',
      args: [input.opId, input.kioskId, input.storeId, program.program.id, card?.number ?? null, answer.allowed ? 1 : 0, answer.reason, core.now()],
    }),
  );
  return answer;
}
