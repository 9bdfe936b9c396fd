/**
 * Only real till sales earn (docs/receipts.md), over the real gateway (aedes, libSQL file, HTTP)
 * and a kiosk: a made-up receipt barcode earns nothing, a barcode whose amount differs from the
 * till's record is a forgery, a receipt earns once whether it comes by a kiosk scan, by
 * POST /purchases or both, a claim after the window is refused, and legacy unregistered codes
 * earn only where a store allows them, within a per-card cap. Each refusal has its own screen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '@loyalty/gateway';
import { receiptCode } from '@loyalty/protocol';
import { ANNA, BORIS, STORE, eventually, seed, startGateway, startKiosk, tempDir, type TestKiosk } from '../support/system.js';
import { POINTS_DOC } from '../support/programs.js';

const DAY_MS = 86_400_000;

describe('earn integrity: only receipts the till registered earn', () => {
  const dirs = [tempDir('gw-receipts'), tempDir('kiosk-receipts')];
  const clock = { at: Date.parse('2026-11-18T10:00:00Z'), now: () => new Date(clock.at) };
  let gateway: Gateway;
  let k: TestKiosk;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    ({ gateway } = await startGateway(dirs[0]!.path, {}, clock));
    await seed(gateway);
    for (const role of ['admin', 'pos', 'viewer'] as const) tokens[role] = (await gateway.tokens.create(role, role)).token;
    k = await startKiosk(gateway, dirs[1]!.path);
    await eventually(() => k.kiosk.link.connected);
  });
  afterAll(async () => {
    await k.kiosk.stop();
    await gateway.stop();
    for (const d of dirs) d.remove();
  });

  const call = async (method: string, path: string, body?: unknown, options: { role?: string; key?: string } = {}) => {
    const headers: Record<string, string> = { authorization: `Bearer ${tokens[options.role ?? 'pos']}`, 'content-type': 'application/json', 'idempotency-key': options.key ?? crypto.randomUUID() };
    const response = await fetch(`${gateway.httpUrl}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const sale = (receiptId: string, total: number, extra: Record<string, unknown> = {}) => ({ storeId: STORE.id, tillId: 'till-1', receiptId, total, currency: 'EUR', ...extra });
  const balance = async (number = ANNA.number) => (await gateway.ledger.identify({ number })).balance;

  /** Anna taps her card and scans a barcode; resolves with the screen the kiosk settles on. */
  const scan = async (code: string): Promise<string[]> => {
    k.hardware.reader.remove();
    k.hardware.reader.present(ANNA.uid);
    await eventually(() => k.kiosk.agent.state === 'member', 5000, 'member screen');
    k.hardware.scanner.scan(code);
    await eventually(
      () => k.kiosk.agent.state === 'member' && !['Collecting points...', 'You will earn'].includes(k.hardware.display.current.lines[0]!) && k.hardware.display.current.lines[0] !== 'Hello Anna K.',
      5000,
      'an answer on screen',
    );
    await k.kiosk.agent.settled();
    return k.hardware.display.current.lines;
  };

  it('a made-up receipt barcode earns nothing, however often it is scanned', async () => {
    for (let i = 0; i < 2; i += 1) expect(await scan('RCPT:MADEUP-1:900000:EUR')).toEqual(['Receipt not found', 'No points for it', 'Please ask at', 'the till']);
    expect(await balance()).toBe(0);
    expect(Number((await gateway.db.execute("SELECT count(*) AS n FROM transfers WHERE kind = 'earn'")).rows[0]!.n)).toBe(0);
  });

  it('registers till sales over the POS API, idempotently, with named refusals', async () => {
    const first = await call('POST', '/sales', sale('T-100', 1000), { key: 'till-1-100' });
    expect(first).toMatchObject({ status: 201, body: { receiptId: 'T-100', total: 1000, currency: 'EUR', code: 'RCPT:T-100:1000:EUR', claimableUntil: '2026-12-18T10:00:00.000Z' } });
    expect(await call('POST', '/sales', sale('T-100', 1000), { key: 'till-1-100' })).toEqual(first);
    expect(await call('POST', '/sales', sale('T-100', 1000))).toMatchObject({ status: 409, body: { error: 'sale_exists' } });
    expect(await call('POST', '/sales', sale('T-101', 1000, { items: [{ sku: 'a', category: 'x', quantity: 2, unitPrice: 400 }] }))).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', details: { itemsTotal: 800 } },
    });
    expect(await call('POST', '/sales', { ...sale('T-102', 1000), storeId: 'nowhere' })).toMatchObject({ status: 404, body: { error: 'store_not_found' } });
    expect((await call('POST', '/sales', sale('T-103', 1000), { role: 'viewer' })).status).toBe(403);
    expect((await call('POST', '/sales', { ...sale('T-104', 1000), receiptId: 'has:colon' })).status).toBe(400);
  });

  it('a barcode whose amount differs from the till’s record is refused as forged; the real one earns once', async () => {
    expect(await scan('RCPT:T-100:900000:EUR')).toEqual(['Receipt not valid', 'No points for it', 'Please ask at', 'the till']);
    expect(await balance()).toBe(0);
    expect((await scan('RCPT:T-100:1000:EUR'))[0]).toBe('+10 points');
    expect(await scan('RCPT:T-100:1000:EUR')).toEqual(['Receipt already', 'used for points']);
    expect(await balance()).toBe(10);
  });

  it('one receipt earns once across the POS and the kiosk, whichever comes first', async () => {
    const purchase = (receiptId: string, key?: string) =>
      call('POST', '/purchases', { card: BORIS.number, storeId: STORE.id, currency: 'EUR', items: [{ sku: 'milk', category: 'dairy', quantity: 1, unitPrice: 2000 }], receiptId }, { key });
    // The till books the purchase with the card and registers the sale: a later scan earns nothing more.
    expect((await call('POST', '/sales', sale('T-200', 2000))).status).toBe(201);
    expect(await purchase('T-200', 'pos-200')).toMatchObject({ status: 201, body: { pointsEarned: 20 } });
    expect(await scan(receiptCode({ id: 'T-200', total: { amount: 2000, currency: 'EUR' } }))).toEqual(['Receipt already', 'used for points']);
    // A repeat of the same POS request is the first answer, not a second claim.
    expect(await purchase('T-200', 'pos-200')).toMatchObject({ status: 201, body: { pointsEarned: 20 } });
    // A kiosk claims first: the POS purchase naming the receipt is refused.
    expect((await call('POST', '/sales', sale('T-201', 2000))).status).toBe(201);
    expect((await scan('RCPT:T-201:2000:EUR'))[0]).toBe('+20 points');
    expect(await purchase('T-201')).toMatchObject({ status: 409, body: { error: 'receipt_claimed' } });
    expect(await balance(BORIS.number)).toBe(20);
    expect(await balance()).toBe(30);
  });

  it('earns on the till’s items, so the store’s category rules apply, not on the barcode alone', async () => {
    await gateway.programs.put('points', POINTS_DOC, 'test');
    await gateway.programs.publish('points', undefined, 'test');
    await eventually(() => k.kiosk.rules.version !== null, 5000, 'bundle at the kiosk');
    // 15.00 of tobacco (excluded) and 5.00 of dairy (x2 at 10 per euro) = 100 points, not 200.
    const items = [
      { sku: 'cigs', category: 'tobacco', quantity: 1, unitPrice: 1500 },
      { sku: 'milk', category: 'dairy', quantity: 1, unitPrice: 500 },
    ];
    expect((await call('POST', '/sales', sale('T-300', 2000, { items }))).status).toBe(201);
    const before = await balance();
    // Anna has bought before, so no welcome bonus: the dairy alone; as one receipt line it would be 200.
    expect((await scan('RCPT:T-300:2000:EUR'))[0]).toBe('+100 points');
    expect((await balance()) - before).toBe(100);
    const refs = JSON.parse(String((await gateway.db.execute("SELECT refs FROM transfers WHERE kind = 'earn' ORDER BY seq DESC LIMIT 1")).rows[0]!.refs));
    expect(refs).toMatchObject({ receipt: 'T-300', rule: 'points@v1' });
  });

  it('refuses a claim after the claim window', async () => {
    expect((await call('POST', '/sales', sale('T-400', 1000))).status).toBe(201);
    clock.at += 31 * DAY_MS;
    try {
      expect(await scan('RCPT:T-400:1000:EUR')).toEqual(['Receipt too old', 'to collect points']);
    } finally {
      clock.at -= 31 * DAY_MS;
    }
    expect(Number((await gateway.db.execute("SELECT count(*) AS n FROM claimed_receipts WHERE receipt_id = 'T-400'")).rows[0]!.n)).toBe(0);
  });

  it('earns on unregistered receipts only where a store allows them, within a per-card cap over 24 hours', async () => {
    expect((await call('PATCH', `/stores/${STORE.id}`, { legacyReceiptsPerCardPerDay: 1 }, { role: 'pos' })).status).toBe(403);
    expect(await call('PATCH', `/stores/${STORE.id}`, { legacyReceiptsPerCardPerDay: 1 }, { role: 'admin' })).toMatchObject({ status: 200, body: { legacyReceiptsPerCardPerDay: 1 } });
    const before = await balance();
    expect((await scan('RCPT:OLD-1:1000:EUR'))[0]).toBe('+100 points');
    expect(await scan('RCPT:OLD-2:1000:EUR')).toEqual(['Daily receipt limit', 'reached. Please', 'ask at the till']);
    expect(await scan('RCPT:OLD-1:1000:EUR')).toEqual(['Receipt already', 'used for points']);
    clock.at += DAY_MS + 1000;
    expect((await scan('RCPT:OLD-2:1000:EUR'))[0]).toBe('+100 points');
    expect((await balance()) - before).toBe(200);
    expect((await call('PATCH', `/stores/${STORE.id}`, { legacyReceiptsPerCardPerDay: 0 }, { role: 'admin' })).status).toBe(200);
    expect((await scan('RCPT:OLD-3:1000:EUR'))[0]).toBe('Receipt not found');
  });
});
