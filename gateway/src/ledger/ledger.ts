/**
 * The ledger service (DESIGN §3, issue 3). Reads go straight to the client (WAL readers do not
 * block the writer); every write runs through the group-commit writer, claims its op id in the
 * same transaction, and is built from two movements (points.ts) that keep lots and the hash
 * chain right. Earning is at a fixed demo rate until the programs issue brings the evaluator.
 */
import { randomBytes } from 'node:crypto';
import type { SqlClient as Client, SqlTransaction as Transaction } from '../db/sql.js';
import { maskCardNumber, type CardRef, type EarnData, type IdentifyData, type ReceiptRef } from '@loyalty/protocol';
import type { GroupCommitWriter } from '../db/writer.js';
import { OperatorAccounts, moneyOperatorAccount, walletAccount, type OperatorAccount } from './accounts.js';
import { blockCard, recordCardEvent } from './card-status.js';
import { displayName, findCard, type CardRow } from './cards.js';
import { LedgerError } from './errors.js';
import { RecordedRefusal, runOnce, type Claimed, type OnceOptions } from './idempotency.js';
import { availablePoints, creditPoints, debitPoints, heldPoints } from './points.js';
import { planRefund, type PurchaseItem } from './refund-plan.js';
import { postTransfer } from './transfers.js';

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

export interface LedgerOptions {
  demoPointsPerUnit: number;
  /** days until earned points expire; null = never (until programs set their own policy) */
  pointsExpiryDays?: number | null;
  /** what one point is worth in minor units when it pays for something (demo until programs) */
  pointValueMinor?: number;
  couponValidDays?: number;
  holdTtlMs?: number;
  clock?: Clock;
}

export interface EarnInput {
  opId: string;
  card: CardRef;
  receipt: ReceiptRef;
  storeId: string;
  /** the kiosk or POS that asked: part of the request hash, recorded in the transfer refs */
  source: string;
}

export interface PurchaseInput {
  opId: string;
  card: CardRef;
  storeId: string;
  currency: string;
  items: PurchaseItem[];
  redeemPoints?: number;
  source: string;
}

export interface Lot {
  points: number;
  expiresAt: string | null;
}

const DAY_MS = 86_400_000;

export class Ledger {
  private readonly clock: Clock;
  private readonly operators = new OperatorAccounts();

  constructor(
    private readonly client: Client,
    private readonly writer: GroupCommitWriter,
    private readonly options: LedgerOptions,
  ) {
    this.clock = options.clock ?? systemClock;
  }

  // ---- reads ------------------------------------------------------------------------------

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

  /** Open lots, earliest expiry first, plus what pending holds keep from being spent. */
  async lots(accountId: number): Promise<Lot[]> {
    const rows = (
      await this.client.execute({
        sql: 'SELECT remaining, expires_at FROM lots WHERE account_id = ? AND remaining > 0 ORDER BY expires_at IS NULL, expires_at, id',
        args: [accountId],
      })
    ).rows;
    return rows.map((r) => ({ points: Number(r.remaining), expiresAt: r.expires_at === null ? null : String(r.expires_at) }));
  }

  async held(accountId: number): Promise<number> {
    return heldPoints(this.client, accountId, this.now());
  }

  /** Movements of a card's account, newest first, each with the balance after it. */
  async statement(number: string, limit: number, cursor?: number): Promise<{ items: StatementItem[]; nextCursor: string | null }> {
    const card = await findCard(this.client, { number });
    if (!card) throw new LedgerError('card_not_found', `no card ${number}`);
    const rows = (
      await this.client.execute({
        sql: `SELECT seq, at, kind, id, delta, balance FROM (
                SELECT seq, at, kind, id,
                       CASE WHEN credit_account = ?1 THEN amount ELSE -amount END AS delta,
                       SUM(CASE WHEN credit_account = ?1 THEN amount ELSE -amount END) OVER (ORDER BY seq) AS balance
                  FROM transfers WHERE credit_account = ?1 OR debit_account = ?1)
               WHERE seq < ?2 ORDER BY seq DESC LIMIT ?3`,
        args: [card.accountId, cursor ?? Number.MAX_SAFE_INTEGER, limit + 1],
      })
    ).rows;
    const items = rows.slice(0, limit).map((r) => ({ at: String(r.at), kind: String(r.kind), points: Number(r.delta), balance: Number(r.balance), ref: String(r.id) }));
    return { items, nextCursor: rows.length > limit ? String(rows[limit - 1]!.seq) : null };
  }

  // ---- writes -----------------------------------------------------------------------------

  /** Points for a till receipt scanned at a kiosk, once per op id and once per receipt per store. */
  earn(input: EarnInput): Promise<EarnData> {
    const request = { kind: 'earn', card: input.card, receipt: input.receipt, storeId: input.storeId, source: input.source };
    return this.once(input.opId, request, async (tx, at) => {
      const card = await this.usableCard(tx, input.card);
      await this.claimReceipt(tx, input.storeId, input.receipt.id, input.opId);
      const points = this.pointsFor(input.receipt.total.amount);
      let repaid = 0;
      if (points > 0) {
        ({ repaid } = await creditPoints(tx, await this.operators.id(tx, 'issued'), {
          transferId: input.opId,
          account: card.accountId,
          points,
          kind: 'earn',
          refs: { receipt: input.receipt.id, store: input.storeId, source: input.source, rule: this.ruleVersion },
          at,
          expiresAt: this.expiryFor(at),
          operators: this.operators,
          knownDebt: card.debt,
        }));
      }
      // The card row was read inside this transaction: no re-read needed.
      return { cardNumberMasked: maskCardNumber(card.number), pointsEarned: points, balance: card.balance + points - repaid, transferId: input.opId };
    });
  }

  /** A POS purchase: optional points redemption as a discount, then points on what was paid. */
  purchase(input: PurchaseInput, options: OnceOptions = {}) {
    const request = { kind: 'purchase', ...input, opId: undefined };
    return this.once(
      input.opId,
      request,
      async (tx, at) => {
        const card = await this.usableCard(tx, input.card);
        const total = input.items.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0);
        const pointValue = this.options.pointValueMinor ?? 1;
        const wanted = input.redeemPoints ?? 0;
        // Never redeem more than the basket is worth.
        const pointsRedeemed = Math.min(wanted, Math.floor(total / pointValue));
        const discount = pointsRedeemed * pointValue;
        const lines: Array<{ rule: string; text: string; points?: number; amount?: number }> = [];
        if (pointsRedeemed > 0) {
          await debitPoints(tx, await this.operators.id(tx, 'redeemed'), {
            transferId: `${input.opId}:redeem`,
            account: card.accountId,
            points: pointsRedeemed,
            kind: 'redeem',
            refs: { purchase: input.opId, store: input.storeId, source: input.source },
            at,
          });
          lines.push({ rule: 'points-redemption', text: `${pointsRedeemed} points paid ${formatMoney(discount, input.currency)}`, points: -pointsRedeemed, amount: -discount });
        }
        const pointsEarned = this.pointsFor(total - discount);
        let lotId: number | null = null;
        if (pointsEarned > 0) {
          ({ lotId } = await creditPoints(tx, await this.operators.id(tx, 'issued'), {
            transferId: input.opId,
            account: card.accountId,
            points: pointsEarned,
            kind: 'earn',
            refs: { purchase: input.opId, store: input.storeId, source: input.source, rule: this.ruleVersion },
            at,
            expiresAt: this.expiryFor(at),
            operators: this.operators,
          }));
          lines.push({ rule: this.ruleVersion, text: `${pointsEarned} points for ${formatMoney(total - discount, input.currency)}`, points: pointsEarned });
        }
        await tx.execute({
          sql: `INSERT INTO purchases (id, account_id, card_number, store_id, currency, items, total, discount, points_earned, points_redeemed, lot_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          args: [input.opId, card.accountId, card.number, input.storeId, input.currency, JSON.stringify(input.items), total, discount, pointsEarned, pointsRedeemed, lotId, at],
        });
        return { purchaseId: input.opId, discount: { amount: discount, currency: input.currency }, pointsEarned, pointsRedeemed, balance: await this.balanceOf(tx, card.accountId), tier: null, lines };
      },
      options,
    );
  }

  /** Spends points now; with a reward value it returns a single-use coupon to print. */
  redeem(input: { opId: string; card: CardRef; points: number; storeId: string; source: string; currency: string; rewardId?: string }, options: OnceOptions = {}) {
    const request = { kind: 'redeem', ...input, opId: undefined };
    return this.once(
      input.opId,
      request,
      async (tx, at) => {
        const card = await this.usableCard(tx, input.card);
        await this.spend(tx, card.accountId, input.opId, input.points, at, { store: input.storeId, source: input.source, reward: input.rewardId ?? null });
        const coupon = await this.issueCoupon(tx, card.accountId, input.opId, input.points, input.currency, at, input.rewardId);
        return { balance: await this.balanceOf(tx, card.accountId), coupon };
      },
      options,
    );
  }

  /** Reserves points (pending) until posted or voided; voided by itself after the timeout. */
  hold(input: { opId: string; card: CardRef; points: number; reason: string; source: string; ttlMs?: number }) {
    const request = { kind: 'hold', ...input, opId: undefined };
    return this.once(input.opId, request, async (tx, at) => {
      const card = await this.usableCard(tx, input.card);
      const available = await availablePoints(tx, card.accountId, at);
      if (input.points <= 0 || !Number.isSafeInteger(input.points)) throw new LedgerError('invalid_request', 'points must be a positive integer');
      if (input.points > available) throw new LedgerError('exceeds_balance', `not enough points: ${available} available, ${input.points} asked`, { available });
      const expiresAt = new Date(Date.parse(at) + (input.ttlMs ?? this.options.holdTtlMs ?? 10 * 60_000)).toISOString();
      await tx.execute({
        sql: `INSERT INTO holds (id, account_id, points, state, reason, refs, created_at, expires_at) VALUES (?, ?, ?, 'pending', ?, ?, ?, ?)`,
        args: [input.opId, card.accountId, input.points, input.reason, JSON.stringify({ source: input.source }), at, expiresAt],
      });
      return { holdId: input.opId, points: input.points, expiresAt, available: available - input.points };
    });
  }

  /** Completes a hold: the points are spent (drawn from lots) exactly as a redemption would. */
  postHold(input: { opId: string; holdId: string }) {
    return this.once(input.opId, { kind: 'post_hold', holdId: input.holdId }, async (tx, at) => {
      const hold = await this.pendingHold(tx, input.holdId, at);
      await this.spend(tx, hold.accountId, input.opId, hold.points, at, { hold: input.holdId }, input.holdId);
      await tx.execute({ sql: `UPDATE holds SET state = 'posted', resolved_at = ?, transfer_id = ? WHERE id = ?`, args: [at, input.opId, input.holdId] });
      return { holdId: input.holdId, state: 'posted' as const, points: hold.points, balance: await this.balanceOf(tx, hold.accountId) };
    });
  }

  voidHold(input: { opId: string; holdId: string }) {
    return this.once(input.opId, { kind: 'void_hold', holdId: input.holdId }, async (tx, at) => {
      const hold = await this.pendingHold(tx, input.holdId, at, true);
      await tx.execute({ sql: `UPDATE holds SET state = 'voided', resolved_at = ? WHERE id = ?`, args: [at, input.holdId] });
      return { holdId: input.holdId, state: 'voided' as const, points: hold.points };
    });
  }

  /** A manual correction with a reason and who made it; never below zero. */
  adjust(input: { opId: string; card: CardRef; points: number; reason: string; actor: string }, options: OnceOptions = {}) {
    const request = { kind: 'adjust', ...input, opId: undefined };
    return this.once(
      input.opId,
      request,
      async (tx, at) => {
        if (!Number.isSafeInteger(input.points) || input.points === 0) throw new LedgerError('invalid_request', 'points must be a non-zero integer');
        if (!input.reason.trim()) throw new LedgerError('invalid_request', 'an adjustment needs a reason');
        const card = await this.knownCard(tx, input.card);
        const refs = { reason: input.reason, actor: input.actor };
        const adjustments = await this.operators.id(tx, 'adjustments');
        if (input.points > 0) {
          await creditPoints(tx, adjustments, { transferId: input.opId, account: card.accountId, points: input.points, kind: 'adjust', refs, at, expiresAt: this.expiryFor(at), operators: this.operators });
        } else {
          await debitPoints(tx, adjustments, { transferId: input.opId, account: card.accountId, points: -input.points, kind: 'adjust', refs, at });
        }
        return { balance: await this.balanceOf(tx, card.accountId) };
      },
      options,
    );
  }

  /**
   * Reverses the points a purchase earned, pro rata for a partial refund. Points the customer
   * already spent cannot be taken back: that part becomes a clawback debt that later earnings
   * repay, never a negative balance.
   */
  refund(input: { opId: string; purchaseId: string; items?: Array<{ sku: string; quantity: number }> }, options: OnceOptions = {}) {
    const request = { kind: 'refund', ...input, opId: undefined };
    return this.once(
      input.opId,
      request,
      async (tx, at) => {
        const purchase = (await tx.execute({ sql: 'SELECT * FROM purchases WHERE id = ?', args: [input.purchaseId] })).rows[0];
        if (!purchase) throw new LedgerError('purchase_not_found', `no purchase ${input.purchaseId}`);
        const earlier = (await tx.execute({ sql: 'SELECT items, points_reversed FROM refunds WHERE purchase_id = ?', args: [input.purchaseId] })).rows;
        const plan = planRefund(
          { items: JSON.parse(String(purchase.items)) as PurchaseItem[], total: Number(purchase.total), pointsEarned: Number(purchase.points_earned) },
          earlier.map((r) => ({ items: JSON.parse(String(r.items)) as Array<{ sku: string; quantity: number }>, pointsReversed: Number(r.points_reversed) })),
          input.items,
        );
        const account = Number(purchase.account_id);
        const balance = await this.balanceOf(tx, account);
        const reversed = Math.min(plan.points, balance);
        const clawback = plan.points - reversed;
        const refs = { purchase: input.purchaseId, refund: input.opId };
        if (reversed > 0) {
          await debitPoints(tx, await this.operators.id(tx, 'issued'), {
            transferId: input.opId,
            account,
            points: reversed,
            kind: 'refund',
            refs,
            at,
            ignoreHolds: true,
            preferLot: purchase.lot_id === null ? undefined : Number(purchase.lot_id),
          });
        }
        if (clawback > 0) {
          // The operator is owed what the customer already spent: a receivable, repaid by earnings.
          await this.postOperatorTransfer(tx, `${input.opId}:clawback`, 'clawback', 'issued', clawback, 'clawback', { ...refs, card: String(purchase.card_number) }, at);
          await tx.execute({
            sql: 'INSERT INTO debts (account_id, outstanding) VALUES (?, ?) ON CONFLICT (account_id) DO UPDATE SET outstanding = outstanding + excluded.outstanding',
            args: [account, clawback],
          });
        }
        await tx.execute({
          sql: 'INSERT INTO refunds (id, purchase_id, items, value, points_reversed, clawback, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
          args: [input.opId, input.purchaseId, JSON.stringify(plan.items), plan.value, plan.points, clawback, at],
        });
        return { pointsReversed: plan.points, balance: await this.balanceOf(tx, account), ...(clawback > 0 ? { clawback: { points: clawback } } : {}) };
      },
      options,
    );
  }

  /**
   * Lost card: the new card takes over the old card's account (balance, lots, holds, history
   * and tier follow the customer); the old card is blocked.
   */
  replaceCard(input: { opId: string; oldNumber: string; newNumber: string; newUid?: string | null; reason: string; actor: string }, options: OnceOptions = {}) {
    const request = { kind: 'replace', ...input, opId: undefined };
    return this.once(
      input.opId,
      request,
      async (tx, at) => {
        const old = await this.knownCard(tx, { number: input.oldNumber });
        if (old.status === 'blocked') throw new LedgerError('card_blocked', `card ${maskCardNumber(old.number)} is already blocked`);
        const existing = await findCard(tx, { number: input.newNumber });
        if (existing) {
          const history = (await tx.execute({ sql: 'SELECT 1 FROM transfers WHERE debit_account = ?1 OR credit_account = ?1 LIMIT 1', args: [existing.accountId] })).rows.length;
          if (existing.status !== 'unlinked' || history) throw new LedgerError('invalid_request', `card ${input.newNumber} is already in use; use a new card`);
          await tx.execute({ sql: 'UPDATE cards SET account_id = ?, customer_id = ?, status = ?, uid = COALESCE(?, uid) WHERE number = ?', args: [old.accountId, old.customerId, old.status, input.newUid ?? null, input.newNumber] });
        } else {
          await tx.execute({
            sql: 'INSERT INTO cards (number, uid, program_id, customer_id, status, created_at, account_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
            args: [input.newNumber, input.newUid ?? null, old.programId, old.customerId, old.status, at, old.accountId],
          });
        }
        const hotlistVersion = await blockCard(tx, old.number, `replaced by ${maskCardNumber(input.newNumber)}: ${input.reason}`, input.actor, at);
        await recordCardEvent(tx, input.newNumber, 'replaces', { old: maskCardNumber(old.number), reason: input.reason }, input.actor, at);
        await tx.execute({ sql: 'UPDATE accounts SET card_number = ? WHERE id = ?', args: [input.newNumber, old.accountId] });
        return {
          old: { number: old.number, status: 'blocked' as const },
          new: { number: input.newNumber, status: old.status, balance: await this.balanceOf(tx, old.accountId) },
          reason: input.reason,
          hotlistVersion,
        };
      },
      options,
    );
  }

  /**
   * Moves what is left of every lot that expired by `asOf` to `expired`. Safe to run twice or
   * from two processes at once: each lot's expiry is one transfer keyed by the lot, and the lot
   * is re-read inside the write transaction.
   */
  async expire(asOf: Date = this.clock.now(), batchSize = 200): Promise<{ lots: number; points: number }> {
    let lots = 0;
    let points = 0;
    for (;;) {
      const done = await this.writer.run(async (tx) => {
        const at = this.now();
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
          await debitPoints(tx, await this.operators.id(tx, 'expired'), {
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

  /** Marks pending holds past their timeout as voided (they already count as void). */
  async voidExpiredHolds(): Promise<number> {
    return this.writer.run(async (tx) => {
      const at = this.now();
      const result = await tx.execute({ sql: `UPDATE holds SET state = 'voided', resolved_at = ? WHERE state = 'pending' AND expires_at <= ?`, args: [at, at] });
      return result.rowsAffected;
    });
  }

  /** The coupon for a posted hold (issued once; a repeat returns the same coupon). */
  async couponForHold(holdId: string, currency: string) {
    return this.writer.run(async (tx) => {
      const at = this.now();
      const hold = (await tx.execute({ sql: 'SELECT account_id, points, state, transfer_id FROM holds WHERE id = ?', args: [holdId] })).rows[0];
      if (!hold || hold.state !== 'posted') throw new LedgerError('hold_not_pending', `hold ${holdId} is not posted`);
      const existing = (await tx.execute({ sql: 'SELECT code, value, currency, expires_at FROM coupons WHERE transfer_id = ?', args: [String(hold.transfer_id)] })).rows[0];
      if (existing) return { code: String(existing.code), value: { amount: Number(existing.value), currency: String(existing.currency) }, expiresAt: String(existing.expires_at) };
      return this.issueCoupon(tx, Number(hold.account_id), String(hold.transfer_id), Number(hold.points), currency, at);
    });
  }

  /** Puts money into a card's cashback wallet (the programs issue computes how much). */
  creditWallet(input: { opId: string; card: CardRef; amount: number; currency: string; source: string; refs?: Record<string, unknown> }) {
    const request = { kind: 'wallet_credit', ...input, opId: undefined };
    return this.once(input.opId, request, async (tx, at) => {
      if (!Number.isSafeInteger(input.amount) || input.amount <= 0) throw new LedgerError('invalid_request', 'amount must be a positive integer of minor units');
      const card = await this.usableCard(tx, input.card);
      const wallet = await walletAccount(tx, card.accountId, input.currency);
      await postTransfer(tx, {
        id: input.opId,
        debitAccount: await moneyOperatorAccount(tx, 'cashback', input.currency),
        creditAccount: wallet,
        amount: input.amount,
        unit: input.currency,
        kind: 'cashback',
        refs: { source: input.source, ...input.refs },
        at,
      });
      return { wallet: { amount: await this.balanceOf(tx, wallet), currency: input.currency } };
    });
  }

  /** Pays with the wallet at checkout; never more than is in it. */
  spendWallet(input: { opId: string; card: CardRef; amount: number; currency: string; storeId: string; source: string }) {
    const request = { kind: 'wallet_spend', ...input, opId: undefined };
    return this.once(input.opId, request, async (tx, at) => {
      if (!Number.isSafeInteger(input.amount) || input.amount <= 0) throw new LedgerError('invalid_request', 'amount must be a positive integer of minor units');
      const card = await this.usableCard(tx, input.card);
      const wallet = await walletAccount(tx, card.accountId, input.currency);
      const available = await this.balanceOf(tx, wallet);
      if (input.amount > available) throw new LedgerError('exceeds_balance', `the wallet holds ${available} ${input.currency} minor units, ${input.amount} asked`, { available });
      await postTransfer(tx, {
        id: input.opId,
        debitAccount: wallet,
        creditAccount: await moneyOperatorAccount(tx, 'wallet_spent', input.currency),
        amount: input.amount,
        unit: input.currency,
        kind: 'wallet_spend',
        refs: { store: input.storeId, source: input.source },
        at,
      });
      return { wallet: { amount: available - input.amount, currency: input.currency } };
    });
  }

  /** The card's wallets with money in them (one per currency). */
  async wallets(accountId: number): Promise<Array<{ amount: number; currency: string }>> {
    const rows = (await this.client.execute({ sql: "SELECT unit, balance FROM accounts WHERE code LIKE 'wallet:' || ? || ':%' AND balance > 0 ORDER BY unit", args: [String(accountId)] })).rows;
    return rows.map((r) => ({ amount: Number(r.balance), currency: String(r.unit) }));
  }

  async redeemCoupon(code: string, storeId: string) {
    return this.writer.run(async (tx) => {
      const at = this.now();
      const row = (await tx.execute({ sql: 'SELECT * FROM coupons WHERE code = ?', args: [code] })).rows[0];
      if (!row) throw new LedgerError('coupon_not_found', `no coupon ${code}`);
      if (row.used_at !== null) throw new LedgerError('coupon_used', `coupon ${code} was already used on ${String(row.used_at)}`);
      if (String(row.expires_at) <= at) throw new LedgerError('coupon_expired', `coupon ${code} expired on ${String(row.expires_at)}`);
      await tx.execute({ sql: 'UPDATE coupons SET used_at = ?, used_store = ? WHERE code = ? AND used_at IS NULL', args: [at, storeId, code] });
      return { code, value: { amount: Number(row.value), currency: String(row.currency) }, points: Number(row.points), rewardId: row.reward_id === null ? null : String(row.reward_id), usedAt: at, storeId };
    });
  }

  // ---- helpers ----------------------------------------------------------------------------

  private get ruleVersion(): string {
    return `demo-rate:${this.options.demoPointsPerUnit}`;
  }

  private now(): string {
    return this.clock.now().toISOString();
  }

  private pointsFor(amountMinor: number): number {
    return Math.floor(Math.max(0, amountMinor) / 100) * this.options.demoPointsPerUnit;
  }

  private expiryFor(at: string): string | null {
    const days = this.options.pointsExpiryDays === undefined ? 365 : this.options.pointsExpiryDays;
    return days === null ? null : new Date(Date.parse(at) + days * DAY_MS).toISOString();
  }

  private async once<T extends object>(opId: string, request: unknown, operation: (tx: Transaction, at: string) => Promise<T>, options: OnceOptions = {}): Promise<Claimed<T>> {
    const outcome = await this.writer.run(async (tx) => {
      const at = this.now();
      try {
        return { ok: true as const, value: await runOnce(tx, opId, request, at, () => operation(tx, at), options) };
      } catch (error) {
        // A remembered refusal must commit its claim row, so it leaves the transaction as a value.
        if (error instanceof RecordedRefusal) return { ok: false as const, error: error.refusal };
        throw error;
      }
    });
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  private async knownCard(tx: Transaction, ref: CardRef): Promise<CardRow> {
    const card = await findCard(tx, ref);
    if (!card) throw new LedgerError('card_not_found', 'card not recognised');
    return card;
  }

  private async usableCard(tx: Transaction, ref: CardRef): Promise<CardRow> {
    const card = await this.knownCard(tx, ref);
    if (card.status === 'blocked') throw new LedgerError('card_blocked', 'this card is blocked; please ask at the service desk');
    return card;
  }

  private async balanceOf(tx: Transaction, account: number): Promise<number> {
    return Number((await tx.execute({ sql: 'SELECT balance FROM accounts WHERE id = ?', args: [account] })).rows[0]!.balance);
  }

  private async claimReceipt(tx: Transaction, storeId: string, receiptId: string, opId: string): Promise<void> {
    const claim = await tx.execute({
      sql: 'INSERT INTO claimed_receipts (store_id, receipt_id, op_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      args: [storeId, receiptId, opId],
    });
    if (claim.rowsAffected === 0) throw new LedgerError('receipt_already_claimed', 'points for this receipt were already collected');
  }

  private async spend(tx: Transaction, account: number, transferId: string, points: number, at: string, refs: Record<string, unknown>, excludeHold?: string): Promise<void> {
    if (!Number.isSafeInteger(points) || points <= 0) throw new LedgerError('invalid_request', 'points must be a positive integer');
    await debitPoints(tx, await this.operators.id(tx, 'redeemed'), { transferId, account, points, kind: 'redeem', refs, at, excludeHold });
  }

  private async pendingHold(tx: Transaction, holdId: string, at: string, allowExpired = false): Promise<{ accountId: number; points: number }> {
    const row = (await tx.execute({ sql: 'SELECT account_id, points, state, expires_at FROM holds WHERE id = ?', args: [holdId] })).rows[0];
    if (!row) throw new LedgerError('hold_not_found', `no hold ${holdId}`);
    if (row.state !== 'pending') throw new LedgerError('hold_not_pending', `hold ${holdId} is already ${String(row.state)}`);
    if (!allowExpired && String(row.expires_at) <= at) throw new LedgerError('hold_expired', `hold ${holdId} timed out at ${String(row.expires_at)} and counts as voided`);
    return { accountId: Number(row.account_id), points: Number(row.points) };
  }

  private async issueCoupon(tx: Transaction, account: number, transferId: string, points: number, currency: string, at: string, rewardId?: string) {
    const code = `C${randomBytes(8).toString('hex').toUpperCase()}`;
    const value = points * (this.options.pointValueMinor ?? 1);
    const expiresAt = new Date(Date.parse(at) + (this.options.couponValidDays ?? 30) * DAY_MS).toISOString();
    await tx.execute({
      sql: 'INSERT INTO coupons (code, account_id, transfer_id, points, value, currency, reward_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      args: [code, account, transferId, points, value, currency, rewardId ?? null, at, expiresAt],
    });
    return { code, value: { amount: value, currency }, expiresAt };
  }

  private async postOperatorTransfer(tx: Transaction, id: string, from: OperatorAccount, to: OperatorAccount, amount: number, kind: string, refs: Record<string, unknown>, at: string): Promise<void> {
    await postTransfer(tx, { id, debitAccount: await this.operators.id(tx, from), creditAccount: await this.operators.id(tx, to), amount, unit: 'points', kind, refs, at });
  }
}

export interface StatementItem {
  at: string;
  kind: string;
  points: number;
  balance: number;
  ref: string;
}

function formatMoney(minor: number, currency: string): string {
  return `${(minor / 100).toFixed(2)} ${currency}`;
}
