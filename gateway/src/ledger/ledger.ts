/**
 * The ledger (docs/ledger.md): one thin facade over its modules by operation family, so a caller
 * holds one object and each family stays small.
 *
 *   reads.ts        identify, lots, holds, wallets, statement
 *   purchases.ts    kiosk receipt earns, POS purchases, quotes (the evaluator's answer, booked)
 *   receipts.ts     till sales and the one claim per receipt
 *   redemptions.ts  redemptions, holds, coupons
 *   memberships.ts  clubs and paid memberships, the door check
 *   refunds.ts      refunds, clawback, cashback and tier reversal
 *   corrections.ts  adjustments, card replacement
 *   wallet.ts       the cashback wallet outside purchases
 *   expiry.ts       lot expiry
 *   offline.ts      offline redemptions reconciled, their exceptions
 *   core.ts         what they share: the writer, the op-id claim, cards, balances, rules
 */
import { LedgerError } from './errors.js';
import { earningProgram } from '@loyalty/protocol';
import type { CardRef, EarnData, EntranceDecision, IdentifyData, Quote } from '@loyalty/protocol';
import type { SqlClient as Client } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import { systemClock } from '../clock.js';
import { findCard, type CardRow } from './cards.js';
import { LedgerCore, type EarnInput, type LedgerOptions, type Lot, type PurchaseInput, type StatementItem } from './core.js';
import type { OnceOptions } from './idempotency.js';
import { findSale, registerSale, type Sale, type SaleInput } from './receipts.js';
import * as reads from './reads.js';
import * as purchases from './purchases.js';
import * as redemptions from './redemptions.js';
import * as memberships from './memberships.js';
import * as corrections from './corrections.js';
import * as refunds from './refunds.js';
import * as expiry from './expiry.js';
import * as wallet from './wallet.js';
import * as offline from './offline.js';
import type { OfflineRedemptionInput } from './offline.js';

export type { EarnInput, LedgerOptions, Lot, PurchaseInput, StatementItem } from './core.js';

export class Ledger {
  private readonly core: LedgerCore;

  constructor(client: Client, writer: GroupCommitWriter, options: LedgerOptions) {
    this.core = new LedgerCore(client, writer, options, options.clock ?? systemClock);
  }

  findCard(ref: CardRef): Promise<CardRow | null> {
    return findCard(this.core.client, ref);
  }

  /** A till registers a sale (POST /sales), which a kiosk scan of its receipt may then claim once. */
  registerSale(input: SaleInput & { opId: string; source: string }, options: OnceOptions = {}) {
    const { opId, source, ...sale } = input;
    return this.core.once(opId, { kind: 'sale', ...sale }, (tx, at) => registerSale(tx, sale, at, source, this.core.claimWindowDays), options);
  }

  findSale(storeId: string, receiptId: string): Promise<Sale | null> {
    return findSale(this.core.client, storeId, receiptId, this.core.claimWindowDays);
  }

  /**
   * A card look-up for a kiosk. With `storeId` it carries the member snapshot the store's rules
   * need, minus personal data, so the kiosk can show what a receipt will earn.
   */
  identify(ref: CardRef, storeId?: string): Promise<IdentifyData> {
    return reads.identify(this.core, ref, storeId);
  }

  /** The identify reply with the card's number and offline limits, for the card token (docs/offline.md). */
  identifyCard(ref: CardRef, storeId: string) {
    return reads.identifyCard(this.core, ref, storeId);
  }

  /** A redemption a kiosk made offline, booked: posted, or an exception to offline_overdraft (docs/offline.md). */
  redeemOffline(input: OfflineRedemptionInput) {
    return offline.redeemOffline(this.core, input);
  }

  offlineExceptions(range: { from: string; to: string; storeId?: string; limit?: number }) {
    return offline.offlineExceptions(this.core.client, range);
  }

  /** The tier the account holds (as of its last purchase or refund; reviews apply at the next one). */
  heldTier(accountId: number): Promise<string | null> {
    return reads.heldTier(this.core, accountId);
  }

  /** Open lots, earliest expiry first, plus what pending holds keep from being spent. */
  lots(accountId: number): Promise<Lot[]> {
    return reads.lots(this.core, accountId);
  }

  held(accountId: number): Promise<number> {
    return reads.held(this.core, accountId);
  }

  /** Movements of a card's account, newest first, each with the balance after it. */
  statement(number: string, limit: number, cursor?: number): Promise<{ items: StatementItem[]; nextCursor: string | null }> {
    return reads.statement(this.core, number, limit, cursor);
  }

  /** The card's wallets with money in them (one per currency). */
  wallets(accountId: number): Promise<Array<{ amount: number; currency: string }>> {
    return reads.wallets(this.core, accountId);
  }

  /**
   * Points for a till receipt scanned at a kiosk, once per op id and once per receipt per store,
   * for a sale the till registered (receipts.ts): the till's items, or one line of its total
   * (category `receipt`), are the basket; the store's rules decide.
   */
  earn(input: EarnInput): Promise<EarnData> {
    return purchases.earn(this.core, input);
  }

  /**
   * What a basket would give, without moving anything (POST /quotes): for a card now, or, for an
   * operator trying a program out, for a described member at a given time.
   */
  quote(input: Parameters<typeof purchases.quote>[1]): Promise<Quote> {
    return purchases.quote(this.core, input);
  }

  /** A POS purchase: discounts, an optional points payment, then what the store's rules give. */
  purchase(input: PurchaseInput, options?: OnceOptions) {
    return purchases.purchase(this.core, input, options);
  }

  /**
   * Spends points for a single-use coupon: a reward from the catalogue of the card's program
   * (its price in points, its validity), or a number of points worth their value in money.
   */
  /**
   * What a coupon for these points or this reward gives in the card's program at this store, and
   * above how many points its owner's SMS code must confirm it at a kiosk (null: never).
   */
  async couponTerms(input: { storeId: string; currency: string; card: CardRef; points?: number; rewardId?: string }) {
    const card = await this.core.usableCard(this.core.client, input.card);
    const terms = await redemptions.couponTerms(this.core, this.core.client, { ...input, programId: card.programId });
    const rules = await this.core.rules.ruleSetFor(this.core.client, input.storeId, input.currency);
    const confirmAbove = earningProgram(rules, card.programId)?.program.redemption?.confirmAbove ?? null;
    return { ...terms, confirmAbove };
  }

  redeem(input: { opId: string; card: CardRef; points?: number; storeId: string; source: string; currency: string; rewardId?: string }, options?: OnceOptions) {
    return redemptions.redeem(this.core, input, options);
  }

  /**
   * Joins a club or pays a paid membership (the fee is recorded as money received at the till).
   * The membership is the customer's, so the card must be registered; a renewal extends it.
   */
  joinMembership(input: { opId: string; card: CardRef; programId: string; storeId: string; source: string }, options?: OnceOptions) {
    return memberships.joinMembership(this.core, input, options);
  }

  /** The door check of a club or paid membership: allowed, or denied with the reason. */
  /** A card at an entrance kiosk: the decision and what the door shows, logged once per op id. */
  entranceAtKiosk(input: { opId: string; card: CardRef; programId: string; storeId: string; kioskId: string }) {
    return memberships.entranceAtKiosk(this.core, input);
  }

  checkEntrance(input: { card: CardRef; programId: string; storeId: string }): Promise<EntranceDecision & { programId: string }> {
    return memberships.checkEntrance(this.core, input);
  }

  /** Reserves points (pending) until posted or voided; voided by itself after the timeout. */
  hold(input: { opId: string; card: CardRef; points: number; reason: string; source: string; ttlMs?: number; coupon?: { storeId: string; rewardId?: string } }) {
    return redemptions.hold(this.core, input);
  }

  /** Completes a hold: the points are spent (drawn from lots) exactly as a redemption would. */
  postHold(input: { opId: string; holdId: string }) {
    return redemptions.postHold(this.core, input);
  }

  voidHold(input: { opId: string; holdId: string }) {
    return redemptions.voidHold(this.core, input);
  }

  /** A manual correction with a reason and who made it; never below zero. */
  adjust(input: { opId: string; card: CardRef; points: number; reason: string; actor: string }, options?: OnceOptions) {
    return corrections.adjust(this.core, input, options);
  }

  /**
   * Reverses the points a purchase earned, pro rata for a partial refund. Points the customer
   * already spent cannot be taken back: that part becomes a clawback debt that later earnings
   * repay, never a negative balance.
   */
  refund(input: { opId: string; purchaseId: string; items?: Array<{ sku: string; quantity: number }> }, options?: OnceOptions) {
    return refunds.refund(this.core, input, options);
  }

  /**
   * Lost card: the new card takes over the old card's account (balance, lots, holds, history
   * and tier follow the customer); the old card is blocked.
   */
  replaceCard(input: { opId: string; oldNumber: string; newNumber: string; newUid?: string | null; reason: string; actor: string }, options?: OnceOptions) {
    return corrections.replaceCard(this.core, input, options);
  }

  /**
   * Moves what is left of every lot that expired by `asOf` to `expired`. Safe to run twice or
   * from two processes at once: each lot's expiry is one transfer keyed by the lot, and the lot
   * is re-read inside the write transaction.
   */
  expire(asOf?: Date, batchSize?: number): Promise<{ lots: number; points: number }> {
    return expiry.expire(this.core, asOf, batchSize);
  }

  /** Marks pending holds past their timeout as voided (they already count as void). */
  voidExpiredHolds(): Promise<number> {
    return redemptions.voidExpiredHolds(this.core);
  }

  /** The coupon for a posted hold (issued once; a repeat returns the same coupon). */
  /** The points a hold keeps (or spent, once posted). */
  async holdPoints(holdId: string): Promise<number> {
    const row = (await this.core.client.execute({ sql: 'SELECT points FROM holds WHERE id = ?', args: [holdId] })).rows[0];
    if (!row) throw new LedgerError('hold_not_found', `no hold ${holdId}`);
    return Number(row.points);
  }

  couponForHold(holdId: string, currency: string) {
    return redemptions.couponForHold(this.core, holdId, currency);
  }

  /** Puts money into a card's cashback wallet directly (purchases credit cashback through the evaluator's quote). */
  creditWallet(input: { opId: string; card: CardRef; amount: number; currency: string; source: string; refs?: Record<string, unknown> }) {
    return wallet.creditWallet(this.core, input);
  }

  /** Pays with the wallet at checkout; never more than is in it. */
  spendWallet(input: { opId: string; card: CardRef; amount: number; currency: string; storeId: string; source: string }) {
    return wallet.spendWallet(this.core, input);
  }

  redeemCoupon(code: string, storeId: string) {
    return redemptions.redeemCoupon(this.core, code, storeId);
  }
}
