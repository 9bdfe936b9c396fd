/**
 * Programs over the real gateway (docs/programs.md): versioned documents with field-level errors,
 * publishing signed bundles per store, purchases and quotes by the evaluator with the rule
 * version on every transfer, rewards, partners, memberships, tiers across a refund, referral,
 * cashback and its reversal, and a ledger that still verifies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '@loyalty/gateway';
import { ANNA, BORIS, seed, startGateway, tempDir } from '../support/system.js';
import { CASHBACK_DOC, CLUB_DOC, DISCOUNT_DOC, PAID_DOC, PARTNER_DOC, POINTS_DOC } from '../support/programs.js';

describe('programs over HTTP', () => {
  const dir = tempDir('programs-api');
  let gateway: Gateway;
  const tokens: Record<string, string> = {};
  const clock = { at: Date.parse('2026-11-18T10:00:00Z'), now: () => new Date(clock.at) }; // a Wednesday

  beforeAll(async () => {
    ({ gateway } = await startGateway(dir.path, {}, clock));
    await seed(gateway);
    for (const role of ['admin', 'pos', 'viewer'] as const) tokens[role] = (await gateway.tokens.create(role, role)).token;
  });
  afterAll(async () => {
    await gateway.stop();
    dir.remove();
  });

  const call = async (method: string, path: string, body?: unknown, options: { role?: string; key?: string } = {}) => {
    const headers: Record<string, string> = { authorization: `Bearer ${tokens[options.role ?? 'admin']}`, 'content-type': 'application/json' };
    if (method === 'POST') headers['idempotency-key'] = options.key ?? crypto.randomUUID();
    const response = await fetch(`${gateway.httpUrl}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const buy = (card: string, items: Array<{ sku: string; category: string; unitPrice: number; quantity?: number }>, extra: Record<string, unknown> = {}) => ({
    card,
    storeId: 'berlin',
    currency: 'EUR',
    items: items.map((i) => ({ quantity: 1, ...i })),
    ...extra,
  });
  let annaFirstPurchase = '';
  const balance = async (number: string) => (await call('GET', `/cards/${number}`)).body.balance as number;

  it('refuses invalid documents with errors that name the field', async () => {
    const bad = await call('PUT', '/programs/points', { ...POINTS_DOC, earn: { ...POINTS_DOC.earn, rate: { points: 10, per: 0 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_program');
    expect(bad.body.message).toContain('earn.rate.per');
    expect(bad.body.details.map((d: { field: string }) => d.field)).toContain('earn.rate.per');
    const mismatch = await call('PUT', '/programs/other', POINTS_DOC);
    expect(mismatch).toMatchObject({ status: 400, body: { error: 'invalid_program' } });
    expect((await call('PUT', '/programs/points', [1, 2])).status).toBe(400);
    // Texts printed on slips: an ESC in a reward's name could drive the printer.
    const escaped = await call('PUT', '/programs/points', { ...POINTS_DOC, name: 'Points\u001b@' });
    expect(escaped).toMatchObject({ status: 400, body: { error: 'invalid_program', details: [{ field: 'name' }] } });
    expect((await call('PUT', '/programs/points', POINTS_DOC, { role: 'pos' })).status).toBe(403);
  });

  it('stores drafts as versions and publishes the newest to every store', async () => {
    expect((await call('POST', '/stores', { id: 'berlin', name: 'Berlin Mitte', timezone: 'Europe/Berlin' })).status).toBe(201);
    expect((await call('PUT', '/programs/points', POINTS_DOC)).body).toEqual({ id: 'points', version: 1 });
    expect((await call('PUT', '/programs/points', POINTS_DOC)).body).toEqual({ id: 'points', version: 2 });
    const draft = await call('GET', '/programs/points', undefined, { role: 'viewer' });
    expect(draft.body).toMatchObject({ id: 'points', kind: 'points', current: null, draft: { version: 2 } });
    const published = await call('POST', '/programs/points/publish', {});
    expect(published.status).toBe(200);
    expect(published.body.version).toBe(2);
    expect(published.body.bundles.map((b: { storeId: string }) => b.storeId)).toEqual(['berlin', 'store-1']);
    expect((await call('GET', '/programs/points')).body).toMatchObject({ current: { version: 2, stores: null }, draft: null });
    // Publishing again changes nothing.
    expect((await call('POST', '/programs/points/publish', {})).body.bundles).toEqual([]);
    for (const doc of [DISCOUNT_DOC, CASHBACK_DOC, CLUB_DOC, PAID_DOC, PARTNER_DOC]) {
      expect((await call('PUT', `/programs/${doc.id}`, doc)).status).toBe(200);
      expect((await call('POST', `/programs/${doc.id}/publish`, { stores: ['berlin'] })).status).toBe(200);
    }
    const list = await call('GET', '/programs', undefined, { role: 'viewer' });
    expect(list.body.items.find((p: { id: string }) => p.id === 'points')).toMatchObject({ currentVersion: 2, draftVersion: null });
    const bundle = await gateway.programs.bundleFor('berlin');
    expect(bundle?.timezone).toBe('Europe/Berlin');
    expect(bundle?.programs.map((p) => `${String(p.document.id)}@v${p.version}`).sort()).toEqual(['cashback@v1', 'fuel-partner@v1', 'plus@v1', 'points@v2', 'staff-discount@v1', 'wine-club@v1']);
    expect((await gateway.programs.bundleFor('store-1'))?.programs.map((p) => p.document.id)).toEqual(['points']);
    // A program keeps its kind.
    expect((await call('PUT', '/programs/points', { ...DISCOUNT_DOC, id: 'points' })).body.error).toBe('invalid_program');
    expect((await call('POST', '/programs/nope/publish', {})).status).toBe(404);
  });

  it('quotes exactly what the purchase then books, and records the rule on every transfer', async () => {
    const basket = buy(ANNA.number, [{ sku: 'wine', category: 'drinks', unitPrice: 1000 }]);
    const quote = await call('POST', '/quotes', basket, { role: 'pos' });
    expect(quote.status).toBe(200);
    // 10.00 at 10 per euro = 100, welcome bonus 100 (first purchase), 2 % cashback = 0.20
    expect(quote.body).toMatchObject({ pointsEarned: 200, cashback: { amount: 20, currency: 'EUR' }, earningRule: 'points@v2', tier: { before: 'silver', after: 'silver' } });
    expect(await balance(ANNA.number)).toBe(0);
    const purchase = await call('POST', '/purchases', basket, { role: 'pos', key: 'anna-1' });
    expect(purchase.status).toBe(201);
    annaFirstPurchase = purchase.body.purchaseId as string;
    expect(purchase.body).toMatchObject({ pointsEarned: 200, balance: 200, tier: 'silver', cashback: { amount: 20 }, lines: quote.body.lines });
    expect(purchase.body.lots).toEqual([{ points: 200, expiresAt: '2027-10-31T23:00:00.000Z' }]); // end of month 11 months on, Berlin
    const transfers = (await gateway.db.execute({ sql: "SELECT id, refs FROM transfers WHERE id LIKE ? || '%' ORDER BY seq", args: [annaFirstPurchase] })).rows;
    expect(transfers.length).toBe(2); // points and cashback
    for (const t of transfers) {
      const refs = JSON.parse(String(t.refs));
      expect(refs.rule, String(t.id)).toMatch(/@v\d/);
      expect(refs.ruleSet).toBe(purchase.body.ruleSetVersion);
    }
    expect((await call('GET', `/cards/${ANNA.number}`)).body.wallet).toEqual({ amount: 20, currency: 'EUR' });
  });

  it('refuses a points payment over the basket share with a named error', async () => {
    await call('POST', '/adjustments', { card: ANNA.number, points: 1000, reason: 'goodwill for the test' });
    const tooMuch = await call('POST', '/purchases', buy(ANNA.number, [{ sku: 'wine', category: 'drinks', unitPrice: 1000 }], { redeemPoints: 600 }), { role: 'pos' });
    expect(tooMuch).toMatchObject({ status: 422, body: { error: 'redemption_limit', details: { redeemable: 500 } } });
  });

  it('redeems a catalogue reward for a single-use coupon', async () => {
    const before = await balance(ANNA.number);
    const redemption = await call('POST', '/redemptions', { card: ANNA.number, storeId: 'berlin', rewardId: 'coffee' }, { role: 'pos' });
    expect(redemption.status).toBe(201);
    expect(redemption.body).toMatchObject({ balance: before - 500, pointsRedeemed: 500, coupon: { rewardId: 'coffee', reward: 'Free coffee', expiresAt: '2026-12-02T10:00:00.000Z' } });
    const code = redemption.body.coupon.code as string;
    expect((await call('POST', `/coupons/${code}/redeem`, { storeId: 'berlin' }, { role: 'pos' })).body.coupon).toMatchObject({ rewardId: 'coffee', reward: 'Free coffee' });
    expect((await call('POST', `/coupons/${code}/redeem`, { storeId: 'berlin' }, { role: 'pos' })).status).toBe(409);
    expect((await call('POST', '/redemptions', { card: ANNA.number, storeId: 'berlin', rewardId: 'yacht' }, { role: 'pos' })).body.error).toBe('reward_not_found');
  });

  it('books a partner purchase against the partner’s settlement account', async () => {
    const before = await balance(ANNA.number);
    const partner = await call('POST', '/purchases', buy(ANNA.number, [{ sku: 'fuel', category: 'fuel', unitPrice: 4999 }], { partnerId: 'fuelco' }), { role: 'pos' });
    expect(partner.body).toMatchObject({ pointsEarned: 100, balance: before + 100 });
    const account = (await gateway.db.execute("SELECT balance FROM accounts WHERE code = 'partner:fuelco:points'")).rows[0];
    expect(Number(account!.balance)).toBe(-100);
    expect((await call('POST', '/purchases', buy(ANNA.number, [{ sku: 'fuel', category: 'fuel', unitPrice: 100 }], { partnerId: 'nobody' }), { role: 'pos' })).body.error).toBe('partner_not_found');
  });

  it('checks club entrance and sells memberships that renewals extend', async () => {
    const door = () => call('POST', '/programs/wine-club/entrance', { card: ANNA.number, storeId: 'berlin' }, { role: 'pos' });
    expect((await door()).body).toMatchObject({ allowed: false, reason: 'not_a_member' });
    const joined = await call('POST', '/memberships', { card: ANNA.number, programId: 'wine-club', storeId: 'berlin' }, { role: 'pos' });
    expect(joined).toMatchObject({ status: 201, body: { validUntil: '2027-11-18T10:00:00.000Z', fee: null, renewed: false } });
    expect((await door()).body).toMatchObject({ allowed: true, reason: 'member' });
    // The club's 10 % now applies to Anna's purchases.
    expect((await call('POST', '/quotes', buy(ANNA.number, [{ sku: 'wine', category: 'drinks', unitPrice: 1000 }]), { role: 'pos' })).body.discount).toBe(100);
    const paid = await call('POST', '/memberships', { card: ANNA.number, programId: 'plus', storeId: 'berlin' }, { role: 'pos' });
    expect(paid.body).toMatchObject({ fee: { amount: 2999, currency: 'EUR' }, validUntil: '2027-11-18T10:00:00.000Z' });
    const renewed = await call('POST', '/memberships', { card: ANNA.number, programId: 'plus', storeId: 'berlin' }, { role: 'pos' });
    expect(renewed.body).toMatchObject({ validUntil: '2028-11-18T10:00:00.000Z', renewed: true });
    expect(Number((await gateway.db.execute("SELECT balance FROM accounts WHERE code = 'op:membership_fees:EUR'")).rows[0]!.balance)).toBe(5998);
    expect((await call('POST', '/memberships', { card: ANNA.number, programId: 'points', storeId: 'berlin' }, { role: 'pos' })).body.error).toBe('not_a_membership');
    await call('POST', `/cards/${BORIS.number}/block`, { reason: 'lost' }, { role: 'pos' });
    expect((await call('POST', '/programs/wine-club/entrance', { card: BORIS.number, storeId: 'berlin' }, { role: 'pos' })).body).toMatchObject({ allowed: false, reason: 'card_blocked' });
  });

  it('takes back a tier upgrade when its purchase is refunded', async () => {
    const customer = await call('POST', '/customers', { name: 'Vera Tier' }, { role: 'pos' });
    const card = await call('POST', '/cards', { programId: 'points', customerId: customer.body.id }, { role: 'pos' });
    const number = card.body.number as string;
    await call('POST', '/purchases', buy(number, [{ sku: 'tv', category: 'electronics', unitPrice: 45_000 }]), { role: 'pos' });
    expect((await call('GET', `/cards/${number}`)).body.tier).toBe('silver');
    const big = await call('POST', '/purchases', buy(number, [{ sku: 'sofa', category: 'furniture', unitPrice: 10_000 }]), { role: 'pos' });
    expect(big.body.tier).toBe('gold');
    const refund = await call('POST', '/refunds', { purchaseId: big.body.purchaseId }, { role: 'pos' });
    expect(refund.body.tier).toBe('silver');
    expect((await call('GET', `/cards/${number}`)).body.tier).toBe('silver');
  });

  it('pays both sides of a referral on the referred customer’s first purchase', async () => {
    const anna = await call('GET', `/cards/${ANNA.number}`);
    const carol = await call('POST', '/customers', { name: 'Carol Referred', referredBy: anna.body.customerId }, { role: 'pos' });
    const card = await call('POST', '/cards', { programId: 'points', customerId: carol.body.id }, { role: 'pos' });
    const before = anna.body.balance as number;
    const first = await call('POST', '/purchases', buy(card.body.number, [{ sku: 'bread', category: 'bakery', unitPrice: 500 }]), { role: 'pos' });
    expect(first.body.pointsEarned).toBe(50 + 100 + 150); // purchase, welcome, referral
    expect(await balance(ANNA.number)).toBe(before + 300);
    const second = await call('POST', '/purchases', buy(card.body.number, [{ sku: 'bread', category: 'bakery', unitPrice: 500 }]), { role: 'pos' });
    expect(second.body.pointsEarned).toBe(50);
    expect(await balance(ANNA.number)).toBe(before + 300);
  });

  it('lets the cashback wallet pay at checkout, earning nothing on that part, and gives it back on a refund', async () => {
    const customer = await call('POST', '/customers', { name: 'Wendy Wallet' }, { role: 'pos' });
    const number = (await call('POST', '/cards', { programId: 'points', customerId: customer.body.id }, { role: 'pos' })).body.number as string;
    await call('POST', '/purchases', buy(number, [{ sku: 'bike', category: 'sports', unitPrice: 20_000 }]), { role: 'pos' });
    expect((await call('GET', `/cards/${number}`)).body.wallet).toEqual({ amount: 400, currency: 'EUR' }); // 2 % of 200.00
    const paid = await call('POST', '/purchases', buy(number, [{ sku: 'wine', category: 'drinks', unitPrice: 1000 }], { walletPayment: 300 }), { role: 'pos' });
    // 7.00 paid in money: 70 points and 0.14 cashback; nothing on the 3.00 from the wallet
    expect(paid.body).toMatchObject({ walletPaid: { amount: 300 }, payable: { amount: 700 }, pointsEarned: 70, cashback: { amount: 14 } });
    expect(paid.body.lines).toContainEqual({ rule: 'wallet:EUR', text: 'Wallet paid 3.00 EUR', amount: -300 });
    expect((await call('GET', `/cards/${number}`)).body.wallet).toEqual({ amount: 114, currency: 'EUR' });
    const tooMuch = await call('POST', '/purchases', buy(number, [{ sku: 'wine', category: 'drinks', unitPrice: 1000 }], { walletPayment: 500 }), { role: 'pos' });
    expect(tooMuch).toMatchObject({ status: 422, body: { error: 'insufficient_wallet', details: { available: 114 } } });
    const refund = await call('POST', '/refunds', { purchaseId: paid.body.purchaseId }, { role: 'pos' });
    expect(refund.body).toMatchObject({ walletReturned: { amount: 300 }, cashbackReversed: { amount: 14 } });
    expect((await call('GET', `/cards/${number}`)).body.wallet).toEqual({ amount: 400, currency: 'EUR' });
  });

  it('gives the welcome bonus on the first purchase only, and a kiosk look-up shows the tier the card holds', async () => {
    const customer = await call('POST', '/customers', { name: 'Walter Welcome' }, { role: 'pos' });
    const number = (await call('POST', '/cards', { programId: 'points', customerId: customer.body.id }, { role: 'pos' })).body.number as string;
    const earned: number[] = [];
    for (let i = 0; i < 3; i += 1) earned.push((await call('POST', '/purchases', buy(number, [{ sku: 'wine', category: 'drinks', unitPrice: 1000 }]), { role: 'pos' })).body.pointsEarned);
    expect(earned).toEqual([200, 100, 100]); // 100 for 10.00, and the welcome bonus of 100 once
    const look = await gateway.ledger.identifyCard({ number }, 'berlin');
    expect(look.data.member?.purchases).toBe(1); // "there was one": all the rules ask
    expect(look.data.tier).toBe((await call('GET', `/cards/${number}`)).body.tier);
    expect(look.data.tier).toBe('silver');
  });

  it('reverses cashback with a refund, and the ledger still verifies', async () => {
    const refund = await call('POST', '/refunds', { purchaseId: annaFirstPurchase }, { role: 'pos' });
    expect(refund.body.cashbackReversed).toEqual({ amount: 20, currency: 'EUR' });
    expect((await call('GET', `/cards/${ANNA.number}`)).body.wallet).toBeUndefined();
    const verify = await call('GET', '/ledger/verify', undefined, { role: 'viewer' });
    expect(verify.status).toBe(200);
    expect(verify.body.ok).toBe(true);
  });
});
