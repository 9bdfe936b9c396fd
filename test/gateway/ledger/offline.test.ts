/**
 * Offline redemptions reconciled on a real libSQL file (docs/offline.md): posted when the balance
 * covers them, an exception to offline_overdraft when it does not, a debt later earnings repay
 * after any clawback, reported, never doubled by a resend; and the same journals in any arrival
 * order leave the same ledger.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpIdGenerator } from '@loyalty/protocol';
import { verifyLedger } from '../../../gateway/src/ledger/verify.js';
import { dailyReport } from '../../../gateway/src/reports/reports.js';
import { basket, ledgerRig, type LedgerRig } from './harness.js';

const ids = new OpIdGenerator();
let rig: LedgerRig;
let card: string;

beforeEach(async () => {
  rig = await ledgerRig({ pointsExpiryDays: null });
  card = rig.cards[0]!;
});
afterEach(async () => {
  await rig.close();
});

const buy = (quantity: number, number = card) => rig.ledger.purchase({ opId: ids.next(), card: { number }, storeId: 's1', currency: 'EUR', items: basket(quantity), source: 'test' });
const offlineRedemption = (points: number, kioskId: string, opId = ids.next(), number = card) => ({
  opId,
  card: { number },
  points,
  coupon: { code: `K${opId.replace(/-/g, '').toUpperCase()}`, value: { amount: points, currency: 'EUR' }, expiresAt: '2026-02-01T00:00:00.000Z', reward: null },
  redeemedAt: rig.clock.now().toISOString(),
  tokenIssuedAt: rig.clock.now().toISOString(),
  storeId: 's1',
  kioskId,
});
const balance = async (number = card) => (await rig.ledger.findCard({ number }))!.balance;
const operator = async (name: string) => Number((await rig.client.execute({ sql: 'SELECT balance FROM accounts WHERE code = ?', args: [`op:${name}:points`] })).rows[0]!.balance);
const verified = async () => expect((await verifyLedger(rig.client)).violations).toEqual([]);

describe('an offline redemption booked', () => {
  it('is posted when the balance covers it, and its coupon (the kiosk’s code) is good at a till once', async () => {
    await buy(100);
    const input = offlineRedemption(60, 'k1');
    expect(await rig.ledger.redeemOffline(input)).toMatchObject({ result: 'created', state: 'posted', pointsPosted: 60, overdraft: 0, balance: 40 });
    const used = await rig.ledger.redeemCoupon(input.coupon.code, 's1');
    expect(used).toMatchObject({ code: input.coupon.code, points: 60, value: { amount: 60, currency: 'EUR' } });
    await expect(rig.ledger.redeemCoupon(input.coupon.code, 's1')).rejects.toMatchObject({ code: 'coupon_used' });
    await verified();
  });

  it('beyond the balance (one card spent at two kiosks cut off together): posts what it can, books the rest as an exception and a debt, never a negative balance', async () => {
    await buy(100);
    const atA = offlineRedemption(80, 'kA');
    const atB = offlineRedemption(80, 'kB');
    expect(await rig.ledger.redeemOffline(atA)).toMatchObject({ state: 'posted', pointsPosted: 80, overdraft: 0, balance: 20 });
    expect(await rig.ledger.redeemOffline(atB)).toMatchObject({ state: 'exception', pointsPosted: 20, overdraft: 60, balance: 0 });
    // Sent again (the kiosk's outbox after a lost answer): the same answer, nothing booked twice.
    expect(await rig.ledger.redeemOffline(atB)).toMatchObject({ result: 'exists', state: 'exception', overdraft: 60 });
    expect(await balance()).toBe(0);
    expect(await operator('offline_overdraft')).toBe(-60);
    const day = rig.clock.now().toISOString();
    const exceptions = await rig.ledger.offlineExceptions({ from: '2025-12-31T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z' });
    expect(exceptions).toEqual([
      expect.objectContaining({ opId: atB.opId, kioskId: 'kB', storeId: 's1', points: 80, posted: 20, overdraft: 60, cardOutstanding: 60, cardNumberMasked: expect.not.stringContaining(card) }),
    ]);
    const report = await dailyReport(rig.client, { date: day.slice(0, 10), storeId: 's1' });
    expect(report.stores[0]!.totals).toMatchObject({ offlineExceptions: 1, offlineOverdraft: 60, pointsRedeemed: 160 });
    expect(report.stores[0]!.kiosks.find((k) => k.kioskId === 'kB')).toMatchObject({ offlineExceptions: 1, offlineOverdraft: 60 });
    await verified();
    // Later earnings pay the overdraft back first.
    expect((await buy(50)).balance).toBe(0);
    expect((await buy(30)).balance).toBe(20);
    expect(await operator('offline_overdraft')).toBe(0);
    expect((await rig.ledger.offlineExceptions({ from: '2025-12-31T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z' }))[0]!.cardOutstanding).toBe(0);
    await verified();
  });

  it('repays a clawback debt before an overdraft, each to its own operator account', async () => {
    const purchase = await buy(30);
    await rig.ledger.redeem({ opId: ids.next(), card: { number: card }, points: 25, storeId: 's1', source: 'test', currency: 'EUR' });
    await rig.ledger.refund({ opId: ids.next(), purchaseId: purchase.purchaseId }); // 25 clawback debt
    await rig.ledger.redeemOffline(offlineRedemption(10, 'k1')); // 10 overdraft
    expect(await operator('clawback')).toBe(-25);
    expect(await operator('offline_overdraft')).toBe(-10);
    expect((await buy(30)).balance).toBe(0); // 25 to clawback, 5 to the overdraft
    expect(await operator('clawback')).toBe(0);
    expect(await operator('offline_overdraft')).toBe(-5);
    expect((await buy(10)).balance).toBe(5);
    expect(await operator('offline_overdraft')).toBe(0);
    await verified();
  });

  it('is booked for a card blocked since: the coupon was printed before the kiosk could know', async () => {
    await buy(50);
    await rig.writer.run((tx) => tx.execute({ sql: "UPDATE cards SET status = 'blocked' WHERE number = ?", args: [card] }));
    expect(await rig.ledger.redeemOffline(offlineRedemption(30, 'k1'))).toMatchObject({ state: 'posted', pointsPosted: 30 });
  });
});

describe('the same journals in any arrival order', () => {
  it('leave the same balances, debts and operator accounts', async () => {
    await rig.close();
    // Two kiosks' journals from one partition: earns and redemptions of three cards, two cards overspent.
    type Op = { kind: 'earn'; card: number; quantity: number } | { kind: 'redeem'; card: number; points: number; kiosk: string };
    const journals: Op[] = [
      { kind: 'earn', card: 0, quantity: 40 },
      { kind: 'redeem', card: 0, points: 90, kiosk: 'kA' },
      { kind: 'redeem', card: 0, points: 70, kiosk: 'kB' },
      { kind: 'earn', card: 1, quantity: 15 },
      { kind: 'redeem', card: 1, points: 60, kiosk: 'kB' },
      { kind: 'redeem', card: 2, points: 10, kiosk: 'kA' },
      { kind: 'earn', card: 2, quantity: 5 },
      { kind: 'earn', card: 0, quantity: 25 },
    ];
    const opIds = journals.map(() => ids.next());
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const outcomes: string[] = [];
    for (let run = 0; run < 6; run += 1) {
      rig = await ledgerRig({ pointsExpiryDays: null });
      for (const [i, number] of rig.cards.entries()) if (i < 2) await buy([100, 50][i]!, number);
      const order = journals.map((_, i) => i);
      if (run > 0)
        for (let i = order.length - 1; i > 0; i -= 1) {
          const j = Math.floor(random() * (i + 1));
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
      for (const i of order) {
        const op = journals[i]!;
        const number = rig.cards[op.card]!;
        if (op.kind === 'earn') await rig.ledger.purchase({ opId: opIds[i]!, card: { number }, storeId: 's1', currency: 'EUR', items: basket(op.quantity), source: 'kiosk:kA' });
        else await rig.ledger.redeemOffline(offlineRedemption(op.points, op.kiosk, opIds[i]!, number));
      }
      await verified();
      // A debt repaid in full may leave a row of zeros or none, by order: what is owed is what counts.
      const debts = (await rig.client.execute('SELECT account_id, outstanding, overdraft FROM debts WHERE outstanding > 0 OR overdraft > 0 ORDER BY account_id')).rows.map(
        (r) => `${r.account_id}:${r.outstanding}/${r.overdraft}`,
      );
      outcomes.push(
        JSON.stringify({
          balances: await Promise.all(rig.cards.map((n) => balance(n))),
          debts,
          overdraft: await operator('offline_overdraft'),
          redeemed: await operator('redeemed'),
          issued: await operator('issued'),
        }),
      );
      if (run < 5) await rig.close();
    }
    // Card 0: 100 + 40 + 25 − 160 = 5; card 1: 50 + 15 − 60 = 5; card 2: 0 + 5 − 10 → 0 and a debt of 5.
    expect(JSON.parse(outcomes[0]!)).toMatchObject({ balances: [5, 5, 0], overdraft: -5 });
    expect(new Set(outcomes).size).toBe(1);
  });
});
