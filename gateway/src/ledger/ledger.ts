/**
 * The ledger service (DESIGN §3, issue 3). Reads go straight to the client (WAL readers do not
 * block the writer); every write runs through the group-commit writer, claims its op id in the
 * same transaction, and is built from two movements (points.ts) that keep lots and the hash
 * chain right. What a purchase gives comes from the rule evaluator (protocol/programs) run on the
 * store's published rule set; the ledger books exactly its quote, and every transfer records the
 * rule (`{program}@v{version}`) and the bundle version it was computed with.
 */
import { randomBytes } from 'node:crypto';
import type { SqlClient as Client, SqlTransaction as Transaction } from '../db/sql.js';
import { EvaluationError, receiptBasket, checkEntrance, earningProgram, evaluate, expiryOf, membershipExtension, tierAfterRefund, type EntranceDecision, type MembershipProgram, type Versioned, maskCardNumber, type Basket, type CardRef, type EarnData, type IdentifyData, type MemberSnapshot, type Quote, type ReceiptRef, type RuleSet } from '@loyalty/protocol';
import type { GroupCommitWriter } from '../db/writer.js';
import { OperatorAccounts, moneyAccount, moneyOperatorAccount, partnerSettlementAccount, walletAccount, type OperatorAccount } from './accounts.js';
import { defaultRuleSet, type RuleSource } from '../programs/program-service.js';
import { memberSnapshot } from '../programs/member-snapshot.js';
import type { ErrorCode } from '@loyalty/protocol';
import { blockCard, recordCardEvent } from './card-status.js';
import { displayName, findCard, type CardRow } from './cards.js';
import { LedgerError } from './errors.js';
import { RecordedRefusal, runOnce, type Claimed, type OnceOptions } from './idempotency.js';
import { availablePoints, creditPoints, debitPoints, heldPoints } from './points.js';
import { planRefund, type PurchaseItem } from './refund-plan.js';
import { postTransfer } from './transfers.js';
import { claimReceipt, claimScannedReceipt, findSale, registerSale, type Sale, type SaleInput } from './receipts.js';

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

export interface LedgerOptions {
  /** the built-in default program's rate, for stores with no published programs */
  demoPointsPerUnit: number;
  /** the stores' published rule sets (the built-in default alone when absent) */
  rules?: RuleSource;
  /** days until earned points expire; null = never (until programs set their own policy) */
  pointsExpiryDays?: number | null;
  /** what one point is worth in minor units when it pays for something (demo until programs) */
  pointValueMinor?: number;
  couponValidDays?: number;
  holdTtlMs?: number;
  /** days after a till registers a sale during which a kiosk scan may claim it (default 30) */
  receiptClaimWindowDays?: number;
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
  /** a purchase at a partner, who pays for the points */
  partnerId?: string;
  /** minor units paid from the cashback wallet */
  walletPayment?: number;
  /** the till receipt this purchase is: claimed once, for this purchase and any kiosk scan */
  receiptId?: string;
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

  private get claimWindowDays(): number {
    return this.options.receiptClaimWindowDays ?? 30;
  }

  /** A till registers a sale (POST /sales), which a kiosk scan of its receipt may then claim once. */
  registerSale(input: SaleInput & { opId: string; source: string }, options: OnceOptions = {}) {
    const { opId, source, ...sale } = input;
    return this.once(opId, { kind: 'sale', ...sale }, (tx, at) => registerSale(tx, sale, at, source, this.claimWindowDays), options);
  }

  findSale(storeId: string, receiptId: string): Promise<Sale | null> {
    return findSale(this.client, storeId, receiptId, this.claimWindowDays);
  }

  // ---- reads ------------------------------------------------------------------------------

  /**
   * A card look-up for a kiosk. With `storeId` it carries the member snapshot the store's rules
   * need, minus personal data, so the kiosk can show what a receipt will earn.
   */
  async identify(ref: CardRef, storeId?: string): Promise<IdentifyData> {
    const card = await findCard(this.client, ref);
    if (!card) throw new LedgerError('card_not_found', 'card not recognised');
    let member: MemberSnapshot | undefined;
    if (storeId !== undefined && card.status === 'active') {
      const bundleRules = await this.rules.ruleSetFor(this.client, storeId, 'EUR');
      const snapshot = await memberSnapshot(this.client, card, bundleRules, this.now());
      member = { ...snapshot, birthday: snapshot.birthday ? `2000-${snapshot.birthday.slice(5)}` : null, referrerId: snapshot.referrerId ? 'referred' : null };
    }
    return {
      cardNumberMasked: maskCardNumber(card.number),
      status: card.status,
      displayName: displayName(card.customerName),
      balance: card.balance,
      tier: await this.heldTier(card.accountId),
      ...(member ? { member } : {}),
    };
  }

  /** The tier the account holds (as of its last purchase or refund; reviews apply at the next one). */
  async heldTier(accountId: number): Promise<string | null> {
    const row = (await this.client.execute({ sql: 'SELECT tier FROM member_state WHERE account_id = ?', args: [accountId] })).rows[0];
    return row?.tier == null ? null : String(row.tier);
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

  /**
   * Points for a till receipt scanned at a kiosk, once per op id and once per receipt per store,
   * for a sale the till registered (receipts.ts): the till's items, or one line of its total
   * (category `receipt`), are the basket; the store's rules decide.
   */
  earn(input: EarnInput): Promise<EarnData> {
    const request = { kind: 'earn', card: input.card, receipt: input.receipt, storeId: input.storeId, source: input.source };
    return this.once(input.opId, request, async (tx, at) => {
      const card = await this.usableCard(tx, input.card);
      const basket = await claimScannedReceipt(tx, { storeId: input.storeId, receipt: input.receipt, accountId: card.accountId, opId: input.opId, at, claimWindowDays: this.claimWindowDays });
      const { quote, rules } = await this.quoteFor(tx, card, basket, at);
      const booked = await this.book(tx, card, { opId: input.opId, storeId: input.storeId, source: input.source, receipt: input.receipt.id }, basket, quote, rules, at);
      // Every line that moved something (points, or cashback money) is explained on the slip.
      const lines = quote.lines.filter((l) => (l.points ?? 0) !== 0 || (l.amount ?? 0) !== 0).map((l) => ({ text: l.text, ...(l.points !== undefined ? { points: l.points } : {}), ...(l.amount !== undefined ? { amount: l.amount } : {}) }));
      return { cardNumberMasked: maskCardNumber(card.number), pointsEarned: quote.pointsEarned, balance: booked.balance, transferId: input.opId, lines };
    });
  }

  /**
   * What a basket would give, without moving anything (POST /quotes): for a card now, or, for an
   * operator trying a program out, for a described member at a given time.
   */
  async quote(input: { card?: CardRef; member?: MemberSnapshot; at?: string; storeId: string; currency: string; items: PurchaseItem[]; redeemPoints?: number; partnerId?: string; walletPayment?: number }): Promise<Quote> {
    const basket: Basket = { storeId: input.storeId, currency: input.currency, items: input.items, redeemPoints: input.redeemPoints, partnerId: input.partnerId, walletPayment: input.walletPayment };
    const at = input.at ?? this.now();
    if (input.member) return this.evaluateFor(await this.rules.ruleSetFor(this.client, basket.storeId, basket.currency), basket, input.member, at);
    if (!input.card) throw new LedgerError('invalid_request', 'a quote needs a card or a member');
    const card = await findCard(this.client, input.card);
    if (!card) throw new LedgerError('card_not_found', 'card not recognised');
    if (card.status === 'blocked') throw new LedgerError('card_blocked', 'this card is blocked; please ask at the service desk');
    return (await this.quoteFor(this.client, card, basket, at)).quote;
  }

  /** A POS purchase: discounts, an optional points payment, then what the store's rules give. */
  purchase(input: PurchaseInput, options: OnceOptions = {}) {
    const request = { kind: 'purchase', ...input, opId: undefined };
    return this.once(
      input.opId,
      request,
      async (tx, at) => {
        const card = await this.usableCard(tx, input.card);
        // Naming the till receipt claims it, so a kiosk scan of the same receipt earns nothing more.
        if (input.receiptId !== undefined) await claimReceipt(tx, { storeId: input.storeId, receiptId: input.receiptId, opId: input.opId, kind: 'purchase', accountId: card.accountId, at });
        const basket: Basket = { storeId: input.storeId, currency: input.currency, items: input.items, redeemPoints: input.redeemPoints, partnerId: input.partnerId, walletPayment: input.walletPayment };
        const { quote, rules } = await this.quoteFor(tx, card, basket, at);
        const booked = await this.book(tx, card, { opId: input.opId, storeId: input.storeId, source: input.source, ...(input.receiptId !== undefined ? { receipt: input.receiptId } : {}) }, basket, quote, rules, at);
        return {
          purchaseId: input.opId,
          discount: { amount: quote.discount, currency: input.currency },
          pointsEarned: quote.pointsEarned,
          pointsRedeemed: quote.pointsRedeemed,
          walletPaid: { amount: quote.walletPaid, currency: input.currency },
          payable: { amount: quote.payable, currency: input.currency },
          balance: booked.balance,
          tier: quote.tier?.after ?? null,
          cashback: quote.cashback,
          lots: quote.lots,
          ruleSetVersion: quote.ruleSetVersion,
          lines: quote.lines,
        };
      },
      options,
    );
  }

  /**
   * Spends points for a single-use coupon: a reward from the catalogue of the card's program
   * (its price in points, its validity), or a number of points worth their value in money.
   */
  redeem(input: { opId: string; card: CardRef; points?: number; storeId: string; source: string; currency: string; rewardId?: string }, options: OnceOptions = {}) {
    const request = { kind: 'redeem', ...input, opId: undefined };
    return this.once(
      input.opId,
      request,
      async (tx, at) => {
        const card = await this.usableCard(tx, input.card);
        let coupon: CouponTerms;
        if (input.rewardId !== undefined) {
          const rules = await this.rules.ruleSetFor(tx, input.storeId, input.currency);
          const earning = earningProgram(rules, card.programId);
          const reward = earning?.program.rewards.find((r) => r.id === input.rewardId);
          if (!earning || !reward) throw new LedgerError('reward_not_found', `no reward ${input.rewardId} in this card's program at store ${input.storeId}`);
          coupon = { points: reward.points, value: reward.value ?? { amount: 0, currency: input.currency }, validDays: reward.couponValidDays, rewardId: reward.id, rewardName: reward.name, rule: `${earning.program.id}@v${earning.version}:reward:${reward.id}` };
        } else {
          if (input.points === undefined) throw new LedgerError('invalid_request', 'say how many points, or which reward (rewardId)');
          coupon = { points: input.points, value: { amount: input.points * (this.options.pointValueMinor ?? 1), currency: input.currency }, validDays: this.options.couponValidDays ?? 30 };
        }
        await this.spend(tx, card.accountId, input.opId, coupon.points, at, { store: input.storeId, source: input.source, reward: coupon.rewardId ?? null, ...(coupon.rule ? { rule: coupon.rule } : {}) });
        const issued = await this.issueCoupon(tx, card.accountId, input.opId, coupon, at);
        return { balance: await this.balanceOf(tx, card.accountId), pointsRedeemed: coupon.points, coupon: issued };
      },
      options,
    );
  }

  /**
   * Joins a club or pays a paid membership (the fee is recorded as money received at the till).
   * The membership is the customer's, so the card must be registered; a renewal extends it.
   */
  joinMembership(input: { opId: string; card: CardRef; programId: string; storeId: string; source: string }, options: OnceOptions = {}) {
    const request = { kind: 'membership', ...input, opId: undefined };
    return this.once(
      input.opId,
      request,
      async (tx, at) => {
        const card = await this.usableCard(tx, input.card);
        if (!card.customerId) throw new LedgerError('card_unlinked', 'memberships are personal: register this card to a customer first');
        const program = await this.membershipProgram(tx, input.storeId, input.programId);
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
  async checkEntrance(input: { card: CardRef; programId: string; storeId: string }): Promise<EntranceDecision & { programId: string }> {
    const program = await this.membershipProgram(this.client, input.storeId, input.programId);
    const card = await findCard(this.client, input.card);
    if (!card) throw new LedgerError('card_not_found', 'card not recognised');
    const row = card.customerId
      ? (await this.client.execute({ sql: 'SELECT valid_until FROM memberships WHERE customer_id = ? AND program_id = ?', args: [card.customerId, program.program.id] })).rows[0]
      : undefined;
    const membership = row ? { programId: program.program.id, customerId: card.customerId!, validUntil: row.valid_until === null ? null : String(row.valid_until) } : null;
    return { programId: program.program.id, ...checkEntrance(program.program, card, membership, this.clock.now().getTime()) };
  }

  private async membershipProgram(db: Pick<Client, 'execute'>, storeId: string, programId: string): Promise<Versioned<MembershipProgram>> {
    // The currency only shapes the built-in default, which has no memberships.
    const rules = await this.rules.ruleSetFor(db, storeId, 'EUR');
    const found = rules.programs.find((p) => p.program.id === programId);
    if (!found) throw new LedgerError('program_not_found', `program ${programId} is not published to store ${storeId}`);
    if (found.program.kind !== 'club' && found.program.kind !== 'paid_membership') throw new LedgerError('not_a_membership', `${programId} is a ${found.program.kind} program, not a club or paid membership`);
    return found as Versioned<MembershipProgram>;
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
        // Reversed by the rule that gave the points (pro rata), so the refund names it too.
        const refs = { purchase: input.purchaseId, refund: input.opId, ...(purchase.earning_rule !== null ? { rule: String(purchase.earning_rule) } : {}) };
        if (reversed > 0) {
          const partner = purchase.partner_id === null ? null : String(purchase.partner_id);
          await debitPoints(tx, partner ? await partnerSettlementAccount(tx, partner) : await this.operators.id(tx, 'issued'), {
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
        const cashbackReversed = await this.reverseCashback(tx, purchase, plan.value, input.opId, at);
        const walletReturned = await this.returnWalletPayment(tx, purchase, plan.value, input.opId, at);
        await tx.execute({
          sql: 'INSERT INTO refunds (id, purchase_id, items, value, points_reversed, clawback, cashback_reversed, wallet_returned, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          args: [input.opId, input.purchaseId, JSON.stringify(plan.items), plan.value, plan.points, clawback, cashbackReversed, walletReturned, at],
        });
        const tier = await this.tierAfterRefund(tx, purchase, at);
        return {
          pointsReversed: plan.points,
          balance: await this.balanceOf(tx, account),
          ...(clawback > 0 ? { clawback: { points: clawback } } : {}),
          ...(cashbackReversed > 0 ? { cashbackReversed: { amount: cashbackReversed, currency: String(purchase.currency) } } : {}),
          ...(walletReturned > 0 ? { walletReturned: { amount: walletReturned, currency: String(purchase.currency) } } : {}),
          ...(tier !== undefined ? { tier } : {}),
        };
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
      const points = Number(hold.points);
      return this.issueCoupon(tx, Number(hold.account_id), String(hold.transfer_id), { points, value: { amount: points * (this.options.pointValueMinor ?? 1), currency }, validDays: this.options.couponValidDays ?? 30 }, at);
    });
  }

  /** Puts money into a card's cashback wallet directly (purchases credit cashback through the evaluator's quote). */
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
      return { code, value: { amount: Number(row.value), currency: String(row.currency) }, points: Number(row.points), rewardId: row.reward_id === null ? null : String(row.reward_id), reward: row.reward_name === null ? null : String(row.reward_name), usedAt: at, storeId };
    });
  }

  // ---- helpers ----------------------------------------------------------------------------

  private now(): string {
    return this.clock.now().toISOString();
  }

  private expiryFor(at: string): string | null {
    const days = this.options.pointsExpiryDays === undefined ? 365 : this.options.pointsExpiryDays;
    return days === null ? null : new Date(Date.parse(at) + days * DAY_MS).toISOString();
  }

  private get rules(): RuleSource {
    return (
      this.options.rules ?? {
        ruleSetFor: async (db, storeId, currency) => {
          const store = (await db.execute({ sql: 'SELECT timezone FROM stores WHERE id = ?', args: [storeId] })).rows[0];
          return defaultRuleSet(storeId, store ? String(store.timezone) : 'UTC', currency, {
            pointsPerUnit: this.options.demoPointsPerUnit,
            expiryDays: this.options.pointsExpiryDays === undefined ? 365 : this.options.pointsExpiryDays,
            pointValueMinor: this.options.pointValueMinor ?? 1,
          });
        },
      }
    );
  }

  /** Runs the evaluator for a card, with the member as the ledger knows them. */
  private async quoteFor(db: Pick<Client, 'execute'>, card: CardRow, basket: Basket, at: string): Promise<{ quote: Quote; rules: RuleSet }> {
    const rules = await this.rules.ruleSetFor(db, basket.storeId, basket.currency);
    return { quote: this.evaluateFor(rules, basket, await memberSnapshot(db, card, rules, at, basket.currency), at), rules };
  }

  /** The evaluator's refusals become ledger refusals with the same meaning. */
  private evaluateFor(rules: RuleSet, basket: Basket, member: MemberSnapshot, at: string): Quote {
    try {
      return evaluate(basket, member, rules, Date.parse(at));
    } catch (error) {
      if (!(error instanceof EvaluationError)) throw error;
      const code: ErrorCode = error.code === 'insufficient_points' ? 'exceeds_balance' : error.code === 'invalid_basket' ? 'invalid_request' : error.code;
      throw new LedgerError(code, error.message, error.details);
    }
  }

  /**
   * Books a quote: the points payment, the points earned (from the partner's settlement account
   * at a partner), the referrer's bonus, cashback into the wallet, the member's tier and birthday
   * year, and the purchase row that refunds and tier spend read.
   */
  private async book(tx: Transaction, card: CardRow, op: { opId: string; storeId: string; source: string; receipt?: string }, basket: Basket, quote: Quote, rules: RuleSet, at: string): Promise<{ balance: number }> {
    const refs = { purchase: op.opId, store: op.storeId, source: op.source, ruleSet: quote.ruleSetVersion, ...(op.receipt ? { receipt: op.receipt } : {}) };
    if (quote.pointsRedeemed > 0) {
      await debitPoints(tx, await this.operators.id(tx, 'redeemed'), { transferId: `${op.opId}:redeem`, account: card.accountId, points: quote.pointsRedeemed, kind: 'redeem', refs: { ...refs, rule: `${quote.earningRule}:redemption` }, at });
    }
    let lotId: number | null = null;
    if (quote.pointsEarned > 0) {
      const from = quote.partner ? await partnerSettlementAccount(tx, quote.partner.id) : await this.operators.id(tx, 'issued');
      const rule = quote.partner ? `${quote.partner.programId}@v${quote.partner.version}` : quote.earningRule;
      ({ lotId } = await creditPoints(tx, from, {
        transferId: op.opId,
        account: card.accountId,
        points: quote.pointsEarned,
        kind: 'earn',
        refs: { ...refs, rule, ...(quote.partner ? { partner: quote.partner.id } : {}) },
        at,
        expiresAt: quote.lots[0]?.expiresAt ?? null,
        operators: this.operators,
        knownDebt: card.debt,
      }));
    }
    if (quote.referral) await this.payReferral(tx, quote, card, rules, refs, at);
    if (quote.walletPaid > 0) {
      const wallet = await walletAccount(tx, card.accountId, basket.currency);
      await postTransfer(tx, { id: `${op.opId}:wallet`, debitAccount: wallet, creditAccount: await moneyOperatorAccount(tx, 'wallet_spent', basket.currency), amount: quote.walletPaid, unit: basket.currency, kind: 'wallet_spend', refs, at });
    }
    if (quote.cashback) {
      const wallet = await walletAccount(tx, card.accountId, quote.cashback.currency);
      const rule = quote.lines.filter((l) => l.amount !== undefined && l.amount > 0).map((l) => l.rule).join(',');
      await postTransfer(tx, { id: `${op.opId}:cashback`, debitAccount: await moneyOperatorAccount(tx, 'cashback', quote.cashback.currency), creditAccount: wallet, amount: quote.cashback.amount, unit: quote.cashback.currency, kind: 'cashback', refs: { ...refs, rule }, at });
    }
    if (quote.tier || quote.birthdayBonusYear !== null) {
      await tx.execute({
        sql: `INSERT INTO member_state (account_id, tier, tier_review_at, birthday_bonus_year) VALUES (?1, ?2, ?3, ?4)
              ON CONFLICT (account_id) DO UPDATE SET
                tier = CASE WHEN ?5 THEN excluded.tier ELSE tier END,
                tier_review_at = CASE WHEN ?5 THEN excluded.tier_review_at ELSE tier_review_at END,
                birthday_bonus_year = COALESCE(excluded.birthday_bonus_year, birthday_bonus_year)`,
        args: [card.accountId, quote.tier?.after ?? null, quote.tier?.reviewAt ?? null, quote.birthdayBonusYear, quote.tier ? 1 : 0],
      });
    }
    await tx.execute({
      sql: `INSERT INTO purchases (id, account_id, card_number, store_id, currency, items, total, discount, points_earned, points_redeemed, lot_id, created_at,
                                   rule_set_version, earning_rule, paid, capped_points, cashback, partner_id, tier_before, tier_after, lines, wallet_paid)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      args: [
        op.opId, card.accountId, card.number, op.storeId, basket.currency, JSON.stringify(basket.items), quote.subtotal, quote.discount + quote.redemptionValue, quote.pointsEarned, quote.pointsRedeemed, lotId, at,
        quote.ruleSetVersion, quote.earningRule, quote.payable, quote.partner ? 0 : quote.purchasePoints, quote.cashback?.amount ?? 0, quote.partner?.id ?? null, quote.tier?.before ?? null, quote.tier?.after ?? null, JSON.stringify(quote.lines), quote.walletPaid,
      ],
    });
    return { balance: await this.balanceOf(tx, card.accountId) };
  }

  /**
   * Takes back the refunded share of a purchase's cashback (cumulative, so partial refunds add up
   * to exactly what was given), as far as the wallet still holds it.
   */
  private async reverseCashback(tx: Transaction, purchase: Record<string, unknown>, value: number, refundId: string, at: string): Promise<number> {
    const given = Number(purchase.cashback ?? 0);
    const total = Number(purchase.total);
    if (given === 0 || total === 0) return 0;
    const before = (await tx.execute({ sql: 'SELECT COALESCE(SUM(value), 0) AS v, COALESCE(SUM(cashback_reversed), 0) AS c FROM refunds WHERE purchase_id = ?', args: [String(purchase.id)] })).rows[0]!;
    const due = Math.floor((given * (Number(before.v) + value)) / total) - Number(before.c);
    const currency = String(purchase.currency);
    const wallet = await walletAccount(tx, Number(purchase.account_id), currency);
    const amount = Math.min(due, await this.balanceOf(tx, wallet));
    if (amount <= 0) return 0;
    await postTransfer(tx, { id: `${refundId}:cashback`, debitAccount: wallet, creditAccount: await moneyOperatorAccount(tx, 'cashback', currency), amount, unit: currency, kind: 'cashback_reversal', refs: { purchase: String(purchase.id), refund: refundId }, at });
    return amount;
  }

  /** What the wallet paid for the refunded share goes back into the wallet (cumulative, like points). */
  private async returnWalletPayment(tx: Transaction, purchase: Record<string, unknown>, value: number, refundId: string, at: string): Promise<number> {
    const paid = Number(purchase.wallet_paid ?? 0);
    const total = Number(purchase.total);
    if (paid === 0 || total === 0) return 0;
    const before = (await tx.execute({ sql: 'SELECT COALESCE(SUM(value), 0) AS v, COALESCE(SUM(wallet_returned), 0) AS w FROM refunds WHERE purchase_id = ?', args: [String(purchase.id)] })).rows[0]!;
    const amount = Math.floor((paid * (Number(before.v) + value)) / total) - Number(before.w);
    if (amount <= 0) return 0;
    const currency = String(purchase.currency);
    await postTransfer(tx, { id: `${refundId}:wallet`, debitAccount: await moneyOperatorAccount(tx, 'wallet_spent', currency), creditAccount: await walletAccount(tx, Number(purchase.account_id), currency), amount, unit: currency, kind: 'wallet_return', refs: { purchase: String(purchase.id), refund: refundId }, at });
    return amount;
  }

  /** A refund that undoes the upgrade its purchase gave drops the held tier back (protocol tiers.ts). */
  private async tierAfterRefund(tx: Transaction, purchase: Record<string, unknown>, at: string): Promise<string | null | undefined> {
    if (purchase.tier_after === null || purchase.tier_after === purchase.tier_before) return undefined;
    const card = await findCard(tx, { number: String(purchase.card_number) });
    if (!card) return undefined;
    const rules = await this.rules.ruleSetFor(tx, String(purchase.store_id), String(purchase.currency));
    const tiers = earningProgram(rules, card.programId)?.program.tiers;
    if (!tiers) return undefined;
    const member = await memberSnapshot(tx, card, rules, at);
    const held = tierAfterRefund(tiers, {
      held: member.tier.id,
      purchaseTierBefore: purchase.tier_before === null ? null : String(purchase.tier_before),
      purchaseTierAfter: String(purchase.tier_after),
      spendAfterRefund: member.qualifyingSpend,
    });
    if (held !== member.tier.id) await tx.execute({ sql: 'UPDATE member_state SET tier = ? WHERE account_id = ?', args: [held, card.accountId] });
    return held;
  }

  /** The referrer's side of a referral: into their card in the same program (their first active card otherwise). */
  private async payReferral(tx: Transaction, quote: Quote, card: CardRow, rules: RuleSet, refs: Record<string, unknown>, at: string): Promise<void> {
    const referral = quote.referral!;
    const earning = earningProgram(rules, card.programId);
    const target = (
      await tx.execute({
        sql: `SELECT account_id FROM cards WHERE customer_id = ? AND status = 'active' ORDER BY (program_id = ?) DESC, created_at LIMIT 1`,
        args: [referral.referrerId, card.programId],
      })
    ).rows[0];
    if (!target || !earning) return; // a referrer without a card gets nothing to book; the referee's side stands
    await creditPoints(tx, await this.operators.id(tx, 'issued'), {
      transferId: `${refs.purchase as string}:referral`,
      account: Number(target.account_id),
      points: referral.points,
      kind: 'bonus',
      refs: { ...refs, rule: `${quote.earningRule}:referral`, referred: card.customerId },
      at,
      expiresAt: expiryOf(earning.program.expiry, Date.parse(at), rules.timezone),
      operators: this.operators,
    });
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

  private async issueCoupon(tx: Transaction, account: number, transferId: string, terms: CouponTerms, at: string) {
    const code = `C${randomBytes(8).toString('hex').toUpperCase()}`;
    const expiresAt = new Date(Date.parse(at) + terms.validDays * DAY_MS).toISOString();
    await tx.execute({
      sql: 'INSERT INTO coupons (code, account_id, transfer_id, points, value, currency, reward_id, reward_name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      args: [code, account, transferId, terms.points, terms.value.amount, terms.value.currency, terms.rewardId ?? null, terms.rewardName ?? null, at, expiresAt],
    });
    return { code, value: terms.value, expiresAt, ...(terms.rewardId ? { rewardId: terms.rewardId, reward: terms.rewardName } : {}) };
  }

  private async postOperatorTransfer(tx: Transaction, id: string, from: OperatorAccount, to: OperatorAccount, amount: number, kind: string, refs: Record<string, unknown>, at: string): Promise<void> {
    await postTransfer(tx, { id, debitAccount: await this.operators.id(tx, from), creditAccount: await this.operators.id(tx, to), amount, unit: 'points', kind, refs, at });
  }
}

interface CouponTerms {
  points: number;
  value: { amount: number; currency: string };
  validDays: number;
  rewardId?: string;
  rewardName?: string;
  rule?: string;
}

export interface StatementItem {
  at: string;
  kind: string;
  points: number;
  balance: number;
  ref: string;
}
