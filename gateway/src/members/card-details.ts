/** A card as the API (`GET /cards/{number}`) and the console show it: one read of its account's figures. */
import type { CardRow } from '../ledger/cards.js';
import type { Ledger } from '../ledger/ledger.js';

export async function cardDetails(ledger: Ledger, card: CardRow) {
  const lots = await ledger.lots(card.accountId);
  const held = await ledger.held(card.accountId);
  const [wallet] = await ledger.wallets(card.accountId);
  return {
    number: card.number,
    uid: card.uid,
    status: card.status,
    customerId: card.customerId,
    programId: card.programId,
    balance: card.balance,
    available: card.balance - held,
    held,
    tier: await ledger.heldTier(card.accountId),
    lots,
    nextExpiry: lots.find((l) => l.expiresAt !== null) ?? null,
    wallet: wallet ?? null,
  };
}
