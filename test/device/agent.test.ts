/**
 * The agent's state machine over in-memory ports (unit level; the real MQTT path is covered in
 * test/e2e): the in-memory kiosk link plays the gateway from a table, the outbox keeps entries in
 * memory, and time is the test's fake clock, so timeouts are advanced, never waited for.
 */
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InMemoryKioskLink, KioskAgent, MemoryOutboxStore, Outbox, Requests, createEmulatedHardware, decodeEscPos, packBatches, receiptText } from '@loyalty/device';
import { CHANNEL_SPECS, EnvelopeSigner, OpIdGenerator, generateKeyPair, kioskTopic, type Reply } from '@loyalty/protocol';
import { createLogger } from '@loyalty/protocol/node';

const silent = createLogger({ level: 'silent', name: 't', destination: new Writable({ write: (_c, _e, d) => d() }) });
const REQUEST_TIMEOUT_MS = 200;

async function setup() {
  const outbox = new Outbox({ store: new MemoryOutboxStore() });
  await outbox.start();
  const link = new InMemoryKioskLink();
  const hardware = createEmulatedHardware();
  // Started as Kiosk.start does, before the agent.
  for (const device of [hardware.display, hardware.printer, hardware.reader, hardware.scanner]) await device.start();
  const requests = new Requests({ link, outbox, log: silent, resendIntervalMs: 60_000 });
  requests.start();
  const agent = new KioskAgent(
    { ...hardware, requests, opIds: new OpIdGenerator(), log: silent, clock: Date },
    { kioskId: 'k1', storeName: 'S', requestTimeoutMs: REQUEST_TIMEOUT_MS, memberScreenMs: 60_000 },
  );
  await agent.start();
  /** lets queued replies (delivered on setImmediate) and the agent's queue run as far as they can without time passing */
  const settle = async () => {
    for (let i = 0; i < 20; i += 1) await new Promise((r) => setImmediate(r));
  };
  return {
    outbox,
    link,
    hardware,
    requests,
    agent,
    settle,
    done: async () => {
      await agent.stop();
      requests.stop();
      await hardware.printer.stop();
      await outbox.stop();
    },
  };
}

const member = { result: { status: 'ok', data: { cardNumberMasked: '*0009', status: 'active', displayName: 'Anna K.', balance: 7, tier: null } } };

describe('kiosk agent state machine', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts on the welcome screen and handles taps one at a time', async () => {
    const t = await setup();
    expect(t.hardware.display.current.lines[0]).toBe('Welcome!');
    t.link.answer = (r) => (r.kind === 'identify' ? member : null);
    t.hardware.reader.present('04A1B2C3');
    t.hardware.reader.present('04A1B2C4');
    await t.settle();
    expect(t.link.requests.map((r) => r.kind)).toEqual(['identify', 'identify']);
    expect(t.hardware.printer.jobs).toHaveLength(2);
    expect(t.agent.state).toBe('member');
    // The member screen times out back to the welcome screen.
    await vi.advanceTimersByTimeAsync(60_000);
    await t.settle();
    expect(t.agent.state).toBe('idle');
    expect(t.hardware.display.current.lines[0]).toBe('Welcome!');
    await t.done();
  });

  it('asks for a card before a receipt, and shows offline when nobody answers', async () => {
    const t = await setup();
    t.hardware.scanner.scan('RCPT:T1:1000:EUR');
    await t.settle();
    expect(t.hardware.display.current.lines[0]).toBe('Tap your card first');
    expect(t.link.requests).toHaveLength(0);
    t.hardware.reader.present('04A1B2C3'); // no answer configured: times out
    await t.settle();
    expect(t.agent.state).toBe('identifying');
    await vi.advanceTimersByTimeAsync(REQUEST_TIMEOUT_MS);
    await t.settle();
    expect(t.hardware.display.current.lines).toEqual(['Kiosk offline', 'Balance unavailable', 'Please try later']);
    await t.done();
  });

  it('refuses a reply whose data does not match the protocol as bad_reply, and keeps working', async () => {
    const t = await setup();
    t.link.answer = () => ({ result: { status: 'ok', data: { balance: 'lots', status: 'active' } } });
    t.hardware.reader.present('04A1B2C3');
    await t.settle();
    expect(t.hardware.display.current.lines[0]).toBe('Sorry:');
    expect(t.agent.state).toBe('identifying');
    const reply = await t.requests.call({ kind: 'identify', opId: new OpIdGenerator().next(), card: { number: '10009' } }, REQUEST_TIMEOUT_MS);
    expect(reply).toMatchObject({ kind: 'identify', result: { status: 'error', code: 'bad_reply' } });
    // A reply of another kind for this request is refused the same way.
    t.link.answer = () => ({ kind: 'earn', result: { status: 'ok', data: { result: 'created', cardNumberMasked: '*1', pointsEarned: 1, balance: 1, transferId: 'x' } } });
    const other = await t.requests.call({ kind: 'identify', opId: new OpIdGenerator().next(), card: { number: '10009' } }, REQUEST_TIMEOUT_MS);
    expect(other.result).toMatchObject({ status: 'error', code: 'bad_reply', message: 'a earn reply came for a identify request' });
    // The kiosk still serves the next customer.
    t.link.answer = (r) => (r.kind === 'identify' ? member : null);
    t.hardware.reader.remove();
    t.hardware.reader.present('04A1B2C4');
    await t.settle();
    expect(t.hardware.display.current.lines[0]).toBe('Hello Anna K.');
    await t.done();
  });

  it('writes an earn to the outbox before sending, prints "pending" when offline, and clears it on the late answer', async () => {
    const t = await setup();
    t.link.answer = (r) => (r.kind === 'identify' ? member : null);
    t.hardware.reader.present('04A1B2C3');
    await t.settle();
    t.link.connected = false;
    t.hardware.scanner.scan('RCPT:T9:1000:EUR');
    await t.settle();
    expect(await t.outbox.depth()).toBe(1);
    await vi.advanceTimersByTimeAsync(REQUEST_TIMEOUT_MS);
    await t.settle();
    expect(receiptText(decodeEscPos(t.hardware.printer.jobs.at(-1)!))).toContain('PENDING - NOT YET BOOKED');

    const late: Reply[] = [];
    t.agent.on('lateResult', (r) => late.push(r));
    t.link.connected = true;
    t.link.answer = () => ({ result: { status: 'ok', data: { result: 'created', cardNumberMasked: '*0009', pointsEarned: 10, balance: 17, transferId: 'x' } } });
    // The link came back: everything waiting goes again.
    expect(await t.requests.resendPending({ all: true })).toBe(1);
    await t.settle();
    expect(late).toHaveLength(1);
    expect(late[0]!.result).toMatchObject({ status: 'ok', data: { pointsEarned: 10 } });
    expect(await t.outbox.depth()).toBe(0);
    await t.done();
  });

  it('resends on the interval only what has gone unanswered for the interval, so a long backlog is not sent twice over', async () => {
    const t = await setup();
    const sent: string[] = [];
    t.link.answer = (r) => {
      sent.push(r.opId);
      return null; // no answer: the gateway is slow
    };
    const earn = (receiptId: string) => ({ kind: 'earn' as const, opId: new OpIdGenerator().next(), card: { number: '10009' }, receipt: { id: receiptId, total: { amount: 1000, currency: 'EUR' } } });
    const submit = async (request: ReturnType<typeof earn>) => {
      const { reply } = await t.requests.submit(request, REQUEST_TIMEOUT_MS);
      reply.catch(() => undefined); // nobody waits at a screen here
    };
    const first = earn('A1');
    const second = earn('A2');
    await submit(first);
    await vi.advanceTimersByTimeAsync(30_000);
    await submit(second);
    // The interval (60 s) comes round: the first has waited 60 s and goes again, the second (30 s) does not.
    await vi.advanceTimersByTimeAsync(30_000);
    await t.settle();
    expect(sent).toEqual([first.opId, second.opId, first.opId]);
    // Another interval: both have waited long enough.
    await vi.advanceTimersByTimeAsync(60_000);
    await t.settle();
    expect(sent.slice(3).sort()).toEqual([first.opId, second.opId].sort());
    // A reconnect sends everything at once, however recently it went.
    expect(await t.requests.resendPending({ all: true })).toBe(2);
    await t.settle();
    expect(sent).toHaveLength(7);
    await t.done();
  });

  it('sends a backlog in batches, each answered as if alone, and a batch refused as a whole again one by one', async () => {
    const t = await setup();
    t.link.connected = false;
    const ids = new OpIdGenerator();
    const earns = Array.from({ length: 70 }, (_, i) => ({ kind: 'earn' as const, opId: ids.next(), card: { number: '10009' }, receipt: { id: `B${i}`, total: { amount: 1000, currency: 'EUR' } } }));
    for (const earn of earns) await t.outbox.add(earn);
    t.link.connected = true;
    const answered: string[] = [];
    t.link.answer = (r) => {
      answered.push(r.opId);
      return { result: { status: 'ok', data: { result: 'created', cardNumberMasked: '*0009', pointsEarned: 1, balance: 1, transferId: r.opId } } };
    };
    expect(await t.requests.resendPending({ all: true })).toBe(70);
    await t.settle();
    // 32 + 32 + 6: three envelopes for seventy operations, every one answered once and cleared.
    const envelopes = t.link.sent.filter((s) => s.channel === 'req').map((s) => s.body as { kind: string; requests?: unknown[] });
    expect(envelopes.map((e) => (e.kind === 'batch' ? e.requests!.length : 1))).toEqual([32, 32, 6]);
    expect(answered.sort()).toEqual(earns.map((e) => e.opId).sort());
    expect(await t.outbox.depth()).toBe(0);

    // A gateway that cannot read a batch (an entry only a newer gateway knows): each goes alone.
    const more = Array.from({ length: 3 }, (_, i) => ({ kind: 'earn' as const, opId: ids.next(), card: { number: '10009' }, receipt: { id: `C${i}`, total: { amount: 1000, currency: 'EUR' } } }));
    t.link.connected = false;
    for (const earn of more) await t.outbox.add(earn);
    t.link.connected = true;
    t.link.refuseBatches = true;
    answered.length = 0;
    await t.requests.resendPending({ all: true });
    await t.settle();
    expect(answered.sort()).toEqual(more.map((e) => e.opId).sort());
    expect(await t.outbox.depth()).toBe(0);
    await t.done();
  });

  it('packs batches by size too: the signed envelope stays inside the request channel’s limit', () => {
    const ids = new OpIdGenerator();
    // Offline redemptions with their coupons and journal links: ~700 bytes each, so 32 would not fit.
    const big = Array.from({ length: 40 }, () => {
      const opId = ids.next();
      return {
        kind: 'redeem_offline' as const,
        opId,
        journal: { seq: 1, prev: 'a'.repeat(64), sig: 'b'.repeat(86) },
        card: { number: '10009' },
        rewardId: 'coffee',
        points: 500,
        coupon: { code: `K${'0'.repeat(32)}`, value: { amount: 500, currency: 'EUR' }, expiresAt: '2027-01-01T00:00:00.000Z', reward: 'Бесплатный кофе с круассаном и джемом'.padEnd(60, '.') },
        redeemedAt: '2026-12-07T10:00:00.000Z',
        tokenIssuedAt: '2026-12-07T09:00:00.000Z',
      };
    });
    const batches = packBatches(big);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    // Signed as the link signs it, each batch fits the request channel (the broker refuses more).
    const keys = generateKeyPair();
    let seq = 0;
    const signer = new EnvelopeSigner({ senderId: 'kiosk-with-a-long-identifier-0001', privateKey: keys.privateKey, sequence: { next: () => (seq += 1) } });
    const topic = kioskTopic('kiosk-with-a-long-identifier-0001', 'req');
    for (const batch of batches) {
      const envelope = signer.sign(topic, { kind: 'batch', opId: ids.next(), requests: batch });
      expect(Buffer.byteLength(envelope)).toBeLessThanOrEqual(CHANNEL_SPECS.req.maxBytes);
    }
    expect(batches.flat()).toHaveLength(40);
  });

  it('keeps an earn for another try when the gateway reports a transient error', async () => {
    const t = await setup();
    t.link.answer = (r) => (r.kind === 'identify' ? member : { result: { status: 'error', code: 'internal_error', message: 'disk busy' } });
    t.hardware.reader.present('04A1B2C3');
    await t.settle();
    t.hardware.scanner.scan('RCPT:T10:1000:EUR');
    await t.settle();
    await vi.advanceTimersByTimeAsync(REQUEST_TIMEOUT_MS);
    await t.settle();
    expect(await t.outbox.depth()).toBe(1);
    expect(t.hardware.display.current.lines[0]).toBe('Points saved');
    await t.done();
  });

  it('shows the screen of each receipt refusal', async () => {
    const t = await setup();
    const cases: Array<[string, string]> = [
      ['receipt_unknown', 'Receipt not found'],
      ['receipt_forged', 'Receipt not valid'],
      ['receipt_too_old', 'Receipt too old'],
      ['receipt_claimed', 'Receipt already'],
      ['receipt_limit', 'Daily receipt limit'],
    ];
    for (const [code, first] of cases) {
      t.link.answer = (r) => (r.kind === 'identify' ? member : { result: { status: 'error', code, message: code } });
      t.hardware.reader.remove();
      t.hardware.reader.present('04A1B2C3');
      await t.settle();
      t.hardware.scanner.scan(`RCPT:${code}:1000:EUR`);
      await t.settle();
      expect(t.hardware.display.current.lines[0], code).toBe(first);
    }
    // A refused earn is final: nothing stays in the outbox to be resent.
    expect(await t.outbox.depth()).toBe(0);
    await t.done();
  });

  it('tells the customer when the printer is out of paper, still shows the balance, and prints the slip once paper is back', async () => {
    const t = await setup();
    t.hardware.printer.paper = 'out';
    t.link.answer = () => member;
    t.hardware.reader.present('04A1B2C3');
    await t.settle();
    expect(t.hardware.printer.jobs).toHaveLength(0);
    expect(t.hardware.display.current.lines).toEqual(['Hello Anna K.', 'Points: 7', 'Printer problem:', 'slip not printed']);
    expect(t.hardware.display.signals.at(-1)).toBe('attention');
    t.hardware.printer.paper = 'ok';
    await vi.advanceTimersByTimeAsync(2000); // the print queue asks the printer again
    await t.settle();
    expect(t.hardware.printer.jobs).toHaveLength(1);
    expect(receiptText(decodeEscPos(t.hardware.printer.jobs[0]!))).toContain('Points balance                           7');
    await t.done();
  });
});
