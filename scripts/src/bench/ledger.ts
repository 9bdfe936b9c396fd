/**
 * ledger: durable earn operations per second through the ledger API and the rule evaluator (the
 * store runs the published points program of docs/programs/points.json: tiers, caps, expiry;
 * each earn claims its op id and the till receipt, reads the member snapshot, evaluates, posts
 * a hash-chained transfer, a lot and balances, and is answered after its own commit) with K
 * concurrent callers, closed loop, and the CPU the process spent per earn. Baseline in the same
 * run and on the same disk: raw libSQL single-row INSERT transactions, one after another (one
 * client cannot overlap write transactions). Also every earn on one card with a year of history
 * (a store's house card) against one without: a card's earns must not slow down with its history.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { Directory, GroupCommitWriter, Ledger, ProgramService, openDatabase } from '@loyalty/gateway';
import { OpIdGenerator, cardNumberFor } from '@loyalty/protocol';
import { summarise, type LatencySummary } from './stats.js';

export interface LedgerRun {
  callers: number;
  opsPerS: number;
  latency: LatencySummary;
  batches: number;
  /** user + system CPU of this process per earn, in µs, over the timed part */
  cpuUsPerOp: number;
}

const POINTS_PROGRAM = JSON.parse(readFileSync(new URL('../../../docs/programs/points.json', import.meta.url), 'utf8')) as unknown;
const quiet = { info() {}, warn() {}, error() {}, debug() {} } as unknown as ConstructorParameters<typeof ProgramService>[3]['log'];

const now = () => Number(process.hrtime.bigint()) / 1e6;

export async function rawInsertRate(ops: number): Promise<{ txPerS: number; latency: LatencySummary }> {
  const dir = mkdtempSync(join(tmpdir(), 'loyalty-bench-raw-'));
  const client = createClient({ url: `file:${dir}/raw.db` });
  try {
    await client.execute('PRAGMA journal_mode = WAL');
    await client.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const samples: number[] = [];
    const start = now();
    for (let i = 0; i < ops; i += 1) {
      const t0 = now();
      const tx = await client.transaction('write');
      await tx.execute({ sql: 'INSERT INTO t (v) VALUES (?)', args: [`row ${i}`] });
      await tx.commit();
      tx.close();
      samples.push(now() - t0);
    }
    return { txPerS: ops / ((now() - start) / 1000), latency: summarise(samples) };
  } finally {
    client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `houseCard`: every earn goes to one card that already has this many purchases spread over the
 * past year (a store's house card, scanned for customers without one), instead of 100 cards.
 */
export async function ledgerEarnRate(callers: number, ops: number, options: { houseCard?: number } = {}): Promise<LedgerRun> {
  const dir = mkdtempSync(join(tmpdir(), 'loyalty-bench-ledger-'));
  const client = await openDatabase({ url: `file:${dir}/ledger.db`, busyTimeoutMs: 5000 });
  const writer = new GroupCommitWriter(client);
  let pastMs = 0;
  const clock = { now: () => new Date(Date.now() - pastMs) };
  const programs = new ProgramService(client, writer, clock, { defaults: { pointsPerUnit: 1, expiryDays: null, pointValueMinor: 1 }, publish: async () => {}, log: quiet });
  const ledger = new Ledger(client, writer, { demoPointsPerUnit: 1, rules: programs, clock });
  const directory = new Directory(client, writer, clock);
  try {
    await directory.ensureStore({ id: 'bench', name: 'Bench', timezone: 'Europe/Berlin' });
    await programs.put('points', POINTS_PROGRAM, 'bench');
    await programs.publish('points', ['bench'], 'bench');
    const cards: string[] = [];
    for (let i = 0; i < 100; i += 1) {
      cards.push(cardNumberFor(1000 + i));
      await directory.issueCard({ number: cards[i]!, programId: 'points', customerId: await directory.createCustomer({ name: `C${i}` }) });
    }
    if (options.houseCard !== undefined) {
      // Its history first (not timed), oldest first, 100 purchases at a time at one instant.
      const history = options.houseCard;
      for (let i = 0; i < history; i += 100) {
        pastMs = Math.round(((history - i) / history) * 360 * 86_400_000);
        await Promise.all(
          Array.from({ length: Math.min(100, history - i) }, (_, k) =>
            ledger.purchase({
              opId: `history-${i + k}`,
              card: { number: cards[0]! },
              storeId: 'bench',
              currency: 'EUR',
              items: [{ sku: 'H', category: 'grocery', quantity: 1, unitPrice: 1500 }],
              source: 'bench',
            }),
          ),
        );
      }
      pastMs = 0;
    }
    const cardOf = (n: number) => (options.houseCard !== undefined ? cards[0]! : cards[n % cards.length]!);
    // The till registers every sale first (not timed); each earn then claims its registered sale.
    const amountOf = (n: number) => 1000 + (n % 50) * 100;
    await Promise.all(
      Array.from({ length: ops }, (_, n) => ledger.registerSale({ opId: `sale-${n}`, storeId: 'bench', tillId: 'till-1', receiptId: `R${n}`, total: amountOf(n), currency: 'EUR', source: 'bench' })),
    );
    const batchesBefore = writer.batches;
    const ids = new OpIdGenerator();
    const samples: number[] = [];
    let issued = 0;
    const cpuBefore = process.cpuUsage();
    const start = now();
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (issued < ops) {
          const n = issued++;
          const opId = ids.next();
          const t0 = now();
          await ledger.earn({ opId, card: { number: cardOf(n) }, receipt: { id: `R${n}`, total: { amount: amountOf(n), currency: 'EUR' } }, storeId: 'bench', source: 'bench' });
          samples.push(now() - t0);
        }
      }),
    );
    const elapsedS = (now() - start) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    return { callers, opsPerS: ops / elapsedS, latency: summarise(samples), batches: writer.batches - batchesBefore, cpuUsPerOp: (cpu.user + cpu.system) / ops };
  } finally {
    await writer.close();
    client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
