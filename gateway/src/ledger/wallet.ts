import type { CardRef } from '@loyalty/protocol';
import { moneyOperatorAccount, walletAccount } from './accounts.js';
import { LedgerError } from './errors.js';
import { postTransfer } from './transfers.js';
import type { LedgerCore } from './core.js';

/** Puts money into a card's cashback wallet directly (purchases credit cashback through the evaluator's quote). */
export function creditWallet(core: LedgerCore, input: { opId: string; card: CardRef; amount: number; currency: string; source: string; refs?: Record<string, unknown> }) {
  const request = { kind: 'wallet_credit', ...input, opId: undefined };
  return core.once(input.opId, request, async (tx, at) => {
    if (!Number.isSafeInteger(input.amount) || input.amount <= 0) throw new LedgerError('invalid_request', 'amount must be a positive integer of minor units');
    const card = await core.usableCard(tx, input.card);
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
    return { wallet: { amount: await core.balanceOf(tx, wallet), currency: input.currency } };
  });
}

/** Pays with the wallet at checkout; never more than is in it. */
export function spendWallet(core: LedgerCore, input: { opId: string; card: CardRef; amount: number; currency: string; storeId: string; source: string }) {
  const request = { kind: 'wallet_spend', ...input, opId: undefined };
  return core.once(input.opId, request, async (tx, at) => {
    if (!Number.isSafeInteger(input.amount) || input.amount <= 0) throw new LedgerError('invalid_request', 'amount must be a positive integer of minor units');
    const card = await core.usableCard(tx, input.card);
    const wallet = await walletAccount(tx, card.accountId, input.currency);
    const available = await core.balanceOf(tx, wallet);
    if (input.amount > available) throw new LedgerError('insufficient_wallet', `the wallet holds ${available} ${input.currency} minor units, ${input.amount} asked`, { available });
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
