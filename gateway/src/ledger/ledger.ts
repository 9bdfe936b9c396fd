/**
 * The ledger service: reads go straight to the client (WAL readers do not block the writer),
 * every write goes through the group-commit writer. Earning is at a fixed demo rate until the
 * rules issue brings the evaluator.
 */
import type { Client } from '@libsql/client';
import { maskCardNumber, type CardRef, type EarnData, type IdentifyData, type ReceiptRef } from '@loyalty/protocol';
import { displayName, findCard, type CardRow } from './cards.js';
import { LedgerError } from './errors.js';
import { runOnce } from './idempotency.js';
import { POINTS, accountId, cardPointsAccountCode, operatorAccountCode, postTransfer } from './transfers.js';
import type { GroupCommitWriter } from '../db/writer.js';

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

export interface EarnInput {
  opId: string;
  card: CardRef;
  receipt: ReceiptRef;
  storeId: string;
  /** the kiosk or POS that asked: part of the request hash, recorded in the transfer refs */
  source: string;
}

export interface LedgerOptions {
  demoPointsPerUnit: number;
  clock?: Clock;
}

export class Ledger {
  private readonly clock: Clock;

  constructor(
    private readonly client: Client,
    private readonly writer: GroupCommitWriter,
    private readonly options: LedgerOptions,
  ) {
    this.clock = options.clock ?? systemClock;
  }

  async identify(ref: CardRef): Promise<IdentifyData> {
    const card = await findCard(this.client, ref);
    if (!card) throw new LedgerError('card_not_found', 'card not recognised');
    return {
      cardNumberMasked: maskCardNumber(card.number),
      status: card.status,
      displayName: displayName(card.customerName),
      balance: card.balance,
      tier: null,
    };
  }

  findCard(ref: CardRef): Promise<CardRow | null> {
    return findCard(this.client, ref);
  }

  /** Points for a till receipt, once per op id and once per receipt per store. */
  earn(input: EarnInput): Promise<EarnData> {
    return this.writer.run(async (tx) => {
      const at = this.clock.now().toISOString();
      const request = { kind: 'earn', card: input.card, receipt: input.receipt, storeId: input.storeId, source: input.source };
      return runOnce(tx, input.opId, request, at, async () => {
        const card = await findCard(tx, input.card);
        if (!card) throw new LedgerError('card_not_found', 'card not recognised');
        if (card.status === 'blocked') throw new LedgerError('card_blocked', 'this card is blocked; please ask at the service desk');
        const claim = await tx.execute({
          sql: 'INSERT INTO claimed_receipts (store_id, receipt_id, op_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
          args: [input.storeId, input.receipt.id, input.opId],
        });
        if (claim.rowsAffected === 0) {
          throw new LedgerError('receipt_already_claimed', 'points for this receipt were already collected');
        }
        const points = Math.floor(input.receipt.total.amount / 100) * this.options.demoPointsPerUnit;
        const transferId = input.opId;
        if (points > 0) {
          const issued = await accountId(tx, operatorAccountCode('issued', POINTS), 'operator', POINTS);
          const customer = await accountId(tx, cardPointsAccountCode(card.number), 'customer', POINTS, card.number);
          await postTransfer(tx, {
            id: transferId,
            debitAccount: issued,
            creditAccount: customer,
            amount: points,
            unit: POINTS,
            kind: 'earn',
            refs: { receipt: input.receipt.id, store: input.storeId, source: input.source, rate: `demo:${this.options.demoPointsPerUnit}` },
            at,
          });
        }
        return {
          cardNumberMasked: maskCardNumber(card.number),
          pointsEarned: points,
          balance: card.balance + points,
          transferId,
        };
      });
    });
  }
}
