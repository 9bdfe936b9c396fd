/**
 * Spending points: redemptions for single-use coupons, holds that an SMS code confirms, and coupons used once at a till.
 */
import { randomBytes } from 'node:crypto';
import type { SqlExecutor as Reader, SqlTransaction as Transaction } from '../db/sql.js';
import { earningProgram, type CardRef } from '@loyalty/protocol';
import { LedgerError } from './errors.js';
import type { OnceOptions } from './idempotency.js';
import { availablePoints } from './points.js';
import { DAY_MS, type CouponTerms, type LedgerCore } from './core.js';

/**
 * What a coupon bought with points gives (docs/programs.md "Redemption"): a reward of the card's
 * program (its own value when it is money off, else its points at the program's point value), or
 * a number of points at the program's `redemption.pointValue` — always in the program's currency.
 */
export async function couponTerms(core: LedgerCore, tx: Reader, input: { storeId: string; currency: string; programId: string; points?: number; rewardId?: string }): Promise<CouponTerms> {
  const rules = await core.rules.ruleSetFor(tx, input.storeId, input.currency);
  const earning = earningProgram(rules, input.programId);
  if (!earning) throw new LedgerError('redemption_not_offered', `this card's program does not run at store ${input.storeId}`);
  const { program, version } = earning;
  const worth = (points: number) => ({ amount: points * (program.redemption?.pointValue ?? 0), currency: program.currency });
  if (input.rewardId !== undefined) {
    const reward = program.rewards.find((r) => r.id === input.rewardId);
    if (!reward) throw new LedgerError('reward_not_found', `no reward ${input.rewardId} in this card's program at store ${input.storeId}`);
    return {
      points: reward.points,
      value: reward.value ?? worth(reward.points),
      validDays: reward.couponValidDays,
      rewardId: reward.id,
      rewardName: reward.name,
      rule: `${program.id}@v${version}:reward:${reward.id}`,
    };
  }
  if (input.points === undefined) throw new LedgerError('invalid_request', 'say how many points, or which reward (rewardId)');
  if (!program.redemption) throw new LedgerError('redemption_not_offered', `${program.name} does not pay points out as coupons`);
  if (input.points < program.redemption.minimumPoints) {
    throw new LedgerError('redemption_below_minimum', `at least ${program.redemption.minimumPoints} points at a time`, { minimumPoints: program.redemption.minimumPoints });
  }
  return { points: input.points, value: worth(input.points), validDays: core.options.couponValidDays ?? 30, rule: `${program.id}@v${version}:points` };
}

/**
 * Spends points for a single-use coupon: a reward from the catalogue of the card's program
 * (its price in points, its validity), or a number of points worth their value in money.
 */
export function redeem(core: LedgerCore, input: { opId: string; card: CardRef; points?: number; storeId: string; source: string; currency: string; rewardId?: string }, options: OnceOptions = {}) {
  const request = { kind: 'redeem', ...input, opId: undefined };
  return core.once(
    input.opId,
    request,
    async (tx, at) => {
      const card = await core.usableCard(tx, input.card);
      const coupon = await couponTerms(core, tx, { ...input, programId: card.programId });
      await core.spend(tx, card.accountId, input.opId, coupon.points, at, {
        store: input.storeId,
        source: input.source,
        reward: coupon.rewardId ?? null,
        ...(coupon.rule ? { rule: coupon.rule } : {}),
      });
      const issued = await issueCoupon(core, tx, card.accountId, input.opId, coupon, at);
      return { balance: await core.balanceOf(tx, card.accountId), pointsRedeemed: coupon.points, coupon: issued };
    },
    options,
  );
}

/** Reserves points (pending) until posted or voided; voided by itself after the timeout. */
export function hold(core: LedgerCore, input: { opId: string; card: CardRef; points: number; reason: string; source: string; ttlMs?: number; coupon?: { storeId: string; rewardId?: string } }) {
  const request = { kind: 'hold', ...input, opId: undefined };
  return core.once(input.opId, request, async (tx, at) => {
    const card = await core.usableCard(tx, input.card);
    const available = await availablePoints(tx, card.accountId, at);
    if (input.points <= 0 || !Number.isSafeInteger(input.points)) throw new LedgerError('invalid_request', 'points must be a positive integer');
    if (input.points > available) throw new LedgerError('insufficient_points', `not enough points: ${available} available, ${input.points} asked`, { available });
    const expiresAt = new Date(Date.parse(at) + (input.ttlMs ?? core.options.holdTtlMs ?? 10 * 60_000)).toISOString();
    await tx.execute({
      sql: `INSERT INTO holds (id, account_id, points, state, reason, refs, created_at, expires_at) VALUES (?, ?, ?, 'pending', ?, ?, ?, ?)`,
      args: [input.opId, card.accountId, input.points, input.reason, JSON.stringify({ source: input.source, ...(input.coupon ?? {}) }), at, expiresAt],
    });
    return { holdId: input.opId, points: input.points, expiresAt, available: available - input.points };
  });
}

/** Completes a hold: the points are spent (drawn from lots) exactly as a redemption would. */
export function postHold(core: LedgerCore, input: { opId: string; holdId: string }) {
  return core.once(input.opId, { kind: 'post_hold', holdId: input.holdId }, async (tx, at) => {
    const hold = await pendingHold(core, tx, input.holdId, at);
    await core.spend(tx, hold.accountId, input.opId, hold.points, at, { hold: input.holdId }, input.holdId);
    await tx.execute({ sql: `UPDATE holds SET state = 'posted', resolved_at = ?, transfer_id = ? WHERE id = ?`, args: [at, input.opId, input.holdId] });
    return { holdId: input.holdId, state: 'posted' as const, points: hold.points, balance: await core.balanceOf(tx, hold.accountId) };
  });
}

export function voidHold(core: LedgerCore, input: { opId: string; holdId: string }) {
  return core.once(input.opId, { kind: 'void_hold', holdId: input.holdId }, async (tx, at) => {
    const hold = await pendingHold(core, tx, input.holdId, at, true);
    await tx.execute({ sql: `UPDATE holds SET state = 'voided', resolved_at = ? WHERE id = ?`, args: [at, input.holdId] });
    return { holdId: input.holdId, state: 'voided' as const, points: hold.points };
  });
}

/** Marks pending holds past their timeout as voided (they already count as void). */
export async function voidExpiredHolds(core: LedgerCore): Promise<number> {
  return core.writer.run(async (tx) => {
    const at = core.now();
    const result = await tx.execute({ sql: `UPDATE holds SET state = 'voided', resolved_at = ? WHERE state = 'pending' AND expires_at <= ?`, args: [at, at] });
    return result.rowsAffected;
  });
}

/** The coupon for a posted hold (issued once; a repeat returns the same coupon). */
export async function couponForHold(core: LedgerCore, holdId: string, currency: string) {
  return core.writer.run(async (tx) => {
    const at = core.now();
    const hold = (await tx.execute({ sql: 'SELECT account_id, points, state, transfer_id, refs FROM holds WHERE id = ?', args: [holdId] })).rows[0];
    if (hold?.state !== 'posted') throw new LedgerError('hold_not_pending', `hold ${holdId} is not posted`);
    const existing = (await tx.execute({ sql: 'SELECT code, value, currency, expires_at FROM coupons WHERE transfer_id = ?', args: [String(hold.transfer_id)] })).rows[0];
    if (existing) return { code: String(existing.code), value: { amount: Number(existing.value), currency: String(existing.currency) }, expiresAt: String(existing.expires_at) };
    const points = Number(hold.points);
    // The coupon the hold was for, on the terms of the card's program where it was asked for.
    const refs = JSON.parse(String(hold.refs ?? '{}')) as { storeId?: string; rewardId?: string };
    const card = (await tx.execute({ sql: 'SELECT program_id FROM cards WHERE account_id = ? LIMIT 1', args: [Number(hold.account_id)] })).rows[0];
    const terms =
      refs.storeId && card
        ? await couponTerms(core, tx, { storeId: refs.storeId, currency, programId: String(card.program_id), ...(refs.rewardId ? { rewardId: refs.rewardId } : { points }) })
        : { points, value: { amount: points * (core.options.pointValueMinor ?? 1), currency }, validDays: core.options.couponValidDays ?? 30 };
    return issueCoupon(core, tx, Number(hold.account_id), String(hold.transfer_id), terms, at);
  });
}

export async function pendingHold(_core: LedgerCore, tx: Transaction, holdId: string, at: string, allowExpired = false): Promise<{ accountId: number; points: number }> {
  const row = (await tx.execute({ sql: 'SELECT account_id, points, state, expires_at FROM holds WHERE id = ?', args: [holdId] })).rows[0];
  if (!row) throw new LedgerError('hold_not_found', `no hold ${holdId}`);
  if (row.state !== 'pending') throw new LedgerError('hold_not_pending', `hold ${holdId} is already ${String(row.state)}`);
  if (!allowExpired && String(row.expires_at) <= at) throw new LedgerError('hold_expired', `hold ${holdId} timed out at ${String(row.expires_at)} and counts as voided`);
  return { accountId: Number(row.account_id), points: Number(row.points) };
}

export async function issueCoupon(_core: LedgerCore, tx: Transaction, account: number, transferId: string, terms: CouponTerms, at: string) {
  const code = `C${randomBytes(8).toString('hex').toUpperCase()}`;
  const expiresAt = new Date(Date.parse(at) + terms.validDays * DAY_MS).toISOString();
  await tx.execute({
    sql: 'INSERT INTO coupons (code, account_id, transfer_id, points, value, currency, reward_id, reward_name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    args: [code, account, transferId, terms.points, terms.value.amount, terms.value.currency, terms.rewardId ?? null, terms.rewardName ?? null, at, expiresAt],
  });
  return { code, value: terms.value, expiresAt, ...(terms.rewardId ? { rewardId: terms.rewardId, reward: terms.rewardName } : {}) };
}

export async function redeemCoupon(core: LedgerCore, code: string, storeId: string) {
  return core.writer.run(async (tx) => {
    const at = core.now();
    const row = (await tx.execute({ sql: 'SELECT * FROM coupons WHERE code = ?', args: [code] })).rows[0];
    if (!row) throw new LedgerError('coupon_not_found', `no coupon ${code}`);
    if (row.used_at !== null) throw new LedgerError('coupon_used', `coupon ${code} was already used on ${String(row.used_at)}`);
    if (String(row.expires_at) <= at) throw new LedgerError('coupon_expired', `coupon ${code} expired on ${String(row.expires_at)}`);
    await tx.execute({ sql: 'UPDATE coupons SET used_at = ?, used_store = ? WHERE code = ? AND used_at IS NULL', args: [at, storeId, code] });
    return {
      code,
      value: { amount: Number(row.value), currency: String(row.currency) },
      points: Number(row.points),
      rewardId: row.reward_id === null ? null : String(row.reward_id),
      reward: row.reward_name === null ? null : String(row.reward_name),
      usedAt: at,
      storeId,
    };
  });
}
