import type { SqlTransaction as Transaction } from '../db/sql.js';
import { earningProgram, tierAfterRefund } from '@loyalty/protocol';
import { moneyOperatorAccount, partnerSettlementAccount, walletAccount } from './accounts.js';
import { memberSnapshot } from '../programs/member-snapshot.js';
import { findCard } from './cards.js';
import { LedgerError } from './errors.js';
import type { OnceOptions } from './idempotency.js';
import { debitPoints } from './points.js';
import { planRefund, type PurchaseItem } from './refund-plan.js';
import { postTransfer } from './transfers.js';
import { addRefundSpend } from './spend-days.js';
import type { LedgerCore } from './core.js';

/**
 * Reverses the points a purchase earned, pro rata for a partial refund. Points the customer
 * already spent cannot be taken back: that part becomes a clawback debt that later earnings
 * repay, never a negative balance.
 */
export function refund(core: LedgerCore, input: { opId: string; purchaseId: string; items?: Array<{ sku: string; quantity: number }> }, options: OnceOptions = {}) {
  const request = { kind: 'refund', ...input, opId: undefined };
  return core.once(
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
      const balance = await core.balanceOf(tx, account);
      const reversed = Math.min(plan.points, balance);
      const clawback = plan.points - reversed;
      // Reversed by the rule that gave the points (pro rata), so the refund names it too.
      const refs = { purchase: input.purchaseId, refund: input.opId, ...(purchase.earning_rule !== null ? { rule: String(purchase.earning_rule) } : {}) };
      if (reversed > 0) {
        const partner = purchase.partner_id === null ? null : String(purchase.partner_id);
        await debitPoints(tx, partner ? await partnerSettlementAccount(tx, partner) : await core.operators.id(tx, 'issued'), {
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
        await core.postOperatorTransfer(tx, `${input.opId}:clawback`, 'clawback', 'issued', clawback, 'clawback', { ...refs, card: String(purchase.card_number) }, at);
        await tx.execute({
          sql: 'INSERT INTO debts (account_id, outstanding) VALUES (?, ?) ON CONFLICT (account_id) DO UPDATE SET outstanding = outstanding + excluded.outstanding',
          args: [account, clawback],
        });
      }
      const cashbackReversed = await reverseCashback(core, tx, purchase, plan.value, input.opId, at);
      const walletReturned = await returnWalletPayment(core, tx, purchase, plan.value, input.opId, at);
      await tx.execute({
        sql: 'INSERT INTO refunds (id, purchase_id, items, value, points_reversed, clawback, cashback_reversed, wallet_returned, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        args: [input.opId, input.purchaseId, JSON.stringify(plan.items), plan.value, plan.points, clawback, cashbackReversed, walletReturned, at],
      });
      await addRefundSpend(tx, input.opId);
      const tier = await heldTierAfterRefund(core, tx, purchase, at);
      return {
        pointsReversed: plan.points,
        balance: await core.balanceOf(tx, account),
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
 * Takes back the refunded share of a purchase's cashback (cumulative, so partial refunds add up
 * to exactly what was given), as far as the wallet still holds it.
 */
export async function reverseCashback(core: LedgerCore, tx: Transaction, purchase: Record<string, unknown>, value: number, refundId: string, at: string): Promise<number> {
  const given = Number(purchase.cashback ?? 0);
  const total = Number(purchase.total);
  if (given === 0 || total === 0) return 0;
  const before = (await tx.execute({ sql: 'SELECT COALESCE(SUM(value), 0) AS v, COALESCE(SUM(cashback_reversed), 0) AS c FROM refunds WHERE purchase_id = ?', args: [String(purchase.id)] })).rows[0]!;
  const due = Math.floor((given * (Number(before.v) + value)) / total) - Number(before.c);
  const currency = String(purchase.currency);
  const wallet = await walletAccount(tx, Number(purchase.account_id), currency);
  const amount = Math.min(due, await core.balanceOf(tx, wallet));
  if (amount <= 0) return 0;
  await postTransfer(tx, {
    id: `${refundId}:cashback`,
    debitAccount: wallet,
    creditAccount: await moneyOperatorAccount(tx, 'cashback', currency),
    amount,
    unit: currency,
    kind: 'cashback_reversal',
    refs: { purchase: String(purchase.id), refund: refundId },
    at,
  });
  return amount;
}

/** What the wallet paid for the refunded share goes back into the wallet (cumulative, like points). */
export async function returnWalletPayment(_core: LedgerCore, tx: Transaction, purchase: Record<string, unknown>, value: number, refundId: string, at: string): Promise<number> {
  const paid = Number(purchase.wallet_paid ?? 0);
  const total = Number(purchase.total);
  if (paid === 0 || total === 0) return 0;
  const before = (await tx.execute({ sql: 'SELECT COALESCE(SUM(value), 0) AS v, COALESCE(SUM(wallet_returned), 0) AS w FROM refunds WHERE purchase_id = ?', args: [String(purchase.id)] })).rows[0]!;
  const amount = Math.floor((paid * (Number(before.v) + value)) / total) - Number(before.w);
  if (amount <= 0) return 0;
  const currency = String(purchase.currency);
  await postTransfer(tx, {
    id: `${refundId}:wallet`,
    debitAccount: await moneyOperatorAccount(tx, 'wallet_spent', currency),
    creditAccount: await walletAccount(tx, Number(purchase.account_id), currency),
    amount,
    unit: currency,
    kind: 'wallet_return',
    refs: { purchase: String(purchase.id), refund: refundId },
    at,
  });
  return amount;
}

/** A refund that undoes the upgrade its purchase gave drops the held tier back (protocol tiers.ts). */
export async function heldTierAfterRefund(core: LedgerCore, tx: Transaction, purchase: Record<string, unknown>, at: string): Promise<string | null | undefined> {
  if (purchase.tier_after === null || purchase.tier_after === purchase.tier_before) return undefined;
  const card = await findCard(tx, { number: String(purchase.card_number) });
  if (!card) return undefined;
  const rules = await core.rules.ruleSetFor(tx, String(purchase.store_id), String(purchase.currency));
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
