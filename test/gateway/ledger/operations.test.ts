/**
 * The ledger's operations one scenario at a time, on a real libSQL file: lots and expiry,
 * holds, refunds with clawback, card replacement, adjustments, concurrent redemptions, the
 * statement, and tampering caught by verify.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpIdGenerator } from '@loyalty/protocol';
import { verifyLedger } from '../../../gateway/src/ledger/verify.js';
import { basket, ledgerRig, type LedgerRig } from './harness.js';

const ids = new OpIdGenerator();
let rig: LedgerRig;
let card: string;

beforeEach(async () => {
  rig = await ledgerRig();
  card = rig.cards[0]!;
});
afterEach(async () => {
  await rig.close();
});

const buy = (quantity: number, number = card) => rig.ledger.purchase({ opId: ids.next(), card: { number }, storeId: 's1', currency: 'EUR', items: basket(quantity), source: 'test' });
const redeem = (points: number, number = card) => rig.ledger.redeem({ opId: ids.next(), card: { number }, points, storeId: 's1', source: 'test', currency: 'EUR' });
const accountOf = async (number = card) => (await rig.ledger.findCard({ number }))!;
const balance = async (number = card) => (await accountOf(number)).balance;
const lots = async (number = card) => rig.ledger.lots((await accountOf(number)).accountId);
const verified = async () => expect((await verifyLedger(rig.client)).violations).toEqual([]);

describe('lots and expiry', () => {
  it('spends the earliest-expiring lot first and records the draws', async () => {
    await buy(10); // expires day 10
    rig.clock.advanceDays(3);
    await buy(20); // expires day 13
    await redeem(15);
    expect(await lots()).toEqual([{ points: 15, expiresAt: '2026-01-14T00:00:00.000Z' }]);
    const draws = (await rig.client.execute('SELECT points FROM lot_draws ORDER BY lot_id')).rows.map((r) => Number(r.points));
    expect(draws).toEqual([10, 5]);
    await verified();
  });

  it('expires what is left of a lot into `expired`, idempotently, also when two runs race', async () => {
    await buy(10);
    await redeem(4);
    rig.clock.advanceDays(10);
    const [first, second] = await Promise.all([rig.ledger.expire(), rig.ledger.expire()]);
    expect(first.points + second.points).toBe(6);
    expect(await rig.ledger.expire()).toEqual({ lots: 0, points: 0 });
    expect(await balance()).toBe(0);
    const expired = (await rig.client.execute("SELECT balance FROM accounts WHERE code = 'op:expired:points'")).rows[0]!;
    expect(Number(expired.balance)).toBe(6);
    await verified();
  });

  it('does not expire a lot before its time', async () => {
    await buy(10);
    rig.clock.advanceDays(9);
    expect(await rig.ledger.expire()).toEqual({ lots: 0, points: 0 });
    expect(await balance()).toBe(10);
  });
});

describe('holds', () => {
  it('keeps held points from being spent twice, posts them once, and frees them on void', async () => {
    await buy(50);
    const hold = await rig.ledger.hold({ opId: ids.next(), card: { number: card }, points: 40, reason: 'sms confirmation', source: 'test' });
    expect(hold.available).toBe(10);
    await expect(redeem(11)).rejects.toMatchObject({ code: 'insufficient_points' });
    await expect(rig.ledger.hold({ opId: ids.next(), card: { number: card }, points: 11, reason: 'x', source: 't' })).rejects.toMatchObject({ code: 'insufficient_points' });
    await rig.ledger.postHold({ opId: ids.next(), holdId: hold.holdId });
    expect(await balance()).toBe(10);
    await expect(rig.ledger.postHold({ opId: ids.next(), holdId: hold.holdId })).rejects.toMatchObject({ code: 'hold_not_pending' });

    const second = await rig.ledger.hold({ opId: ids.next(), card: { number: card }, points: 10, reason: 'staff approval', source: 'test' });
    await rig.ledger.voidHold({ opId: ids.next(), holdId: second.holdId });
    await expect(redeem(10)).resolves.toMatchObject({ balance: 0 });
    await verified();
  });

  it('voids a hold by itself after its timeout', async () => {
    await buy(30);
    const hold = await rig.ledger.hold({ opId: ids.next(), card: { number: card }, points: 30, reason: 'sms', source: 'test', ttlMs: 60_000 });
    await expect(redeem(1)).rejects.toMatchObject({ code: 'insufficient_points' });
    rig.clock.ms += 60_000;
    await expect(redeem(1)).resolves.toMatchObject({ balance: 29 });
    await expect(rig.ledger.postHold({ opId: ids.next(), holdId: hold.holdId })).rejects.toMatchObject({ code: 'hold_expired' });
    expect(await rig.ledger.voidExpiredHolds()).toBe(1);
    const state = (await rig.client.execute({ sql: 'SELECT state FROM holds WHERE id = ?', args: [hold.holdId] })).rows[0]!.state;
    expect(state).toBe('voided');
  });
});

describe('refunds', () => {
  it('reverses points pro rata; partial refunds add up to exactly what the purchase earned', async () => {
    const purchase = await buy(10); // 10 points
    const refund = (quantity: number) => rig.ledger.refund({ opId: ids.next(), purchaseId: purchase.purchaseId, items: [{ sku: 'SKU-1', quantity }] });
    expect((await refund(3)).pointsReversed).toBe(3);
    expect((await refund(3)).pointsReversed).toBe(3);
    expect((await refund(4)).pointsReversed).toBe(4);
    await expect(refund(1)).rejects.toMatchObject({ code: 'refund_exceeds_purchase' });
    expect(await balance()).toBe(0);
    await verified();
  });

  it('rounds per refund without losing a point: 7 points over 3 refunds of a 3-item purchase', async () => {
    const purchase = await rig.ledger.purchase({
      opId: ids.next(),
      card: { number: card },
      storeId: 's1',
      currency: 'EUR',
      items: [{ sku: 'A', category: 'x', quantity: 3, unitPrice: 250 }],
      source: 't',
    });
    expect(purchase.pointsEarned).toBe(7);
    const reversed: number[] = [];
    for (let i = 0; i < 3; i += 1) reversed.push((await rig.ledger.refund({ opId: ids.next(), purchaseId: purchase.purchaseId, items: [{ sku: 'A', quantity: 1 }] })).pointsReversed);
    expect(reversed).toEqual([2, 2, 3]);
    expect(reversed.reduce((a, b) => a + b)).toBe(7);
  });

  it('turns points already spent into a clawback debt that later earnings repay, never a negative balance', async () => {
    const purchase = await buy(30);
    await redeem(25);
    const refund = await rig.ledger.refund({ opId: ids.next(), purchaseId: purchase.purchaseId });
    expect(refund).toMatchObject({ pointsReversed: 30, balance: 0, clawback: { points: 25 } });
    await verified();
    expect((await buy(10)).balance).toBe(0); // all 10 repay the debt
    expect((await buy(20)).balance).toBe(5); // 15 repay, 5 are the customer's
    const debt = (await rig.client.execute('SELECT outstanding FROM debts')).rows[0]!.outstanding;
    expect(Number(debt)).toBe(0);
    const clawback = (await rig.client.execute("SELECT balance FROM accounts WHERE code = 'op:clawback:points'")).rows[0]!.balance;
    expect(Number(clawback)).toBe(0);
    await verified();
  });
});

describe('cards and adjustments', () => {
  it('moves balance, lots and history to a replacement card and blocks the old one', async () => {
    await buy(12);
    rig.clock.advanceDays(1);
    await buy(8);
    const before = await lots();
    const replaced = await rig.ledger.replaceCard({ opId: ids.next(), oldNumber: card, newNumber: '50005', reason: 'lost', actor: 'staff:1' });
    expect(replaced).toMatchObject({ old: { status: 'blocked' }, new: { number: '50005', balance: 20 } });
    expect(await lots('50005')).toEqual(before);
    expect((await rig.ledger.statement('50005', 10)).items.map((i) => i.points)).toEqual([8, 12]);
    await expect(redeem(1)).rejects.toMatchObject({ code: 'card_blocked' });
    await expect(redeem(5, '50005')).resolves.toMatchObject({ balance: 15 });
    await verified();
  });

  it('adjusts with a reason and an actor, never below zero', async () => {
    await buy(5);
    const adjust = (points: number, reason = 'goodwill after a complaint') => rig.ledger.adjust({ opId: ids.next(), card: { number: card }, points, reason, actor: 'api:admin1' });
    expect(await adjust(10)).toMatchObject({ balance: 15 });
    expect(await adjust(-15)).toMatchObject({ balance: 0 });
    await expect(adjust(-1)).rejects.toMatchObject({ code: 'insufficient_points' });
    await expect(adjust(5, '  ')).rejects.toMatchObject({ code: 'invalid_request' });
    const refs = (await rig.client.execute("SELECT refs FROM transfers WHERE kind = 'adjust' ORDER BY seq")).rows.map((r) => JSON.parse(String(r.refs)));
    expect(refs[0]).toEqual({ reason: 'goodwill after a complaint', actor: 'api:admin1' });
    await verified();
  });

  it('never overdraws a card when many redemptions race', async () => {
    await buy(100);
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => redeem(7)));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    expect(ok).toBe(14); // 14 x 7 = 98
    expect(await balance()).toBe(2);
    await verified();
  });

  it('gives a statement with a running balance, newest first, page by page', async () => {
    await buy(10);
    await redeem(3);
    await buy(5);
    const page1 = await rig.ledger.statement(card, 2);
    expect(page1.items.map((i) => [i.kind, i.points, i.balance])).toEqual([
      ['earn', 5, 12],
      ['redeem', -3, 7],
    ]);
    const page2 = await rig.ledger.statement(card, 2, Number(page1.nextCursor));
    expect(page2.items.map((i) => [i.kind, i.points, i.balance])).toEqual([['earn', 10, 10]]);
    expect(page2.nextCursor).toBeNull();
  });
});

describe('tamper evidence', () => {
  it('reports a transfer edited behind the ledger’s back', async () => {
    await buy(10);
    await buy(20);
    await redeem(5);
    await verified();
    await rig.client.execute("UPDATE transfers SET amount = amount + 100 WHERE kind = 'redeem'");
    const edited = await verifyLedger(rig.client);
    expect(edited.ok).toBe(false);
    expect(edited.violations.map((v) => v.check)).toEqual(expect.arrayContaining(['hash_chain', 'balance_equals_postings']));
    expect(edited.violations.find((v) => v.check === 'hash_chain')!.detail).toMatch(/changed after it was written/);
  });

  it('reports a removed transfer even when balances were patched to match', async () => {
    await buy(10);
    await buy(20);
    const row = (await rig.client.execute('SELECT seq, amount, credit_account, debit_account FROM transfers ORDER BY seq LIMIT 1')).rows[0]!;
    const first = { seq: Number(row.seq), amount: Number(row.amount), credit_account: Number(row.credit_account), debit_account: Number(row.debit_account) };
    await rig.client.batch(
      [
        // Its spend by day too, so that only the chain can tell.
        {
          sql: `UPDATE spend_days SET paid = paid - (SELECT paid FROM purchases WHERE id IN (SELECT id FROM transfers WHERE seq = ?1))
                 WHERE (account_id, day) IN (SELECT account_id, substr(created_at, 1, 10) FROM purchases WHERE id IN (SELECT id FROM transfers WHERE seq = ?1))`,
          args: [first.seq],
        },
        { sql: 'DELETE FROM purchases WHERE id IN (SELECT id FROM transfers WHERE seq = ?)', args: [first.seq] },
        { sql: 'DELETE FROM lot_draws WHERE transfer_id IN (SELECT id FROM transfers WHERE seq = ?)', args: [first.seq] },
        { sql: 'DELETE FROM lots WHERE transfer_id IN (SELECT id FROM transfers WHERE seq = ?)', args: [first.seq] },
        { sql: 'DELETE FROM transfers WHERE seq = ?', args: [first.seq] },
        { sql: 'UPDATE accounts SET balance = balance - ? WHERE id = ?', args: [first.amount, first.credit_account] },
        { sql: 'UPDATE accounts SET balance = balance + ? WHERE id = ?', args: [first.amount, first.debit_account] },
      ],
      'write',
    );
    const report = await verifyLedger(rig.client);
    expect(report.violations.map((v) => v.check)).toEqual(['hash_chain']);
    expect(report.violations[0]!.detail).toMatch(/does not follow the one before it/);
  });
});

describe('cashback wallet', () => {
  it('holds money per currency, never spends more than it holds, and balances per unit', async () => {
    const credit = (amount: number) => rig.ledger.creditWallet({ opId: ids.next(), card: { number: card }, amount, currency: 'EUR', source: 'test' });
    const spend = (amount: number) => rig.ledger.spendWallet({ opId: ids.next(), card: { number: card }, amount, currency: 'EUR', storeId: 's1', source: 'test' });
    expect(await credit(250)).toMatchObject({ wallet: { amount: 250, currency: 'EUR' } });
    expect(await spend(100)).toMatchObject({ wallet: { amount: 150 } });
    await expect(spend(151)).rejects.toMatchObject({ code: 'insufficient_wallet', details: { available: 150 } });
    expect(await rig.ledger.wallets((await accountOf()).accountId)).toEqual([{ amount: 150, currency: 'EUR' }]);
    // Money never mixes with points: each unit sums to zero on its own.
    const units = (await rig.client.execute('SELECT unit, SUM(balance) AS s FROM accounts GROUP BY unit')).rows.map((r) => [r.unit, Number(r.s)]);
    expect(units).toEqual(
      expect.arrayContaining([
        ['EUR', 0],
        ['points', 0],
      ]),
    );
    // The wallet follows a replaced card.
    await rig.ledger.replaceCard({ opId: ids.next(), oldNumber: card, newNumber: '50013', reason: 'lost', actor: 't' });
    expect(await rig.ledger.wallets((await accountOf('50013')).accountId)).toEqual([{ amount: 150, currency: 'EUR' }]);
    await verified();
  });
});
