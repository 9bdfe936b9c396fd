import type { SqlTransaction as Transaction } from '../db/sql.js';
import { earningProgram, expiryOf, maskCardNumber, type Basket, type CardRef, type EarnData, type MemberSnapshot, type Quote, type RuleSet } from '@loyalty/protocol';
import { moneyOperatorAccount, partnerSettlementAccount, walletAccount } from './accounts.js';
import { findCard, type CardRow } from './cards.js';
import { LedgerError } from './errors.js';
import type { OnceOptions } from './idempotency.js';
import { creditPoints, debitPoints } from './points.js';
import type { PurchaseItem } from './refund-plan.js';
import { postTransfer } from './transfers.js';
import { claimReceipt, claimScannedReceipt } from './receipts.js';
import { addPurchaseSpend } from './spend-days.js';
import type { EarnInput, LedgerCore, PurchaseInput } from './core.js';

/**
 * Points for a till receipt scanned at a kiosk, once per op id and once per receipt per store,
 * for a sale the till registered (receipts.ts): the till's items, or one line of its total
 * (category `receipt`), are the basket; the store's rules decide.
 */
export function earn(core: LedgerCore, input: EarnInput): Promise<EarnData> {
  const request = { kind: 'earn', card: input.card, receipt: input.receipt, storeId: input.storeId, source: input.source };
  return core.once(input.opId, request, async (tx, at) => {
    const card = await core.usableCard(tx, input.card);
    const basket = await claimScannedReceipt(tx, { storeId: input.storeId, receipt: input.receipt, accountId: card.accountId, opId: input.opId, at, claimWindowDays: core.claimWindowDays });
    const { quote, rules } = await core.quoteFor(tx, card, basket, at);
    const booked = await book(core, tx, card, { opId: input.opId, storeId: input.storeId, source: input.source, receipt: input.receipt.id }, basket, quote, rules, at);
    // Every line that moved something (points, or cashback money) is explained on the slip.
    const lines = quote.lines
      .filter((l) => (l.points ?? 0) !== 0 || (l.amount ?? 0) !== 0)
      .map((l) => ({ text: l.text, ...(l.points !== undefined ? { points: l.points } : {}), ...(l.amount !== undefined ? { amount: l.amount } : {}) }));
    return { cardNumberMasked: maskCardNumber(card.number), pointsEarned: quote.pointsEarned, balance: booked.balance, transferId: input.opId, lines };
  });
}

/**
 * What a basket would give, without moving anything (POST /quotes): for a card now, or, for an
 * operator trying a program out, for a described member at a given time.
 */
export async function quote(
  core: LedgerCore,
  input: { card?: CardRef; member?: MemberSnapshot; at?: string; storeId: string; currency: string; items: PurchaseItem[]; redeemPoints?: number; partnerId?: string; walletPayment?: number },
): Promise<Quote> {
  const basket: Basket = { storeId: input.storeId, currency: input.currency, items: input.items, redeemPoints: input.redeemPoints, partnerId: input.partnerId, walletPayment: input.walletPayment };
  const at = input.at ?? core.now();
  if (input.member) return core.evaluateFor(await core.rules.ruleSetFor(core.client, basket.storeId, basket.currency), basket, input.member, at);
  if (!input.card) throw new LedgerError('invalid_request', 'a quote needs a card or a member');
  const card = await findCard(core.client, input.card);
  if (!card) throw new LedgerError('card_not_found', 'card not recognised');
  if (card.status === 'blocked') throw new LedgerError('card_blocked', 'this card is blocked; please ask at the service desk');
  return (await core.quoteFor(core.client, card, basket, at)).quote;
}

/** A POS purchase: discounts, an optional points payment, then what the store's rules give. */
export function purchase(core: LedgerCore, input: PurchaseInput, options: OnceOptions = {}) {
  const request = { kind: 'purchase', ...input, opId: undefined };
  return core.once(
    input.opId,
    request,
    async (tx, at) => {
      const card = await core.usableCard(tx, input.card);
      // Naming the till receipt claims it, so a kiosk scan of the same receipt earns nothing more.
      if (input.receiptId !== undefined) await claimReceipt(tx, { storeId: input.storeId, receiptId: input.receiptId, opId: input.opId, kind: 'purchase', accountId: card.accountId, at });
      const basket: Basket = { storeId: input.storeId, currency: input.currency, items: input.items, redeemPoints: input.redeemPoints, partnerId: input.partnerId, walletPayment: input.walletPayment };
      const { quote, rules } = await core.quoteFor(tx, card, basket, at);
      const booked = await book(
        core,
        tx,
        card,
        { opId: input.opId, storeId: input.storeId, source: input.source, ...(input.receiptId !== undefined ? { receipt: input.receiptId } : {}) },
        basket,
        quote,
        rules,
        at,
      );
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
 * Books a quote: the points payment, the points earned (from the partner's settlement account
 * at a partner), the referrer's bonus, cashback into the wallet, the member's tier and birthday
 * year, and the purchase row that refunds and tier spend read.
 */
export async function book(
  core: LedgerCore,
  tx: Transaction,
  card: CardRow,
  op: { opId: string; storeId: string; source: string; receipt?: string },
  basket: Basket,
  quote: Quote,
  rules: RuleSet,
  at: string,
): Promise<{ balance: number }> {
  const refs = { purchase: op.opId, store: op.storeId, source: op.source, ruleSet: quote.ruleSetVersion, ...(op.receipt ? { receipt: op.receipt } : {}) };
  if (quote.pointsRedeemed > 0) {
    await debitPoints(tx, await core.operators.id(tx, 'redeemed'), {
      transferId: `${op.opId}:redeem`,
      account: card.accountId,
      points: quote.pointsRedeemed,
      kind: 'redeem',
      refs: { ...refs, rule: `${quote.earningRule}:redemption` },
      at,
    });
  }
  let lotId: number | null = null;
  if (quote.pointsEarned > 0) {
    const from = quote.partner ? await partnerSettlementAccount(tx, quote.partner.id) : await core.operators.id(tx, 'issued');
    const rule = quote.partner ? `${quote.partner.programId}@v${quote.partner.version}` : quote.earningRule;
    ({ lotId } = await creditPoints(tx, from, {
      transferId: op.opId,
      account: card.accountId,
      points: quote.pointsEarned,
      kind: 'earn',
      refs: { ...refs, rule, ...(quote.partner ? { partner: quote.partner.id } : {}) },
      at,
      expiresAt: quote.lots[0]?.expiresAt ?? null,
      operators: core.operators,
      knownDebt: card.debt,
    }));
  }
  if (quote.referral) await payReferral(core, tx, quote, card, rules, refs, at);
  if (quote.walletPaid > 0) {
    const wallet = await walletAccount(tx, card.accountId, basket.currency);
    await postTransfer(tx, {
      id: `${op.opId}:wallet`,
      debitAccount: wallet,
      creditAccount: await moneyOperatorAccount(tx, 'wallet_spent', basket.currency),
      amount: quote.walletPaid,
      unit: basket.currency,
      kind: 'wallet_spend',
      refs,
      at,
    });
  }
  if (quote.cashback) {
    const wallet = await walletAccount(tx, card.accountId, quote.cashback.currency);
    const rule = quote.lines
      .filter((l) => l.amount !== undefined && l.amount > 0)
      .map((l) => l.rule)
      .join(',');
    await postTransfer(tx, {
      id: `${op.opId}:cashback`,
      debitAccount: await moneyOperatorAccount(tx, 'cashback', quote.cashback.currency),
      creditAccount: wallet,
      amount: quote.cashback.amount,
      unit: quote.cashback.currency,
      kind: 'cashback',
      refs: { ...refs, rule },
      at,
    });
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
      op.opId,
      card.accountId,
      card.number,
      op.storeId,
      basket.currency,
      JSON.stringify(basket.items),
      quote.subtotal,
      quote.discount + quote.redemptionValue,
      quote.pointsEarned,
      quote.pointsRedeemed,
      lotId,
      at,
      quote.ruleSetVersion,
      quote.earningRule,
      quote.payable,
      quote.partner ? 0 : quote.purchasePoints,
      quote.cashback?.amount ?? 0,
      quote.partner?.id ?? null,
      quote.tier?.before ?? null,
      quote.tier?.after ?? null,
      JSON.stringify(quote.lines),
      quote.walletPaid,
    ],
  });
  if (!quote.partner) await addPurchaseSpend(tx, card.accountId, at, quote.payable);
  return { balance: await core.balanceOf(tx, card.accountId) };
}

/** The referrer's side of a referral: into their card in the same program (their first active card otherwise). */
export async function payReferral(core: LedgerCore, tx: Transaction, quote: Quote, card: CardRow, rules: RuleSet, refs: Record<string, unknown>, at: string): Promise<void> {
  const referral = quote.referral!;
  const earning = earningProgram(rules, card.programId);
  const target = (
    await tx.execute({
      sql: `SELECT account_id FROM cards WHERE customer_id = ? AND status = 'active' ORDER BY (program_id = ?) DESC, created_at LIMIT 1`,
      args: [referral.referrerId, card.programId],
    })
  ).rows[0];
  if (!target || !earning) return; // a referrer without a card gets nothing to book; the referee's side stands
  await creditPoints(tx, await core.operators.id(tx, 'issued'), {
    transferId: `${refs.purchase as string}:referral`,
    account: Number(target.account_id),
    points: referral.points,
    kind: 'bonus',
    refs: { ...refs, rule: `${quote.earningRule}:referral`, referred: card.customerId },
    at,
    expiresAt: expiryOf(earning.program.expiry, Date.parse(at), rules.timezone),
    operators: core.operators,
  });
}
