/**
 * Staff and their cards, the audit log and the finance reports over real HTTP and a libSQL file
 * (docs/staff.md, docs/audit-and-reports.md). The reports' scenario runs in a store on Moscow
 * time (UTC+3) over two local days, with a fake clock, and every figure is worked out by hand.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '@loyalty/gateway';
import { ANNA, BORIS, seed, startGateway, tempDir } from '../support/system.js';

const CLI = fileURLToPath(new URL('../../gateway/dist/cli.js', import.meta.url));
const MOSCOW = { id: 'msk-1', name: 'Москва, Тверская', timezone: 'Europe/Moscow' };

describe('staff, audit and reports', () => {
  const dir = tempDir('staff-audit');
  let gateway: Gateway;
  let now = new Date('2026-11-28T06:00:00Z');
  const clock = { now: () => now };
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    ({ gateway } = await startGateway(dir.path, { ledger: { pointsExpiryDays: 1 } }, clock));
    await seed(gateway);
    for (const role of ['admin', 'pos', 'viewer'] as const) tokens[role] = (await gateway.tokens.create(role, role)).token;
  });
  afterAll(async () => {
    await gateway.stop();
    dir.remove();
  });

  const call = async (method: string, path: string, body?: unknown, options: { role?: string; key?: string; accept?: string } = {}) => {
    const headers: Record<string, string> = { authorization: `Bearer ${tokens[options.role ?? 'admin']}`, 'content-type': 'application/json' };
    if (method === 'POST') headers['idempotency-key'] = options.key ?? crypto.randomUUID();
    if (options.accept) headers.accept = options.accept;
    const response = await fetch(`${gateway.httpUrl}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type') ?? '', text, body: (text.startsWith('{') ? JSON.parse(text) : {}) as Record<string, any> };
  };
  const at = (iso: string) => {
    now = new Date(iso);
  };

  it('keeps staff cards and customer cards apart, and audits every change to the staff', async () => {
    expect((await call('POST', '/stores', MOSCOW)).status).toBe(201);
    const customerCard = await call('POST', '/staff', { name: 'Olga Petrova', role: 'cashier', cardUid: ANNA.uid });
    expect(customerCard.status).toBe(409);
    expect(customerCard.body.error).toBe('staff_card_in_use');

    const olga = await call('POST', '/staff', { name: 'Olga Petrova', role: 'cashier', cardUid: '04:aa:bb:cc:dd:ee:01', storeId: MOSCOW.id });
    expect(olga.status).toBe(201);
    expect(olga.body).toMatchObject({ name: 'Olga Petrova', role: 'cashier', cardUid: '04AABBCCDDEE01', storeId: MOSCOW.id, status: 'active' });
    expect((await call('POST', '/staff', { name: 'Someone Else', role: 'manager', cardUid: '04AABBCCDDEE01' })).body.error).toBe('staff_card_in_use');
    // …and the other way round: a customer card cannot take a staff card's UID.
    const issued = await call('POST', '/cards', { programId: 'points', uid: '04AABBCCDDEE01' });
    expect(issued.status).toBe(409);
    expect(issued.body.error).toBe('staff_card_in_use');
    expect((await call('POST', '/staff', { name: 'X', role: 'cashier', cardUid: 'nonsense' })).status).toBe(400);
    expect((await call('POST', '/staff', { name: 'X', role: 'cashier', cardUid: '04AABBCCDDEE09' }, { role: 'pos' })).status).toBe(403);

    const id = olga.body.id as string;
    const promoted = await call('PATCH', `/staff/${id}`, { role: 'manager' });
    expect(promoted.body.role).toBe('manager');
    expect((await gateway.staff.listFor(MOSCOW.id)).staff).toEqual([{ id, name: 'Olga P.', role: 'manager', uid: '04AABBCCDDEE01' }]);
    const blocked = await call('POST', `/staff/${id}/block`, { reason: 'left the company' });
    expect(blocked.body).toMatchObject({ status: 'blocked', blockedReason: 'left the company' });
    expect((await gateway.staff.listFor(MOSCOW.id)).staff).toEqual([]);
    expect((await call('GET', '/staff', undefined, { role: 'viewer' })).body.items).toHaveLength(1);
    expect((await call('PATCH', '/staff/nobody', { role: 'manager' })).status).toBe(404);

    const audit = await call('GET', `/audit?staffId=${id}`, undefined, { role: 'viewer' });
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['staff.create', 'staff.update', 'staff.block']);
    expect(audit.body.items[0]).toMatchObject({ actorRole: 'admin', place: 'api', staffId: id });
    expect(audit.body.items[0].actor).toMatch(/^api:/);
    expect(audit.body.items[1].detail).toEqual({ before: { role: 'cashier', storeId: MOSCOW.id }, after: { role: 'manager', storeId: MOSCOW.id } });
    expect(audit.body.items[2].reason).toBe('left the company');
    // Ids only: the staff member's name is not in the audit log.
    expect(audit.text).not.toContain('Olga');
  });

  it('audits card and balance changes made through the API once, even when retried', async () => {
    const first = await call('POST', '/adjustments', { card: BORIS.number, points: 7, reason: 'goodwill: broken coffee machine' }, { key: 'adj-1' });
    expect(first.status).toBe(201);
    const again = await call('POST', '/adjustments', { card: BORIS.number, points: 7, reason: 'goodwill: broken coffee machine' }, { key: 'adj-1' });
    expect(again.body).toEqual(first.body);
    await call('POST', `/cards/${BORIS.number}/block`, { reason: 'lost on the bus' });
    await call('POST', `/cards/${BORIS.number}/block`, { reason: 'lost on the bus' });
    const audit = await call('GET', `/audit?cardNumber=${BORIS.number}`, undefined, { role: 'viewer' });
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['points.adjust', 'card.block']);
    expect(audit.body.items[0].detail).toEqual({ points: 7, before: { balance: 0 }, after: { balance: 7 } });
    expect(audit.body.items[1].detail).toEqual({ before: { status: 'active' }, after: { status: 'blocked' } });
    // The log is append-only, in the database itself.
    await expect(gateway.db.execute('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    await expect(gateway.db.execute(`UPDATE audit_log SET actor = 'someone'`)).rejects.toThrow(/append-only/);
    // Paging by cursor.
    const page = await call('GET', '/audit?limit=2', undefined, { role: 'viewer' });
    expect(page.body.items).toHaveLength(2);
    const next = await call('GET', `/audit?limit=2&cursor=${page.body.nextCursor}`, undefined, { role: 'viewer' });
    expect(next.body.items[0].id).toBeGreaterThan(page.body.items[1].id);
    expect((await call('GET', '/audit?from=yesterday', undefined, { role: 'viewer' })).status).toBe(400);
  });

  it('reports two Moscow days exactly, split at local midnight, and the liability reconciles with ledger verify', async () => {
    // A new card for this scenario; Anna's card is used as it is (0 points so far).
    const purchase = (card: string, amount: number) => ({ card, storeId: MOSCOW.id, currency: 'EUR', items: [{ sku: 'BREAD', category: 'bakery', quantity: 1, unitPrice: amount }] });
    const vera = await call('POST', '/cards', { programId: 'points' });
    // Day 1, 10:00 Moscow: Anna buys for 50.00 → 50 points (lot expires in a day).
    at('2026-11-28T07:00:00Z');
    const first = await call('POST', '/purchases', purchase(ANNA.number, 5000), { role: 'pos' });
    expect(first.body.pointsEarned).toBe(50);
    // Day 1, 23:59 Moscow: Vera buys for 20.00 → 20 points.
    at('2026-11-28T20:59:00Z');
    expect((await call('POST', '/purchases', purchase(vera.body.number, 2000), { role: 'pos' })).body.pointsEarned).toBe(20);
    // Day 2, 00:01 Moscow (still 28 November in UTC): Anna buys for 10.00 → 10 points.
    at('2026-11-28T21:01:00Z');
    expect((await call('POST', '/purchases', purchase(ANNA.number, 1000), { role: 'pos' })).body.pointsEarned).toBe(10);
    // 01:00: Anna spends 30 of her 60 points on a coupon.
    at('2026-11-28T22:00:00Z');
    const redeemed = await call('POST', '/redemptions', { card: ANNA.number, storeId: MOSCOW.id, points: 30 }, { role: 'pos' });
    expect(redeemed.status).toBe(201);
    // 02:00: the first purchase is refunded: its 50 points are reversed, 30 from the card and the 20 she already spent as debt.
    at('2026-11-28T23:00:00Z');
    const refund = await call('POST', '/refunds', { purchaseId: first.body.purchaseId }, { role: 'pos' });
    expect(refund.body).toMatchObject({ pointsReversed: 50, clawback: { points: 20 }, balance: 0 });
    // 11:00 Moscow: the coupon is used at the till.
    at('2026-11-29T08:00:00Z');
    expect((await call('POST', `/coupons/${redeemed.body.coupon.code}/redeem`, { storeId: MOSCOW.id }, { role: 'pos' })).status).toBe(200);
    // 12:00: an adjustment through the API (no store named): reported as unattributed.
    at('2026-11-29T09:00:00Z');
    expect((await call('POST', '/adjustments', { card: vera.body.number, points: -5, reason: 'correction: counted twice' })).status).toBe(201);
    // 23:59:30 Moscow: Vera's 15 remaining points from day 1 expire (they were earned at 23:59 the day before),
    // and so do Boris's 7 adjusted points (given at 06:00 UTC on the 28th: no store, so unattributed).
    at('2026-11-29T20:59:30Z');
    expect((await gateway.ledger.expire()).points).toBe(22);

    const day1 = (await call('GET', `/reports/daily?date=2026-11-28&storeId=${MOSCOW.id}`, undefined, { role: 'viewer' })).body;
    expect(day1.stores).toHaveLength(1);
    expect(day1.stores[0]).toMatchObject({ storeId: MOSCOW.id, timezone: 'Europe/Moscow', from: '2026-11-27T21:00:00.000Z', to: '2026-11-28T21:00:00.000Z' });
    expect(day1.stores[0].totals).toEqual({
      pointsEarned: 70,
      pointsRedeemed: 0,
      pointsExpired: 0,
      pointsAdjusted: 0,
      pointsRefunded: 0,
      clawback: 0,
      purchases: 2,
      purchaseTotals: [{ amount: 7000, currency: 'EUR' }],
      registrations: 0,
      couponsIssued: 0,
      couponsUsed: 0,
      staffActions: 0,
      offlineExceptions: 0,
      offlineOverdraft: 0,
    });
    const day2 = (await call('GET', `/reports/daily?date=2026-11-29&storeId=${MOSCOW.id}`, undefined, { role: 'viewer' })).body;
    expect(day2.stores[0].totals).toEqual({
      pointsEarned: 10,
      pointsRedeemed: 30,
      pointsExpired: 15,
      pointsAdjusted: 0,
      pointsRefunded: 50,
      clawback: 20,
      purchases: 1,
      purchaseTotals: [{ amount: 1000, currency: 'EUR' }],
      registrations: 0,
      couponsIssued: 1,
      couponsUsed: 1,
      staffActions: 0,
      offlineExceptions: 0,
      offlineOverdraft: 0,
    });
    // The API's adjustments name no store: they are reported for the UTC day (-5 here, +7 for Boris on the 28th).
    expect(day2.unattributed).toMatchObject({ pointsAdjusted: -5, pointsExpired: 7, from: '2026-11-29T00:00:00.000Z' });
    expect(day1.unattributed.pointsAdjusted).toBe(7);

    const csv = await call('GET', `/reports/daily?date=2026-11-29&storeId=${MOSCOW.id}`, undefined, { role: 'viewer', accept: 'text/csv' });
    expect(csv.type).toContain('text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'date,storeId,kioskId,pointsEarned,pointsRedeemed,pointsExpired,pointsAdjusted,pointsRefunded,clawback,purchases,registrations,couponsIssued,couponsUsed,staffActions,offlineExceptions,offlineOverdraft,purchaseTotals',
    );
    expect(lines).toContain('2026-11-29,msk-1,TOTAL,10,30,15,0,50,20,1,0,1,1,0,0,0,EUR 1000');
    expect((await call('GET', '/reports/daily?date=2026-11-29&storeId=nowhere', undefined, { role: 'viewer' })).body.error).toBe('store_not_found');
    expect((await call('GET', '/reports/daily?date=29.11.2026', undefined, { role: 'viewer' })).status).toBe(400);

    // Day 3, 00:30 Moscow: Vera buys for 30.00 (30 points, expiring in a day); Anna buys for 12.00,
    // and her 12 points pay back 12 of the 20 she owes.
    at('2026-11-29T21:30:00Z');
    expect((await call('POST', '/purchases', purchase(vera.body.number, 3000), { role: 'pos' })).body.pointsEarned).toBe(30);
    await call('POST', '/purchases', purchase(ANNA.number, 1200), { role: 'pos' });
    const liability = (await call('GET', '/reports/liability', undefined, { role: 'viewer' })).body;
    const balances = await Promise.all([ANNA.number, BORIS.number, vera.body.number].map(async (n) => (await call('GET', `/cards/${n}`, undefined, { role: 'viewer' })).body.balance as number));
    expect(balances).toEqual([0, 0, 30]);
    expect(liability.totalPoints).toBe(30);
    expect(liability.programs).toEqual([{ programId: 'points', points: 30, accounts: 1, pointValue: null, value: null }]);
    expect(liability.clawbackDebt).toEqual({ accounts: 1, points: 8 });
    expect(liability.openHolds).toEqual({ count: 0, points: 0 });
    expect(liability.expiring).toEqual({ in30Days: 30, in90Days: 30 });
    expect((await call('GET', '/ledger/verify', undefined, { role: 'viewer' })).body.ok).toBe(true);
    const liabilityCsv = await call('GET', '/reports/liability', undefined, { role: 'viewer', accept: 'text/csv' });
    expect(liabilityCsv.text).toContain('points,TOTAL,points,30\r\n');
    expect(liabilityCsv.text).toContain('clawback_debt,1,points,8\r\n');
  });

  it('prints both reports as tables from the admin CLI, reading the ledger the gateway writes', () => {
    const env = { PATH: process.env.PATH ?? '', LOYALTY_GW_DATA_DIR: dir.path };
    const daily = spawnSync(process.execPath, [CLI, 'report', 'daily', '--date', '2026-11-29', '--store', MOSCOW.id], { encoding: 'utf8', env, timeout: 20_000 });
    expect(daily.stderr).toBe('');
    expect(daily.status).toBe(0);
    expect(daily.stdout).toContain('msk-1: Europe/Moscow, 2026-11-28T21:00:00.000Z to 2026-11-29T21:00:00.000Z');
    const total = daily.stdout.split('\n').find((l) => /^msk-1\s+TOTAL/.test(l))!;
    expect(total.split(/\s{2,}/)).toEqual(['msk-1', 'TOTAL', '10', '30', '15', '0', '50', '20', '1', '0', '1', '1', '0', '0', '0', '10.00 EUR']);
    const liability = spawnSync(process.execPath, [CLI, 'report', 'liability'], { encoding: 'utf8', env, timeout: 20_000 });
    expect(liability.status).toBe(0);
    expect(liability.stdout).toMatch(/^total\s+30\s*$/m);
    expect(liability.stdout).toMatch(/^clawback debt \(1 cards\)\s+8 points$/m);
    const missing = spawnSync(process.execPath, [CLI, 'report', 'daily'], { encoding: 'utf8', env, timeout: 20_000 });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--date YYYY-MM-DD');
  });

  it('checks every staff request against the staff table: the card, the store, the role, the second tap and the limits', async () => {
    const kiosk = { kioskId: 'kiosk-9', storeId: MOSCOW.id };
    const manager = await gateway.staff.create({ name: 'Marat Ivanov', role: 'manager', cardUid: '04AA0000000A01', storeId: MOSCOW.id, actor: 'test' });
    const cashier = await gateway.staff.create({ name: 'Ira Lis', role: 'cashier', cardUid: '04AA0000000B01', actor: 'test' });
    const elsewhere = await gateway.staff.create({ name: 'Pyotr Ko', role: 'manager', cardUid: '04AA0000000D01', storeId: 'store-1', actor: 'test' });
    const ref = (s: { id: string; cardUid: string }) => ({ id: s.id, uid: s.cardUid });
    const card = (await gateway.cards.issue({ programId: 'points', actor: 'test' })).number;
    let n = 0;
    const adjust = (staff: { id: string; cardUid: string }, points: number, confirmedBy = staff) =>
      gateway.kioskStaff
        .adjust(
          {
            kind: 'staff_adjust',
            opId: `0190b5a0-0000-7000-8000-${String(++n).padStart(12, '0')}`,
            staff: ref(staff),
            confirmedBy: ref(confirmedBy),
            card: { number: card },
            points,
            reason: 'goodwill',
          },
          kiosk,
        )
        .then(
          (r) => r.balance,
          (e: { code: string }) => e.code,
        );
    expect(await adjust({ id: manager.id, cardUid: '04AA0000000B01' }, 10)).toBe('staff_blocked');
    expect(await adjust(elsewhere, 10)).toBe('staff_blocked');
    expect(await adjust(cashier, 10)).toBe('manager_required');
    expect(await adjust(manager, 10, cashier)).toBe('manager_required');
    expect(await adjust(manager, 1001)).toBe('adjustment_limit');
    // 5000 points a day: four of 1000, then 900 more is within, and 200 after that is not.
    for (let i = 0; i < 4; i++) expect(typeof (await adjust(manager, i % 2 ? -1000 : 1000))).toBe('number');
    expect(typeof (await adjust(manager, 900))).toBe('number');
    expect(await adjust(manager, 200)).toBe('adjustment_limit');
    const audited = await call('GET', `/audit?staffId=${manager.id}`, undefined, { role: 'viewer' });
    expect(audited.body.items.filter((e: { action: string }) => e.action === 'points.adjust')).toHaveLength(5);
    expect(audited.body.items[1]).toMatchObject({ actor: `staff:${manager.id}`, actorRole: 'manager', place: 'kiosk:kiosk-9', reason: 'goodwill', cardNumber: card });
  });
});
