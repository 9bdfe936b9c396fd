import { earningProgram, maskCardNumber, type CardRef, type IdentifyData, type MemberSnapshot, type OfflineRedemption } from '@loyalty/protocol';
import { memberSnapshot } from '../programs/member-snapshot.js';
import { displayName, findCard } from './cards.js';
import { LedgerError } from './errors.js';
import { heldPoints } from './points.js';
import type { LedgerCore, Lot, StatementItem } from './core.js';

/**
 * A card look-up for a kiosk. With `storeId` it carries the member snapshot the store's rules
 * need, minus personal data, so the kiosk can show what a receipt will earn.
 */
export async function identify(core: LedgerCore, ref: CardRef, storeId?: string): Promise<IdentifyData> {
  return (await identifyCard(core, ref, storeId)).data;
}

/**
 * The identify reply with what a card token needs besides (docs/offline.md): the card's number and,
 * when the card's program at this store lets kiosks pay out offline, its limits.
 */
export async function identifyCard(core: LedgerCore, ref: CardRef, storeId?: string): Promise<{ data: IdentifyData; number: string; offline: OfflineRedemption | null }> {
  const card = await findCard(core.client, ref);
  if (!card) throw new LedgerError('card_not_found', 'card not recognised');
  let member: MemberSnapshot | undefined;
  let offline: OfflineRedemption | null = null;
  if (storeId !== undefined && card.status === 'active') {
    const bundleRules = await core.rules.ruleSetFor(core.client, storeId, 'EUR');
    const snapshot = await memberSnapshot(core.client, card, bundleRules, core.now());
    member = { ...snapshot, birthday: snapshot.birthday ? `2000-${snapshot.birthday.slice(5)}` : null, referrerId: snapshot.referrerId ? 'referred' : null };
    offline = earningProgram(bundleRules, card.programId)?.program.redemption?.offline ?? null;
  }
  const data: IdentifyData = {
    cardNumberMasked: maskCardNumber(card.number),
    status: card.status,
    displayName: displayName(card.customerName),
    balance: card.balance,
    // The snapshot read the held tier already; only a look-up without one reads it alone.
    tier: member ? member.tier.id : await heldTier(core, card.accountId),
    ...(member ? { member } : {}),
    ...(card.status === 'active' ? { nextExpiry: await nextExpiry(core, card.accountId) } : {}),
  };
  return { data, number: card.number, offline };
}

/** The points that expire first: every open lot that expires at the earliest instant still ahead. */
export async function nextExpiry(core: LedgerCore, accountId: number): Promise<{ points: number; expiresAt: string } | null> {
  const row = (
    await core.client.execute({
      sql: `SELECT expires_at, SUM(remaining) AS points FROM lots
            WHERE account_id = ? AND remaining > 0 AND expires_at IS NOT NULL AND expires_at > ?
            GROUP BY expires_at ORDER BY expires_at LIMIT 1`,
      args: [accountId, core.now()],
    })
  ).rows[0];
  return row ? { points: Number(row.points), expiresAt: String(row.expires_at) } : null;
}

/** The tier the account holds (as of its last purchase or refund; reviews apply at the next one). */
export async function heldTier(core: LedgerCore, accountId: number): Promise<string | null> {
  const row = (await core.client.execute({ sql: 'SELECT tier FROM member_state WHERE account_id = ?', args: [accountId] })).rows[0];
  return row?.tier == null ? null : String(row.tier);
}

/** Open lots, earliest expiry first, plus what pending holds keep from being spent. */
export async function lots(core: LedgerCore, accountId: number): Promise<Lot[]> {
  const rows = (
    await core.client.execute({
      sql: 'SELECT remaining, expires_at FROM lots WHERE account_id = ? AND remaining > 0 ORDER BY expires_at IS NULL, expires_at, id',
      args: [accountId],
    })
  ).rows;
  return rows.map((r) => ({ points: Number(r.remaining), expiresAt: r.expires_at === null ? null : String(r.expires_at) }));
}

export async function held(core: LedgerCore, accountId: number): Promise<number> {
  return heldPoints(core.client, accountId, core.now());
}

/** Movements of a card's account, newest first, each with the balance after it. */
export async function statement(core: LedgerCore, number: string, limit: number, cursor?: number): Promise<{ items: StatementItem[]; nextCursor: string | null }> {
  const card = await findCard(core.client, { number });
  if (!card) throw new LedgerError('card_not_found', `no card ${number}`);
  const rows = (
    await core.client.execute({
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

/** The card's wallets with money in them (one per currency). */
export async function wallets(core: LedgerCore, accountId: number): Promise<Array<{ amount: number; currency: string }>> {
  const rows = (await core.client.execute({ sql: "SELECT unit, balance FROM accounts WHERE code LIKE 'wallet:' || ? || ':%' AND balance > 0 ORDER BY unit", args: [String(accountId)] })).rows;
  return rows.map((r) => ({ amount: Number(r.balance), currency: String(r.unit) }));
}
