/**
 * Offline mode end to end over the real broker (docs/offline.md): the gateway stops (its embedded
 * broker with it); two kiosks of the store keep serving the same card from its signed token, each
 * within the token's limits, and print coupons that say they were issued offline. When the gateway
 * is back the outboxes drain: the ledger is exact, the overdraft the two kiosks caused together is
 * reported, `ledger verify` passes, and each kiosk's journal chain arrived whole.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '@loyalty/gateway';
import { decodeEscPos, receiptText } from '@loyalty/device';
import { OpIdGenerator } from '@loyalty/protocol';
import { verifyLedger } from '../../gateway/src/ledger/verify.js';
import { pointsWith } from '../support/programs.js';
import { ANNA, BORIS, STORE, callApi, eventually, registerSale, seed, startGateway, startKiosk, tempDir, type TestKiosk } from '../support/system.js';

const OFFLINE_POINTS = pointsWith({
  redemption: { pointValue: 1, minimumPoints: 50, maxBasketShare: 50, offline: { perCardPoints: 800, perTransactionPoints: 500, tokenValidHours: 12 } },
});
const ids = new OpIdGenerator();

describe('a store cut off from the gateway', () => {
  let dirs: Array<{ path: string; remove: () => void }> = [];
  let gateway: Gateway | null = null;
  let kiosks: TestKiosk[] = [];

  beforeEach(() => {
    dirs = [tempDir('gw-offline'), tempDir('kiosk-offline-a'), tempDir('kiosk-offline-b')];
    kiosks = [];
  });
  afterEach(async () => {
    for (const k of kiosks) await k.kiosk.stop();
    await gateway?.stop();
    gateway = null;
    for (const d of dirs) d.remove();
  });

  const screen = (k: TestKiosk) => k.kiosk.agent.current.view;
  const slips = (k: TestKiosk) => k.hardware.printer.jobs.map((job) => receiptText(decodeEscPos(job)).join('\n'));

  /** A card laid on the reader (it reports a card once per presentation: the last one is taken off first). */
  const tap = (k: TestKiosk, uid: string) => {
    k.hardware.reader.remove();
    k.hardware.reader.remove();
    k.hardware.reader.present(uid);
  };

  async function tapAndSpend(k: TestKiosk, uid: string, offer: string): Promise<void> {
    k.kiosk.agent.pageInput({ action: 'done' });
    await eventually(() => screen(k).screen === 'welcome');
    tap(k, uid);
    await eventually(() => screen(k).screen === 'member', 8000, 'the member on screen');
    k.kiosk.agent.pageInput({ action: 'rewards' });
    await eventually(() => screen(k).screen === 'rewards');
    k.kiosk.agent.pageInput({ action: 'redeem', offer });
    await eventually(() => screen(k).screen !== 'rewards' && screen(k).screen !== 'redeeming', 8000, 'an answer to the redemption');
  }

  it('keeps serving within its limits and reconciles exactly when the gateway is back', async () => {
    ({ gateway } = await startGateway(dirs[0]!.path));
    const mqttPort = gateway.mqttEndpoint.port;
    const httpPort = new URL(gateway.httpUrl).port;
    await gateway.directory.ensureStore({ ...STORE, timezone: 'Europe/Berlin' });
    await seed(gateway);
    await gateway.programs.put('points', OFFLINE_POINTS, 'test');
    await gateway.programs.publish('points', undefined, 'test');
    // Anna has 1,000 points; Boris none.
    await gateway.ledger.adjust({ opId: ids.next(), card: { number: ANNA.number }, points: 1000, reason: 'goodwill', actor: 'test' });
    const offline = { budgetPointsPerDay: 5000, onlineSelectionPercent: 0 };
    for (const [n, dir] of [dirs[1]!, dirs[2]!].entries()) {
      kiosks.push(await startKiosk(gateway, dir.path, { kioskId: `kiosk-${n + 1}`, config: { offline } }));
    }
    const [a, b] = kiosks as [TestKiosk, TestKiosk];
    for (const k of kiosks) await eventually(() => k.kiosk.link.connected && k.kiosk.rules.version !== null, 8000, 'kiosk online with its rules');
    // Seen online at both kiosks: each keeps Anna's signed token.
    for (const k of kiosks) {
      tap(k, ANNA.uid);
      await eventually(() => screen(k).screen === 'member');
      expect(screen(k)).toMatchObject({ member: { balance: 1000 } });
      expect((screen(k) as { member: { asOf?: string } }).member.asOf).toBeUndefined();
    }

    await gateway.stop();
    gateway = null;
    for (const k of kiosks) await eventually(() => !k.kiosk.link.connected, 5000, 'kiosk sees the link down');

    // Kiosk A: Anna's balance as of the token, then 500 points spent offline.
    a.kiosk.agent.pageInput({ action: 'done' });
    await eventually(() => screen(a).screen === 'welcome');
    tap(a, ANNA.uid);
    await eventually(() => screen(a).screen === 'member', 8000);
    expect(screen(a)).toMatchObject({ member: { balance: 1000, asOf: expect.stringMatching(/^\d\d:\d\d$/) } });
    await tapAndSpend(a, ANNA.uid, 'points:500');
    expect(screen(a)).toMatchObject({ screen: 'coupon', coupon: { points: 500, code: expect.stringMatching(/^K[0-9A-F]{32}$/) } });
    const couponA = (screen(a) as { coupon: { code: string } }).coupon.code;
    await eventually(() => a.hardware.printer.jobs.some((job) => decodeEscPos(job).barcodes.some((code) => code.data === couponA)), 5000, 'the offline coupon printed');
    expect(slips(a).at(-1)).toContain('ISSUED OFFLINE');
    // The same card again at A: past the card's offline cap at this kiosk (500 + 500 > 800).
    await tapAndSpend(a, ANNA.uid, 'points:500');
    expect(screen(a)).toMatchObject({ screen: 'notice', notice: 'offlineLimit' });
    // Kiosk B knows nothing of A's spends: 500 more, within its own view of the token.
    await tapAndSpend(b, ANNA.uid, 'points:500');
    expect(screen(b)).toMatchObject({ screen: 'coupon', coupon: { points: 500 } });
    const couponB = (screen(b) as { coupon: { code: string } }).coupon.code;
    // Boris was never seen online: no token, nothing spent, as before.
    b.kiosk.agent.pageInput({ action: 'done' });
    await eventually(() => screen(b).screen === 'welcome');
    tap(b, BORIS.uid);
    await eventually(() => screen(b).screen === 'notice', 8000);
    expect(screen(b)).toMatchObject({ notice: 'offline' });
    await tapAndSpend(a, ANNA.uid, 'points:100'); // 500 + 100 ≤ 800: allowed
    expect(screen(a)).toMatchObject({ screen: 'coupon', coupon: { points: 100 } });
    await tapAndSpend(b, ANNA.uid, 'points:100');
    expect(screen(b)).toMatchObject({ screen: 'coupon', coupon: { points: 100 } });
    // What B shows now: the token's balance less B's own spends (it cannot know A's).
    tap(b, ANNA.uid);
    b.kiosk.agent.pageInput({ action: 'done' });
    await eventually(() => screen(b).screen === 'welcome');
    tap(b, ANNA.uid);
    await eventually(() => screen(b).screen === 'member', 8000);
    expect(screen(b)).toMatchObject({ member: { balance: 400 } });
    for (const k of kiosks) expect(await k.kiosk.outbox.depth()).toBeGreaterThan(0);

    // The gateway is back, on the same ports: the outboxes drain.
    ({ gateway } = await startGateway(dirs[0]!.path, { mqtt: { port: mqttPort }, http: { port: Number(httpPort), validateResponses: true } }));
    for (const k of kiosks) await eventually(async () => (await k.kiosk.outbox.depth()) === 0, 15_000, 'the outbox drained');

    // 1,000 points, 1,200 paid out offline: 1,000 posted, 200 over, as a reported exception on the card.
    const card = (await gateway.ledger.findCard({ number: ANNA.number }))!;
    expect(card.balance).toBe(0);
    expect(card.debt).toBe(200);
    const token = await gateway.tokens.create('viewer', 'test');
    const report = await callApi(gateway.httpUrl, token.token, 'GET', '/reports/offline-exceptions');
    expect(report.status).toBe(200);
    expect(report.body.overdraft).toBe(200);
    expect(report.body.items.length).toBeGreaterThanOrEqual(1);
    expect(report.body.items.every((e: { cardNumberMasked: string }) => !e.cardNumberMasked.includes(ANNA.number))).toBe(true);
    // Every offline coupon is on the card once, good at a till.
    for (const code of [couponA, couponB]) expect(await gateway.ledger.redeemCoupon(code, STORE.id)).toMatchObject({ code });
    expect((await verifyLedger(gateway.db)).violations).toEqual([]);
    // Each kiosk's journal arrived whole.
    for (const id of ['kiosk-1', 'kiosk-2']) {
      const journal = await callApi(gateway.httpUrl, token.token, 'GET', `/kiosks/${id}/journal?signatures=true`);
      expect(journal.body).toMatchObject({ gaps: [], broken: [], unsigned: [] });
      expect(journal.body.received).toBeGreaterThanOrEqual(1);
    }
    // A later earning pays the overdraft back.
    await registerSale(gateway, { id: 'R-AFTER', total: { amount: 10_000, currency: 'EUR' } });
    const earned = await gateway.ledger.earn({
      opId: ids.next(),
      card: { number: ANNA.number },
      receipt: { id: 'R-AFTER', total: { amount: 10_000, currency: 'EUR' } },
      storeId: STORE.id,
      source: 'test',
    });
    expect(earned.balance).toBe(Math.max(0, earned.pointsEarned - 200));
  });

  it('reports a gap when an operation is taken out of a kiosk’s journal while it is offline', async () => {
    ({ gateway } = await startGateway(dirs[0]!.path));
    const mqttPort = gateway.mqttEndpoint.port;
    await seed(gateway);
    await gateway.programs.put('points', OFFLINE_POINTS, 'test');
    await gateway.programs.publish('points', undefined, 'test');
    const k = await startKiosk(gateway, dirs[1]!.path);
    kiosks.push(k);
    await eventually(() => k.kiosk.link.connected && k.kiosk.rules.version !== null, 8000);
    tap(k, ANNA.uid);
    await eventually(() => screen(k).screen === 'member');
    // One receipt collected online: its journal link goes with its first send.
    await registerSale(gateway, { id: 'R-G0', total: { amount: 500, currency: 'EUR' } });
    k.hardware.scanner.scan('RCPT:R-G0:500:EUR');
    await eventually(() => screen(k).screen === 'earned', 8000, 'the online receipt booked');
    expect(await gateway.journals.check('kiosk-1')).toMatchObject({ received: 1, lastSeq: 1, gaps: [] });
    await gateway.stop();
    gateway = null;
    await eventually(() => !k.kiosk.link.connected, 5000);
    // Three receipts collected offline, the member shown from the card's token: journalled, shown as pending.
    for (const id of ['R-G1', 'R-G2', 'R-G3']) {
      k.kiosk.agent.pageInput({ action: 'done' });
      await eventually(() => screen(k).screen === 'welcome');
      tap(k, ANNA.uid);
      await eventually(() => screen(k).screen === 'member', 8000);
      k.hardware.scanner.scan(`RCPT:${id}:500:EUR`);
      await eventually(() => screen(k).screen === 'earnPending', 8000, `receipt ${id} pending`);
    }
    expect(await k.kiosk.outbox.depth()).toBe(3);
    // Someone with the kiosk's disk removes the middle one.
    const middle = (await k.kiosk.outbox.pending())[1]!;
    const Database = (await import('libsql')).default;
    const db = new Database(`${dirs[1]!.path}/outbox.db`);
    db.prepare('DELETE FROM outbox WHERE op_id = ?').run([middle.opId]);
    db.close();
    ({ gateway } = await startGateway(dirs[0]!.path, { mqtt: { port: mqttPort } }));
    await eventually(async () => (await k.kiosk.outbox.depth()) === 0, 15_000, 'the outbox drained');
    const seq = (middle.request as { journal: { seq: number } }).journal.seq;
    expect(seq).toBe(3);
    expect(await gateway.journals.check('kiosk-1')).toMatchObject({ received: 3, lastSeq: 4, gaps: [{ from: seq, to: seq }], broken: [] });
    expect(await gateway.journals.unsigned('kiosk-1')).toEqual([]);
    // A link whose signature is not the kiosk's (another link's signature put in its place) is named.
    await gateway.db.execute("UPDATE kiosk_journal SET sig = (SELECT sig FROM kiosk_journal WHERE seq = 1) WHERE kiosk_id = 'kiosk-1' AND seq = 4");
    expect(await gateway.journals.unsigned('kiosk-1')).toEqual([4]);
  });
});
