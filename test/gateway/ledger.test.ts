import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlClient as Client } from '@loyalty/gateway';
import { Directory, GroupCommitWriter, Ledger, LedgerError, openDatabase } from '@loyalty/gateway';
import { OpIdGenerator } from '@loyalty/protocol';
import { tempDir } from '../support/system.js';

const clock = { now: () => new Date('2026-11-22T10:00:00.000Z') };
const ids = new OpIdGenerator();

describe('ledger: earn at the demo rate (real libSQL file)', () => {
  const dir = tempDir('ledger');
  let client: Client;
  let writer: GroupCommitWriter;
  let ledger: Ledger;

  beforeAll(async () => {
    client = await openDatabase({ url: `file:${dir.path}/l.db`, busyTimeoutMs: 1000 });
    writer = new GroupCommitWriter(client);
    ledger = new Ledger(client, writer, { demoPointsPerUnit: 2, clock });
    const directory = new Directory(client, writer, clock);
    await directory.ensureStore({ id: 's1', name: 'S' });
    await directory.ensureProgram({ id: 'p', name: 'P' });
    const customer = await directory.createCustomer({ name: 'Olga Ivanova Smirnova' });
    await directory.issueCard({ number: '10009', uid: '04a1b2c3', programId: 'p', customerId: customer });
    await directory.issueCard({ number: '10017', programId: 'p' });
  });
  afterAll(async () => {
    await writer.close();
    client.close();
    dir.remove();
  });

  // The till registers each sale before its receipt is scanned (a repeat registration is refused and ignored here).
  const earn = async (opId: string, receiptId: string, amount: number, card = { number: '10009' }) => {
    await ledger.registerSale({ opId: `sale-${receiptId}`, storeId: 's1', tillId: 't1', receiptId, total: amount, currency: 'EUR', source: 'till' }).catch((e: LedgerError) => {
      if (e.code !== 'sale_exists' && e.code !== 'exists_with_different_payload') throw e;
    });
    return ledger.earn({ opId, card, receipt: { id: receiptId, total: { amount, currency: 'EUR' } }, storeId: 's1', source: 'kiosk:k1' });
  };

  const sums = async () => {
    const row = (await client.execute('SELECT sum(balance) AS total, count(*) AS accounts FROM accounts')).rows[0]!;
    return { total: Number(row.total), accounts: Number(row.accounts) };
  };

  it('identifies by number or UID with a masked name', async () => {
    expect(await ledger.identify({ uid: '04A1B2C3' })).toEqual({ cardNumberMasked: '*0009', status: 'active', displayName: 'Olga S.', balance: 0, tier: null, nextExpiry: null });
    await expect(ledger.identify({ number: '10025' })).rejects.toMatchObject({ code: 'card_not_found' });
  });

  it('earns by the built-in default program (floor of 19.99 × 2 per unit = 39), once per op id, and keeps Σ balances at zero', async () => {
    const opId = ids.next();
    const first = await earn(opId, 'R1', 1999);
    expect(first).toMatchObject({ result: 'created', pointsEarned: 39, balance: 39 });
    const again = await earn(opId, 'R1', 1999);
    expect(again).toMatchObject({ result: 'exists', pointsEarned: 39, transferId: first.transferId });
    await expect(earn(opId, 'R1', 5000)).rejects.toMatchObject({ code: 'exists_with_different_payload' });
    expect((await ledger.identify({ number: '10009' })).balance).toBe(39);
    expect((await sums()).total).toBe(0);
  });

  it('refuses a receipt claimed by another operation, and claims nothing when it refuses', async () => {
    await earn(ids.next(), 'R2', 1000);
    const error = await earn(ids.next(), 'R2', 1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerError);
    expect(error).toMatchObject({ code: 'receipt_claimed' });
    // A refused earn on an unknown card leaves the receipt free for the right card.
    await expect(earn(ids.next(), 'R3', 1000, { number: '10033' })).rejects.toMatchObject({ code: 'card_not_found' });
    await expect(earn(ids.next(), 'R3', 1000)).resolves.toMatchObject({ result: 'created', pointsEarned: 20 });
  });

  it('hash-chains transfers in order', async () => {
    const rows = (await client.execute('SELECT prev_hash, hash FROM transfers ORDER BY seq')).rows;
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows[0]!.prev_hash).toBe('0'.repeat(64));
    for (let i = 1; i < rows.length; i += 1) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
  });

  it('gives many concurrent earns on one card each exactly once', async () => {
    const ops = Array.from({ length: 60 }, (_, i) => ({ opId: ids.next(), receipt: `C${i}` }));
    const before = (await ledger.identify({ number: '10017' })).balance;
    // every op twice, interleaved, as duplicated QoS 1 deliveries would arrive
    const results = await Promise.all([...ops, ...ops].map((o) => earn(o.opId, o.receipt, 100, { number: '10017' })));
    expect(results.filter((r) => r.result === 'created')).toHaveLength(60);
    expect((await ledger.identify({ number: '10017' })).balance - before).toBe(120);
    expect((await sums()).total).toBe(0);
  });
});
