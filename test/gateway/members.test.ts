/**
 * Customers and cards (docs/customers-and-cards.md) on the real gateway: card numbering and batches, the card
 * lifecycle with the hotlist, SMS one-time codes and registration, identification by phone, and
 * erasure — with `verify` green throughout.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidCardNumber } from '@loyalty/protocol';
import type { Gateway } from '@loyalty/gateway';
import { firstPayloadFrom } from '@loyalty/gateway';
import { type CapturedLog, seed, startGateway, tempDir } from '../support/system.js';

describe('customers and cards over HTTP', () => {
  const dir = tempDir('members');
  let gateway: Gateway;
  let log: CapturedLog;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    ({ gateway, log } = await startGateway(dir.path));
    await seed(gateway);
    for (const role of ['admin', 'pos', 'viewer'] as const) tokens[role] = (await gateway.tokens.create(role, role)).token;
  });
  afterAll(async () => {
    await gateway.stop();
    dir.remove();
  });

  const call = async (method: string, path: string, body?: unknown, role = 'pos', headers: Record<string, string> = {}) => {
    const response = await fetch(`${gateway.httpUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[role]}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text.startsWith('{') ? JSON.parse(text) : text) as any, type: response.headers.get('content-type') };
  };
  /** The code the development SMS provider wrote to the log for this phone (last 4 digits). */
  const lastCode = (phoneEnd: string) => {
    const line = log.find((l) => typeof l.sms === 'string' && String(l.to).endsWith(phoneEnd)).at(-1);
    return /(\d{6})/.exec(String(line?.sms))?.[1] ?? '';
  };
  const verified = async () => expect((await call('GET', '/ledger/verify', undefined, 'viewer')).body.violations).toEqual([]);

  it('issues numbered batches with check digits, in order, also as CSV, never twice when requests race', async () => {
    expect(firstPayloadFrom(10001)).toBe(1000);
    const batches = await Promise.all(Array.from({ length: 6 }, () => call('POST', '/cards/batches', { programId: 'points', count: 25 }, 'admin')));
    const numbers = batches.flatMap((b) => b.body.numbers as string[]);
    expect(batches.every((b) => b.status === 201)).toBe(true);
    expect(new Set(numbers).size).toBe(150);
    for (const n of numbers) expect(isValidCardNumber(n)).toBe(true);
    // Each batch is consecutive and above the demo cards seeded as 10009 and 10017.
    for (const b of batches) {
      const payloads = (b.body.numbers as string[]).map((n) => Number(n.slice(0, -1)));
      expect(payloads).toEqual(payloads.map((_, i) => payloads[0]! + i));
      expect(payloads[0]).toBeGreaterThanOrEqual(1000);
    }
    const csv = await call('POST', '/cards/batches', { programId: 'points', count: 3 }, 'admin', { accept: 'text/csv' });
    expect(csv.status).toBe(201);
    expect(csv.type).toMatch(/text\/csv/);
    expect(String(csv.body).trim().split('\n')).toHaveLength(4);
    const clash = await call('POST', '/cards/batches', { programId: 'points', count: 2, firstNumber: Number(numbers[0]) }, 'admin');
    expect(clash.status).toBe(409);
    expect(clash.body.error).toBe('card_exists');
    const card = await call('GET', `/cards/${numbers[0]}`);
    expect(card.body).toMatchObject({ status: 'unlinked', customerId: null, balance: 0 });
    expect((await call('POST', '/cards/batches', { programId: 'points', count: 1 }, 'pos')).status).toBe(403);
  });

  it('creates customers with E.164 phones, one per phone, and finds them by any spelling of it', async () => {
    const created = await call('POST', '/customers', { name: 'Olga Smirnova', phone: '0151 2345 6789', birthday: '1990-02-28', marketingConsent: true });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Olga Smirnova', phone: '+4915123456789', marketingConsent: true, marketingConsentAt: expect.any(String) });
    expect((await call('POST', '/customers', { name: 'Someone Else', phone: '+49 151 23456789' })).body.error).toBe('phone_taken');
    expect((await call('GET', '/customers?phone=%2B49-151-2345-6789')).body.items.map((c: { id: string }) => c.id)).toEqual([created.body.id]);
    const bad = await call('POST', '/customers', { name: 'X', phone: '12' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/not a valid number/);
    expect(JSON.stringify(bad.body)).not.toContain('12"');
  });

  it('links, blocks and replaces cards; a blocked card is refused and appears in a higher hotlist version', async () => {
    const customer = (await call('POST', '/customers', { name: 'Pavel Orlov', phone: '+49 160 1111111' })).body;
    const issued = await call('POST', '/cards', { programId: 'points', uid: '04:aa:bb:cc:dd:ee:01' });
    expect(issued.status).toBe(201);
    const number = issued.body.number as string;
    const linked = await call('POST', `/cards/${number}/link`, { customerId: customer.id });
    expect(linked.body).toMatchObject({ status: 'active', customerId: customer.id });
    const other = (await call('POST', '/customers', { name: 'Wrong Person', phone: '+49 160 2222222' })).body;
    expect((await call('POST', `/cards/${number}/link`, { customerId: other.id })).body.error).toBe('card_linked_elsewhere');
    expect((await call('POST', `/cards/${number}/link`, { customerId: other.id, correction: { reason: 'typo at the till' } })).status).toBe(403);
    expect((await call('POST', `/cards/${number}/link`, { customerId: other.id, correction: { reason: 'typo at the till' } }, 'admin')).body.customerId).toBe(other.id);
    await call('POST', `/cards/${number}/link`, { customerId: customer.id, correction: { reason: 'back to the right person' } }, 'admin');
    await call('POST', '/purchases', { card: number, storeId: 'store-1', currency: 'EUR', items: [{ sku: 'A', category: 'x', quantity: 1, unitPrice: 1500 }] }, 'pos', {
      'idempotency-key': `p-${number}`,
    });

    const before = (await call('GET', '/hotlist', undefined, 'viewer')).body;
    const replaced = await call('POST', `/cards/${number}/replace`, { reason: 'lost in the car park' }, 'pos', { 'idempotency-key': `r-${number}` });
    expect(replaced.status).toBe(201);
    expect(replaced.body).toMatchObject({ old: { number, status: 'blocked' }, new: { status: 'active', balance: 15 } });
    const after = (await call('GET', '/hotlist', undefined, 'viewer')).body;
    expect(after.version).toBeGreaterThan(before.version);
    expect(after.numbers).toContain(number);
    expect(after.uids).toContain('04AABBCCDDEE01');

    const refused = await call('POST', '/purchases', { card: number, storeId: 'store-1', currency: 'EUR', items: [{ sku: 'A', category: 'x', quantity: 1, unitPrice: 100 }] }, 'pos', {
      'idempotency-key': `p2-${number}`,
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toBe('card_blocked');
    const events = (await call('GET', `/cards/${number}/events`, undefined, 'viewer')).body.items.map((e: { kind: string }) => e.kind);
    expect(events).toEqual(['issued', 'linked', 'relinked', 'relinked', 'blocked']);

    const spare = (await call('POST', '/cards', { programId: 'points' })).body.number;
    const blocked = await call('POST', `/cards/${spare}/block`, { reason: 'reported stolen' });
    expect(blocked.body.status).toBe('blocked');
    expect((await call('GET', '/hotlist', undefined, 'viewer')).body.version).toBeGreaterThan(after.version);
    await verified();
  });

  it('registers a card with an SMS code: active only after the right code, bound to that card', async () => {
    const card = (await call('POST', '/cards', { programId: 'points' })).body.number as string;
    const started = await call('POST', '/registrations', { card, phone: '+49 170 3333333', name: 'Irina Volkova' });
    expect(started.status).toBe(202);
    expect((await call('GET', `/cards/${card}`)).body.status).toBe('unlinked');
    const wrong = await call('POST', `/registrations/${started.body.registrationId}/confirm`, { code: '000000' === lastCode('3333') ? '111111' : '000000' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.message).toMatch(/4 tries left/);
    const ok = await call('POST', `/registrations/${started.body.registrationId}/confirm`, { code: lastCode('3333') });
    expect(ok.status).toBe(200);
    expect(ok.body.card).toEqual({ number: card, status: 'active' });
    const customer = (await call('GET', `/customers/${ok.body.customerId}`)).body;
    expect(customer).toMatchObject({ name: 'Irina Volkova', phone: '+491703333333', cards: [{ number: card, status: 'active' }] });
    // The code never reaches a log line other than the development provider's own.
    const code = lastCode('3333');
    expect(log.lines.filter((l) => JSON.stringify(l).includes(code) && l.sms === undefined)).toEqual([]);
  });

  it('identifies a customer by phone number and code', async () => {
    const started = await call('POST', '/identifications', { phone: '+49 170 3333333' });
    expect(started.status).toBe(202);
    const found = await call('POST', `/identifications/${started.body.identificationId}/confirm`, { phone: '+491703333333', code: lastCode('3333') });
    expect(found.body).toMatchObject({ name: 'Irina Volkova', cards: [{ status: 'active' }] });
  });

  it('exports a person and erases them, leaving no personal data and the ledger whole', async () => {
    const customer = (await call('POST', '/customers', { name: 'Erase Me', phone: '+49 171 4444444', email: 'erase@example.org', birthday: '1980-01-01', marketingConsent: true })).body;
    const card = (await call('POST', '/cards', { programId: 'points', customerId: customer.id })).body.number;
    await call('POST', '/purchases', { card, storeId: 'store-1', currency: 'EUR', items: [{ sku: 'A', category: 'x', quantity: 2, unitPrice: 500 }] }, 'pos', { 'idempotency-key': `e-${card}` });
    const exported = await call('GET', `/customers/${customer.id}/export`, undefined, 'admin');
    expect(exported.body.customer).toMatchObject({ name: 'Erase Me', email: 'erase@example.org' });
    expect(exported.body.statements[0].statement).toHaveLength(1);
    expect((await call('POST', `/customers/${customer.id}/erase`, undefined, 'pos')).status).toBe(403);
    expect((await call('POST', `/customers/${customer.id}/erase`, undefined, 'admin')).body).toMatchObject({ erased: true, cardsUnlinked: 1 });
    const row = (await gateway.db.execute({ sql: 'SELECT * FROM customers WHERE id = ?', args: [customer.id] })).rows[0]!;
    for (const field of ['name', 'phone', 'email', 'birthday', 'marketing_consent_at', 'referred_by']) expect(row[field], field).toBeNull();
    const text = JSON.stringify((await gateway.db.execute('SELECT * FROM customers')).rows) + JSON.stringify((await gateway.db.execute('SELECT * FROM registrations')).rows);
    for (const pii of ['Erase Me', '4444444', 'erase@example.org', '1980-01-01']) expect(text).not.toContain(pii);
    expect((await call('GET', `/cards/${card}`)).body).toMatchObject({ status: 'unlinked', customerId: null, balance: 10 });
    await verified();
  });
});

describe('SMS one-time codes', () => {
  const dir = tempDir('otp');
  let gateway: Gateway;
  let log: CapturedLog;
  let clockMs = Date.parse('2026-03-01T10:00:00.000Z');
  const clock = { now: () => new Date(clockMs) };

  beforeAll(async () => {
    ({ gateway, log } = await startGateway(dir.path, {}, clock));
    await seed(gateway);
  });
  afterAll(async () => {
    await gateway.stop();
    dir.remove();
  });

  const codeFor = (phoneEnd: string) => /(\d{6})/.exec(String(log.find((l) => String(l.to).endsWith(phoneEnd)).at(-1)?.sms))?.[1] ?? '';
  const newCard = async () => (await gateway.cards.issue({ programId: 'points', actor: 'test' })).number;
  const confirm = (registrationId: string, code: string) => gateway.registrations.confirm({ registrationId, code, actor: 'test' });

  it('expires after 10 minutes', async () => {
    const reg = await gateway.registrations.start({ card: { number: await newCard() }, phone: '+49 151 0000001' });
    clockMs += 10 * 60_000;
    await expect(confirm(reg.registrationId, codeFor('0001'))).rejects.toMatchObject({ code: 'otp_expired' });
  });

  it('locks after 5 wrong attempts, even for the right code after', async () => {
    const reg = await gateway.registrations.start({ card: { number: await newCard() }, phone: '+49 151 0000002' });
    const right = codeFor('0002');
    const wrong = right === '123456' ? '654321' : '123456';
    for (let i = 0; i < 4; i += 1) await expect(confirm(reg.registrationId, wrong)).rejects.toMatchObject({ code: 'otp_invalid' });
    await expect(confirm(reg.registrationId, wrong)).rejects.toMatchObject({ code: 'otp_locked' });
    await expect(confirm(reg.registrationId, right)).rejects.toMatchObject({ code: 'otp_locked' });
  });

  it('invalidates the previous code on a resend and is single use', async () => {
    const card = await newCard();
    const first = await gateway.registrations.start({ card: { number: card }, phone: '+49 151 0000003' });
    const firstCode = codeFor('0003');
    const second = await gateway.registrations.start({ card: { number: card }, phone: '+49 151 0000003' });
    await expect(confirm(first.registrationId, firstCode)).rejects.toMatchObject({ code: 'otp_expired' });
    await expect(confirm(second.registrationId, codeFor('0003'))).resolves.toMatchObject({ card: { number: card } });
    // Confirming again is idempotent (already confirmed), and the code cannot be used for anything else.
    await expect(confirm(second.registrationId, '000000')).resolves.toMatchObject({ card: { number: card } });
  });

  it('sends at most 3 codes per phone per 10 minutes, and caps a kiosk per day', async () => {
    const phone = '+49 151 0000004';
    for (let i = 0; i < 3; i += 1) await gateway.registrations.start({ card: { number: await newCard() }, phone });
    await expect(gateway.registrations.start({ card: { number: await newCard() }, phone })).rejects.toMatchObject({ code: 'otp_rate_limited' });
    clockMs += 10 * 60_000 + 1;
    await expect(gateway.registrations.start({ card: { number: await newCard() }, phone })).resolves.toBeDefined();
  });

  it('binds a code to its purpose: a registration code does not identify, and vice versa', async () => {
    const card = await newCard();
    const reg = await gateway.registrations.start({ card: { number: card }, phone: '+49 151 0000005' });
    const code = codeFor('0005');
    await expect(gateway.registrations.confirmIdentification({ identificationId: reg.registrationId, phone: '+49 151 0000005', code })).rejects.toMatchObject({ code: 'otp_invalid' });
    const otpId = (await gateway.db.execute({ sql: 'SELECT otp_id FROM registrations WHERE id = ?', args: [reg.registrationId] })).rows[0]!.otp_id;
    await expect(gateway.registrations.confirmIdentification({ identificationId: String(otpId), phone: '+49 151 0000005', code })).rejects.toMatchObject({ code: 'otp_invalid' });
    await expect(confirm(reg.registrationId, code)).resolves.toMatchObject({ card: { number: card } });
  });
});

describe('SMS webhook provider', () => {
  it('posts the message to the configured gateway with its auth header, JSON-escaped', async () => {
    const received: Array<{ auth: string | undefined; body: unknown }> = [];
    const server = createServer((req: IncomingMessage, res) => {
      let data = '';
      req.on('data', (d) => (data += d));
      req.on('end', () => {
        received.push({ auth: req.headers.authorization, body: JSON.parse(data) });
        res.writeHead(received.length === 1 ? 202 : 500).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { WebhookSmsProvider } = await import('@loyalty/gateway');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`;
    const provider = new WebhookSmsProvider({ url, authHeader: 'Bearer sms-secret', bodyTemplate: '{"recipient":"{{to}}","message":"{{text}}"}', timeoutMs: 2000 });
    await provider.send({ to: '+4915100000001', text: 'Code "123456"\nvalid 10 min' });
    expect(received[0]).toEqual({ auth: 'Bearer sms-secret', body: { recipient: '+4915100000001', message: 'Code "123456"\nvalid 10 min' } });
    await expect(provider.send({ to: '+4915100000001', text: 'x' })).rejects.toThrow(/refused the message: HTTP 500/);
    server.close();
  });
});

describe('redemptions confirmed by SMS, and the daily SMS cap of a kiosk', () => {
  const dir = tempDir('sms-hold');
  let gateway: Gateway;
  let log: CapturedLog;
  let pos: string;

  beforeAll(async () => {
    ({ gateway, log } = await startGateway(dir.path, { sms: { kioskDailyCap: 2 } }));
    await seed(gateway);
    pos = (await gateway.tokens.create('pos', 'till')).token;
  });
  afterAll(async () => {
    await gateway.stop();
    dir.remove();
  });

  const post = async (path: string, body: unknown, key = crypto.randomUUID()) => {
    const response = await fetch(`${gateway.httpUrl}/api/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${pos}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  it('holds the points until the customer confirms with the code sent to their phone', async () => {
    const customerId = await gateway.directory.createCustomer({ name: 'Held Customer' });
    await gateway.db.execute({ sql: 'UPDATE customers SET phone = ? WHERE id = ?', args: ['+4915199999999', customerId] });
    const number = (await gateway.cards.issue({ programId: 'points', customerId, actor: 't' })).number;
    await post('/purchases', { card: number, storeId: 'store-1', currency: 'EUR', items: [{ sku: 'A', category: 'x', quantity: 1, unitPrice: 10_000 }] });
    const started = await post('/redemptions/holds', { card: number, storeId: 'store-1', points: 80 });
    expect(started.status).toBe(202);
    // Held: only 20 of 100 can be spent meanwhile.
    expect((await post('/redemptions', { card: number, storeId: 'store-1', points: 21 })).body.error).toBe('insufficient_points');
    const code = /(\d{6})/.exec(String(log.find((l) => String(l.to).endsWith('9999')).at(-1)?.sms))![1]!;
    const confirmed = await post(`/redemptions/holds/${started.body.holdId}/confirm`, { confirmationId: started.body.confirmationId, code, storeId: 'store-1' });
    expect(confirmed.status).toBe(201);
    expect(confirmed.body).toMatchObject({ balance: 20, coupon: { code: expect.any(String), value: { amount: 80 } } });
    // The code confirmed this hold only: it cannot confirm it twice.
    expect((await post(`/redemptions/holds/${started.body.holdId}/confirm`, { confirmationId: started.body.confirmationId, code, storeId: 'store-1' })).body.error).toBe('otp_invalid');
    // A card without a registered phone cannot use it.
    const anonymous = (await gateway.cards.issue({ programId: 'points', actor: 't' })).number;
    const refused = await post('/redemptions/holds', { card: anonymous, storeId: 'store-1', points: 1 });
    expect(refused.body, anonymous).toMatchObject({ error: 'card_unlinked' });
  });

  it('stops a kiosk that sent its daily number of codes', async () => {
    for (const phone of ['+49 151 7000001', '+49 151 7000002']) await gateway.registrations.startIdentification({ phone, kioskId: 'kiosk-9' });
    await expect(gateway.registrations.startIdentification({ phone: '+49 151 7000003', kioskId: 'kiosk-9' })).rejects.toMatchObject({ code: 'otp_rate_limited' });
    await expect(gateway.registrations.startIdentification({ phone: '+49 151 7000003', kioskId: 'kiosk-8' })).resolves.toBeDefined();
  });
});
