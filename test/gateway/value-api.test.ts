/** The value-movement part of docs/api.md over real HTTP: idempotency keys, roles, error names. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '@loyalty/gateway';
import { ANNA, BORIS, seed, startGateway, tempDir } from '../support/system.js';

describe('value movements over HTTP', () => {
  const dir = tempDir('value-api');
  let gateway: Gateway;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    ({ gateway } = await startGateway(dir.path));
    await seed(gateway);
    for (const role of ['admin', 'pos', 'viewer'] as const) tokens[role] = (await gateway.tokens.create(role, role)).token;
  });
  afterAll(async () => {
    await gateway.stop();
    dir.remove();
  });

  const call = async (method: string, path: string, body?: unknown, options: { role?: string; key?: string | null } = {}) => {
    const headers: Record<string, string> = { authorization: `Bearer ${tokens[options.role ?? 'pos']}`, 'content-type': 'application/json' };
    if (options.key !== null && method === 'POST') headers['idempotency-key'] = options.key ?? crypto.randomUUID();
    const response = await fetch(`${gateway.httpUrl}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const purchase = (card: string, quantity: number, extra: Record<string, unknown> = {}) => ({
    card,
    storeId: 'store-1',
    currency: 'EUR',
    items: [{ sku: 'MILK', category: 'dairy', quantity, unitPrice: 199 }],
    ...extra,
  });

  it('books a purchase once per Idempotency-Key and refuses the key with another body', async () => {
    const first = await call('POST', '/purchases', purchase(ANNA.number, 10), { key: 'till-3-0001' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ pointsEarned: 19, pointsRedeemed: 0, balance: 19, discount: { amount: 0, currency: 'EUR' }, tier: null });
    // No program is published to this store: the built-in default program applies.
    expect(first.body.lines).toEqual([{ rule: 'builtin-default@v0:base', text: 'Points: 1 per 1.00 EUR', points: 19 }]);
    const again = await call('POST', '/purchases', purchase(ANNA.number, 10), { key: 'till-3-0001' });
    expect(again).toEqual(first);
    const other = await call('POST', '/purchases', purchase(ANNA.number, 11), { key: 'till-3-0001' });
    expect(other.status).toBe(409);
    expect(other.body.error).toBe('idempotency_key_reused');
    expect((await call('GET', `/cards/${ANNA.number}`)).body.balance).toBe(19);
  });

  it('needs an Idempotency-Key and a valid body, and names what is wrong', async () => {
    const noKey = await call('POST', '/purchases', purchase(ANNA.number, 1), { key: null });
    expect(noKey.status).toBe(400);
    expect(noKey.body.message).toMatch(/Idempotency-Key/);
    const bad = await call('POST', '/purchases', { ...purchase(ANNA.number, 1), currency: 'euro', items: [{ sku: 'X', category: 'y', quantity: 1, unitPrice: 1.5 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_request');
    expect(bad.body.details.map((d: { path: string[] }) => d.path.join('.'))).toEqual(expect.arrayContaining(['currency', 'items.0.unitPrice']));
  });

  it('redeems points for a single-use coupon', async () => {
    await call('POST', '/purchases', purchase(BORIS.number, 50));
    const redemption = await call('POST', '/redemptions', { card: BORIS.number, storeId: 'store-1', points: 30 });
    expect(redemption.status).toBe(201);
    expect(redemption.body).toMatchObject({ balance: 69, coupon: { code: expect.stringMatching(/^C[0-9A-F]{16}$/), expiresAt: expect.any(String), value: { amount: 30, currency: 'EUR' } } });
    const code = redemption.body.coupon.code as string;
    const used = await call('POST', `/coupons/${code}/redeem`, { storeId: 'store-1' });
    expect(used.status).toBe(200);
    expect(used.body.coupon).toMatchObject({ code, points: 30 });
    const twice = await call('POST', `/coupons/${code}/redeem`, { storeId: 'store-1' });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toBe('coupon_used');
    const tooMuch = await call('POST', '/redemptions', { card: BORIS.number, storeId: 'store-1', points: 1000 });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body).toMatchObject({ error: 'insufficient_points', details: { available: 69 } });
  });

  it('refunds a purchase, pro rata, and says so in the statement', async () => {
    const bought = await call('POST', '/purchases', purchase(BORIS.number, 10));
    const refund = await call('POST', '/refunds', { purchaseId: bought.body.purchaseId, items: [{ sku: 'MILK', quantity: 5 }] });
    expect(refund.status).toBe(201);
    expect(refund.body).toMatchObject({ pointsReversed: 9 });
    const statement = await call('GET', `/cards/${BORIS.number}/statement?limit=2`);
    expect(statement.body.items[0]).toMatchObject({ kind: 'refund', points: -9 });
    expect(statement.body.items[0].balance).toBe(refund.body.balance);
    expect(statement.body.nextCursor).toEqual(expect.any(String));
    const missing = await call('POST', '/refunds', { purchaseId: 'nope' });
    expect(missing.status).toBe(404);
  });

  it('lets only an admin adjust, with a reason', async () => {
    const asPos = await call('POST', '/adjustments', { card: ANNA.number, points: 5, reason: 'goodwill' });
    expect(asPos.status).toBe(403);
    const noReason = await call('POST', '/adjustments', { card: ANNA.number, points: 5, reason: '' }, { role: 'admin' });
    expect(noReason.status).toBe(400);
    const ok = await call('POST', '/adjustments', { card: ANNA.number, points: -4, reason: 'double scan at till 2' }, { role: 'admin' });
    expect(ok).toEqual({ status: 201, body: { balance: 15 } });
  });

  it('shows lots with the next expiry, and a green verify to a viewer', async () => {
    const card = await call('GET', `/cards/${ANNA.number}`, undefined, { role: 'viewer' });
    expect(card.body).toMatchObject({ balance: 15, available: 15, held: 0, lots: [{ points: 15, expiresAt: expect.any(String) }] });
    expect(card.body.nextExpiry).toEqual(card.body.lots[0]);
    const verify = await call('GET', '/ledger/verify', undefined, { role: 'viewer' });
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true, violations: [] });
    const viewerWrite = await call('POST', '/purchases', purchase(ANNA.number, 1), { role: 'viewer' });
    expect(viewerWrite.status).toBe(403);
  });
});
