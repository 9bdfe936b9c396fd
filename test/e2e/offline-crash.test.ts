/**
 * The kiosk's journal survives anything (docs/offline.md): the agent runs as a process of its own
 * (the built agent) and is killed with SIGKILL 60 times while it serves customers offline — a
 * receipt collected or points spent, killed at a random moment before or after the customer saw
 * it confirmed. When the gateway is back, every operation a customer saw confirmed (the coupon on
 * screen, the receipt shown as pending) is posted exactly once, and the journal arrived without a
 * gap or a broken link.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '@loyalty/gateway';
import { loadKioskIdentity } from '@loyalty/device';
import { OpIdGenerator } from '@loyalty/protocol';
import { pointsWith } from '../support/programs.js';
import { ANNA, STORE, eventually, registerSale, seed, startGateway, tempDir } from '../support/system.js';

const WORKER = fileURLToPath(new URL('../support/kiosk-worker.mjs', import.meta.url));
const KILLS = 60;
const ids = new OpIdGenerator();

interface WorkerLine {
  ready?: boolean;
  view?: string;
  coupon?: string;
  notice?: string;
  depth?: number;
}

class KioskProcess {
  readonly lines: WorkerLine[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<void>;
  stderr = '';

  constructor(config: object) {
    this.child = spawn(process.execPath, [WORKER, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.child.stdout }).on('line', (line) => this.lines.push(JSON.parse(line) as WorkerLine));
    this.exited = new Promise((resolve) => this.child.on('exit', () => resolve()));
  }

  send(command: object): void {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
  }

  async waitFor(test: (line: WorkerLine) => boolean, timeoutMs = 10_000, what = 'a line'): Promise<WorkerLine> {
    return (await eventually(() => this.lines.find(test), timeoutMs, `${what} (stderr: ${this.stderr.slice(-300)})`))!;
  }

  kill(): Promise<void> {
    this.child.kill('SIGKILL');
    return this.exited;
  }
}

describe('a kiosk killed again and again while it serves offline', () => {
  const dirs = [tempDir('gw-crash'), tempDir('kiosk-crash')];
  let gateway: Gateway | null = null;
  let worker: KioskProcess | null = null;

  afterEach(async () => {
    await worker?.kill();
    await gateway?.stop();
    for (const d of dirs) d.remove();
  });

  it(`loses and doubles nothing a customer saw confirmed, over ${KILLS} SIGKILLs`, { timeout: 240_000 }, async () => {
    ({ gateway } = await startGateway(dirs[0]!.path));
    const mqttPort = gateway.mqttEndpoint.port;
    await seed(gateway);
    await gateway.programs.put('points', pointsWith({ redemption: { pointValue: 1, minimumPoints: 50, maxBasketShare: 50, offline: { perCardPoints: 100_000, perTransactionPoints: 1000 } } }), 'test');
    await gateway.programs.publish('points', undefined, 'test');
    await gateway.ledger.adjust({ opId: ids.next(), card: { number: ANNA.number }, points: 50_000, reason: 'test', actor: 'test' });
    // The tills registered the sales before printing their receipts.
    const receipts = Array.from({ length: KILLS }, (_, i) => `R-K${i}`);
    for (const id of receipts) await registerSale(gateway, { id, total: { amount: 500, currency: 'EUR' } });
    const { brokerPassword } = await gateway.registry.register('kiosk-1', STORE.id, loadKioskIdentity(dirs[1]!.path).publicKey);
    const config = {
      kioskId: 'kiosk-1',
      storeId: STORE.id,
      stateDir: dirs[1]!.path,
      mqtt: { host: '127.0.0.1', port: mqttPort, password: brokerPassword, reconnectDelayMsMin: 100, reconnectDelayMsMax: 300 },
      gateway: { senderIds: [gateway.senderId], publicKeys: [gateway.publicKey] },
      requestTimeoutMs: 800,
      resendIntervalMs: 300,
      page: { enabled: false },
      offline: { budgetPointsPerDay: 1_000_000, onlineSelectionPercent: 0 },
    };

    // Online once: Anna's card token is kept.
    worker = new KioskProcess(config);
    await worker.waitFor((l) => l.ready === true, 15_000, 'the kiosk ready');
    await eventually(async () => {
      worker!.send({ tap: ANNA.uid });
      return worker!.waitFor((l) => l.view === 'member', 2000, 'the member online');
    }, 15_000);
    worker.send({ stop: true });
    await worker.exited;
    await gateway.stop();
    gateway = null;

    const confirmedCoupons: string[] = [];
    const confirmedReceipts: string[] = [];
    let draw = 11;
    const random = () => {
      draw = (draw * 16_807) % 2_147_483_647;
      return draw / 2_147_483_647;
    };
    for (let i = 0; i < KILLS; i += 1) {
      worker = new KioskProcess(config);
      await worker.waitFor((l) => l.ready === true, 15_000, `start ${i}`);
      worker.send({ tap: ANNA.uid });
      await worker.waitFor((l) => l.view === 'member', 10_000, `the member from the token (${i})`);
      const spend = i % 2 === 0;
      if (spend) {
        worker.send({ page: { action: 'rewards' } });
        await worker.waitFor((l) => l.view === 'rewards', 5000, `offers (${i})`);
        worker.send({ page: { action: 'redeem', offer: 'points:100' } });
      } else {
        worker.send({ scan: `RCPT:${receipts[i]}:500:EUR` });
      }
      // Killed at a random moment: often before the answer is on screen, often after.
      await new Promise((resolve) => setTimeout(resolve, random() * 40));
      await worker.kill();
      const coupon = worker.lines.find((l) => l.view === 'coupon')?.coupon;
      if (coupon) confirmedCoupons.push(coupon);
      if (!spend && worker.lines.some((l) => l.view === 'earnPending')) confirmedReceipts.push(receipts[i]!);
    }
    // Both kinds were confirmed and both were cut short, or the test proves little.
    expect(confirmedCoupons.length).toBeGreaterThan(3);
    expect(confirmedReceipts.length).toBeGreaterThan(3);
    expect(confirmedCoupons.length + confirmedReceipts.length).toBeLessThan(KILLS);

    ({ gateway } = await startGateway(dirs[0]!.path, { mqtt: { port: mqttPort } }));
    worker = new KioskProcess(config);
    await worker.waitFor((l) => l.ready === true, 15_000, 'the last start');
    await eventually(
      async () => {
        worker!.lines.length = 0;
        worker!.send({ depth: true });
        return (await worker!.waitFor((l) => l.depth !== undefined, 2000)).depth === 0;
      },
      30_000,
      'the outbox drained',
    );
    const db = gateway.db;
    for (const code of confirmedCoupons) {
      const rows = (await db.execute({ sql: 'SELECT transfer_id FROM coupons WHERE code = ?', args: [code] })).rows;
      expect(rows, `coupon ${code}`).toHaveLength(1);
    }
    for (const id of confirmedReceipts) {
      const claims = (await db.execute({ sql: 'SELECT op_id FROM claimed_receipts WHERE store_id = ? AND receipt_id = ?', args: [STORE.id, id] })).rows;
      expect(claims, `receipt ${id}`).toHaveLength(1);
      const earned = (await db.execute({ sql: 'SELECT count(*) AS n FROM transfers WHERE id = ?', args: [String(claims[0]!.op_id)] })).rows[0]!;
      expect(Number(earned.n)).toBe(1);
    }
    // Nothing posted twice: one redemption per coupon, and the balance agrees with what was booked.
    const offlineRedemptions = Number((await db.execute("SELECT count(*) AS n FROM coupons WHERE code LIKE 'K%'")).rows[0]!.n);
    expect(offlineRedemptions).toBeGreaterThanOrEqual(confirmedCoupons.length);
    const journal = await gateway.journals.check('kiosk-1');
    expect(journal).toMatchObject({ gaps: [], broken: [] });
    expect(journal.lastSeq).toBeGreaterThanOrEqual(confirmedCoupons.length + confirmedReceipts.length);
  });
});
