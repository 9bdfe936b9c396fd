/**
 * The member's spend by day (gateway/src/ledger/spend-days.ts, docs/ledger.md "Spend by day"), on
 * a real libSQL file: the tier window's spend read from it is what the purchases and refunds
 * themselves add up to, wherever in a day the window starts; the migration fills it from an
 * existing ledger; and `ledger verify` reports a purchase changed behind its back.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '@loyalty/gateway';
import { OpIdGenerator } from '@loyalty/protocol';
import { memberSnapshot } from '../../../gateway/src/programs/member-snapshot.js';
import { defaultRuleSet } from '../../../gateway/src/programs/rule-source.js';
import { verifyLedger } from '../../../gateway/src/ledger/verify.js';
import { findCard } from '../../../gateway/src/ledger/cards.js';
import { basket, ledgerRig, type LedgerRig } from './harness.js';

const ids = new OpIdGenerator();
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const RULES = defaultRuleSet('s1', 'Europe/Berlin', 'EUR', { pointsPerUnit: 1, expiryDays: null, pointValueMinor: 1 });
let rig: LedgerRig;

beforeEach(async () => {
  rig = await ledgerRig({ pointsExpiryDays: null, pointValueMinor: 1 });
});
afterEach(async () => {
  await rig.close();
});

/** A small deterministic generator, so a failure can be run again as it was. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Purchases over ~500 days, some paid partly with points (so what was paid is not the total), some refunded in parts. */
async function history(card: string, next: () => number): Promise<void> {
  const bought: Array<{ id: string; quantity: number; refunded: number }> = [];
  for (let i = 0; i < 160; i += 1) {
    rig.clock.ms += Math.floor(next() * 3 * DAY_MS) + 1;
    const quantity = 10 + Math.floor(next() * 90);
    const balance = (await rig.ledger.findCard({ number: card }))!.balance;
    // The default program lets points pay for up to 1 % of a basket.
    const redeemPoints = next() < 0.4 ? Math.min(balance, quantity, 1 + Math.floor(next() * 9)) : 0;
    const purchase = await rig.ledger.purchase({
      opId: ids.next(),
      card: { number: card },
      storeId: 's1',
      currency: 'EUR',
      items: basket(quantity),
      ...(redeemPoints > 0 ? { redeemPoints } : {}),
      source: 'test',
    });
    bought.push({ id: purchase.purchaseId, quantity, refunded: 0 });
    if (next() < 0.3) {
      const earlier = bought[Math.floor(next() * bought.length)]!;
      if (earlier.refunded < earlier.quantity) {
        earlier.refunded += 1;
        await rig.ledger.refund({ opId: ids.next(), purchaseId: earlier.id, items: [{ sku: 'SKU-1', quantity: 1 }] });
      }
    }
  }
}

/** The window's spend from the purchases and refunds alone: what each paid, less each one's refunded share rounded down. */
async function spendFromPurchases(accountId: number, since: string): Promise<number> {
  const rows = (
    await rig.client.execute({
      sql: `SELECT p.paid, p.total, (SELECT COALESCE(SUM(value), 0) FROM refunds r WHERE r.purchase_id = p.id) AS refunded
              FROM purchases p WHERE p.account_id = ? AND p.partner_id IS NULL AND p.created_at > ?`,
      args: [accountId, since],
    })
  ).rows;
  return rows.reduce((sum, r) => sum + Number(r.paid) - Math.floor((Number(r.paid) * Number(r.refunded)) / Number(r.total)), 0);
}

describe('spend by day', () => {
  it('gives the tier window the spend its purchases and refunds add up to, wherever in a day the window starts', async () => {
    const card = rig.cards[0]!;
    await history(card, random(7));
    const row = (await findCard(rig.client, { number: card }))!;
    const purchases = (await rig.client.execute({ sql: 'SELECT created_at FROM purchases WHERE account_id = ? ORDER BY created_at', args: [row.accountId] })).rows.map((r) => String(r.created_at));
    const paidWithPoints = (await rig.client.execute('SELECT count(*) AS n FROM purchases WHERE paid < total')).rows[0]!.n;
    const refunds = (await rig.client.execute('SELECT count(*) AS n FROM refunds')).rows[0]!.n;
    expect(Number(paidWithPoints)).toBeGreaterThan(10);
    expect(Number(refunds)).toBeGreaterThan(10);
    // Windows that start just before, at and just after a purchase, and a few hours either side:
    // the first day's purchases are counted from the instant, the days after from their sums.
    const checked: number[] = [];
    for (const at of purchases.filter((_, i) => i % 9 === 0)) {
      for (const offset of [-3 * HOUR_MS, -1, 0, 1, 5 * HOUR_MS]) {
        const since = new Date(Date.parse(at) + offset);
        const now = new Date(since.getTime() + 365 * DAY_MS).toISOString();
        const snapshot = await memberSnapshot(rig.client, row, RULES, now);
        const expected = await spendFromPurchases(row.accountId, since.toISOString());
        expect(snapshot.qualifyingSpend).toBe(expected);
        checked.push(expected);
      }
    }
    // The windows saw different spends, from the whole history down to the last purchases.
    expect(new Set(checked).size).toBeGreaterThan(10);
    expect((await verifyLedger(rig.client)).violations).toEqual([]);
  });

  it('is filled by its migration from the purchases and refunds already booked', async () => {
    await history(rig.cards[0]!, random(11));
    await history(rig.cards[1]!, random(12));
    const kept = (await rig.client.execute('SELECT account_id, day, paid, refunded FROM spend_days WHERE paid <> 0 OR refunded <> 0 ORDER BY account_id, day')).rows;
    expect(kept.length).toBeGreaterThan(100);
    const migration = MIGRATIONS.find((m) => m.name === "a member's qualifying spend by day")!;
    await rig.client.batch(['DROP TABLE spend_days', ...migration.sql], 'write');
    const filled = (await rig.client.execute('SELECT account_id, day, paid, refunded FROM spend_days WHERE paid <> 0 OR refunded <> 0 ORDER BY account_id, day')).rows;
    expect(filled).toEqual(kept);
    expect((await verifyLedger(rig.client)).violations).toEqual([]);
  });

  it('is checked by ledger verify against the purchases: a purchase changed behind its back is reported', async () => {
    await history(rig.cards[0]!, random(13));
    expect((await verifyLedger(rig.client)).violations).toEqual([]);
    await rig.client.execute(`UPDATE purchases SET paid = paid + 500 WHERE id = (SELECT id FROM purchases ORDER BY created_at DESC LIMIT 1)`);
    const report = await verifyLedger(rig.client);
    expect(report.violations.map((v) => v.check)).toEqual(['spend_days']);
    expect(report.violations[0]!.detail).toMatch(/the purchases give \d+ paid and \d+ refunded, the spend by day keeps \d+ and \d+/);
  });
});
