import { maskCardNumber, type CardRef } from '@loyalty/protocol';
import { blockCard, recordCardEvent } from './card-status.js';
import { findCard } from './cards.js';
import { LedgerError } from './errors.js';
import type { OnceOptions } from './idempotency.js';
import { creditPoints, debitPoints } from './points.js';
import type { LedgerCore } from './core.js';
import { recordAudit } from '../audit/audit-log.js';
import { requireNotStaffCard } from '../members/staff-service.js';

/** A manual correction with a reason and who made it; never below zero. */
export function adjust(core: LedgerCore, input: { opId: string; card: CardRef; points: number; reason: string; actor: string }, options: OnceOptions = {}) {
  const request = { kind: 'adjust', ...input, opId: undefined };
  return core.once(
    input.opId,
    request,
    async (tx, at) => {
      if (!Number.isSafeInteger(input.points) || input.points === 0) throw new LedgerError('invalid_request', 'points must be a non-zero integer');
      if (!input.reason.trim()) throw new LedgerError('invalid_request', 'an adjustment needs a reason');
      const card = await core.knownCard(tx, input.card);
      const refs = { reason: input.reason, actor: input.actor };
      const adjustments = await core.operators.id(tx, 'adjustments');
      if (input.points > 0) {
        await creditPoints(tx, adjustments, {
          transferId: input.opId,
          account: card.accountId,
          points: input.points,
          kind: 'adjust',
          refs,
          at,
          expiresAt: core.expiryFor(at),
          operators: core.operators,
        });
      } else {
        await debitPoints(tx, adjustments, { transferId: input.opId, account: card.accountId, points: -input.points, kind: 'adjust', refs, at });
      }
      const balance = await core.balanceOf(tx, card.accountId);
      await recordAudit(
        tx,
        {
          actor: input.actor,
          action: 'points.adjust',
          cardNumber: card.number,
          customerId: card.customerId,
          reason: input.reason,
          detail: { points: input.points, before: { balance: balance - input.points }, after: { balance } },
          opKey: input.opId,
        },
        at,
      );
      return { balance };
    },
    options,
  );
}

/**
 * Lost card: the new card takes over the old card's account (balance, lots, holds, history
 * and tier follow the customer); the old card is blocked.
 */
export function replaceCard(core: LedgerCore, input: { opId: string; oldNumber: string; newNumber: string; newUid?: string | null; reason: string; actor: string }, options: OnceOptions = {}) {
  const request = { kind: 'replace', ...input, opId: undefined };
  return core.once(
    input.opId,
    request,
    async (tx, at) => {
      const old = await core.knownCard(tx, { number: input.oldNumber });
      if (old.status === 'blocked') throw new LedgerError('card_blocked', `card ${maskCardNumber(old.number)} is already blocked`);
      await requireNotStaffCard(tx, input.newUid);
      const existing = await findCard(tx, { number: input.newNumber });
      if (existing) {
        const history = (await tx.execute({ sql: 'SELECT 1 FROM transfers WHERE debit_account = ?1 OR credit_account = ?1 LIMIT 1', args: [existing.accountId] })).rows.length;
        if (existing.status !== 'unlinked' || history) throw new LedgerError('invalid_request', `card ${input.newNumber} is already in use; use a new card`);
        await tx.execute({
          sql: 'UPDATE cards SET account_id = ?, customer_id = ?, status = ?, uid = COALESCE(?, uid) WHERE number = ?',
          args: [old.accountId, old.customerId, old.status, input.newUid ?? null, input.newNumber],
        });
      } else {
        await tx.execute({
          sql: 'INSERT INTO cards (number, uid, program_id, customer_id, status, created_at, account_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
          args: [input.newNumber, input.newUid ?? null, old.programId, old.customerId, old.status, at, old.accountId],
        });
      }
      const hotlistVersion = await blockCard(tx, old.number, `replaced by ${maskCardNumber(input.newNumber)}: ${input.reason}`, input.actor, at);
      await recordCardEvent(tx, input.newNumber, 'replaces', { old: maskCardNumber(old.number), reason: input.reason }, input.actor, at);
      await tx.execute({ sql: 'UPDATE accounts SET card_number = ? WHERE id = ?', args: [input.newNumber, old.accountId] });
      await recordAudit(
        tx,
        {
          actor: input.actor,
          action: 'card.replace',
          cardNumber: old.number,
          customerId: old.customerId,
          reason: input.reason,
          detail: { newCard: input.newNumber, before: { status: old.status }, after: { status: 'blocked' } },
          opKey: input.opId,
        },
        at,
      );
      return {
        old: { number: old.number, status: 'blocked' as const },
        new: { number: input.newNumber, status: old.status, balance: await core.balanceOf(tx, old.accountId) },
        reason: input.reason,
        hotlistVersion,
      };
    },
    options,
  );
}
