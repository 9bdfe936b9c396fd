/**
 * Expiry: what is left of every lot past its date moves to the operator's expired account.
 */
import { randomBytes } from 'node:crypto';
import type { SqlClient as Client, SqlTransaction as Transaction } from '../db/sql.js';
import { receiptBasket, checkEntrance as entranceDecision, earningProgram, expiryOf, membershipExtension, tierAfterRefund, type EntranceDecision, type MembershipProgram, type Versioned, maskCardNumber, type Basket, type CardRef, type EarnData, type IdentifyData, type MemberSnapshot, type Quote, type RuleSet } from '@loyalty/protocol';
import { moneyAccount, moneyOperatorAccount, partnerSettlementAccount, walletAccount } from './accounts.js';
import { memberSnapshot } from '../programs/member-snapshot.js';
import { blockCard, recordCardEvent } from './card-status.js';
import { displayName, findCard, type CardRow } from './cards.js';
import { LedgerError } from './errors.js';
import type { OnceOptions } from './idempotency.js';
import { availablePoints, creditPoints, debitPoints, heldPoints } from './points.js';
import { planRefund, type PurchaseItem } from './refund-plan.js';
import { postTransfer } from './transfers.js';
import { claimReceipt, claimScannedReceipt } from './receipts.js';
import { DAY_MS, type CouponTerms, type EarnInput, type LedgerCore, type Lot, type PurchaseInput, type StatementItem } from './core.js';

/**
 * Moves what is left of every lot that expired by `asOf` to `expired`. Safe to run twice or
 * from two processes at once: each lot's expiry is one transfer keyed by the lot, and the lot
 * is re-read inside the write transaction.
 */
export async function expire(core: LedgerCore, asOf: Date = core.clock.now(), batchSize = 200): Promise<{ lots: number; points: number }> {
  let lots = 0;
  let points = 0;
  for (;;) {
    const done = await core.writer.run(async (tx) => {
      const at = core.now();
      const due = (
        await tx.execute({
          sql: 'SELECT id, account_id, remaining FROM lots WHERE remaining > 0 AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at, id LIMIT ?',
          args: [asOf.toISOString(), batchSize],
        })
      ).rows;
      let sum = 0;
      for (const lot of due) {
        const remaining = Number(lot.remaining);
        const transferId = `expire:lot:${lot.id}`;
        await debitPoints(tx, await core.operators.id(tx, 'expired'), {
          transferId,
          account: Number(lot.account_id),
          points: remaining,
          kind: 'expire',
          refs: { lot: Number(lot.id) },
          at,
          ignoreHolds: true,
          preferLot: Number(lot.id),
        });
        sum += remaining;
      }
      return { count: due.length, sum };
    });
    lots += done.count;
    points += done.sum;
    if (done.count < batchSize) return { lots, points };
  }
}
