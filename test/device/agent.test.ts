/**
 * The agent's state machine against in-memory fakes of the link (unit level; the real MQTT
 * path is covered in test/e2e). A fake gateway answers identify/earn from a table.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { KioskAgent, Outbox, Requests, createEmulatedHardware, decodeEscPos, receiptText, type GatewayLink } from '@loyalty/device';
import { OpIdGenerator, type Reply, type Request } from '@loyalty/protocol';
import { createLogger } from '@loyalty/protocol/node';
import { Writable } from 'node:stream';
import { eventually, tempDir } from '../support/system.js';

const silent = createLogger({ level: 'silent', name: 't', destination: new Writable({ write: (_c, _e, d) => d() }) });

class FakeLink extends EventEmitter {
  connected = true;
  sent: Request[] = [];
  answer: (r: Request) => Reply['result'] | null = () => null;
  async send(_channel: string, body: unknown): Promise<boolean> {
    if (!this.connected) return false;
    const request = body as Request;
    this.sent.push(request);
    const result = this.answer(request);
    if (result) setImmediate(() => this.emit('reply', { opId: request.opId, kind: request.kind, serverTime: '2026-11-22T10:00:00.000Z', result }));
    return true;
  }
}

async function setup() {
  const dir = tempDir('agent');
  const outbox = new Outbox(`${dir.path}/o.db`);
  await outbox.start();
  const link = new FakeLink();
  const hardware = createEmulatedHardware();
  // Started as Kiosk.start does, before the agent.
  for (const device of [hardware.display, hardware.printer, hardware.reader, hardware.scanner]) await device.start();
  const requests = new Requests({ link: link as unknown as GatewayLink, outbox, log: silent, resendIntervalMs: 60_000 });
  requests.start();
  const agent = new KioskAgent({ ...hardware, requests, opIds: new OpIdGenerator(), log: silent }, { kioskId: 'k1', storeName: 'S', requestTimeoutMs: 200, memberScreenMs: 60_000 });
  await agent.start();
  return { dir, outbox, link, hardware, requests, agent, done: async () => { await agent.stop(); requests.stop(); await hardware.printer.stop(); await outbox.stop(); dir.remove(); } };
}

const member = { status: 'ok' as const, data: { cardNumberMasked: '*0009', status: 'active', displayName: 'Anna K.', balance: 7, tier: null } };

describe('kiosk agent state machine', () => {
  it('starts on the welcome screen and handles taps one at a time', async () => {
    const t = await setup();
    expect(t.hardware.display.current.lines[0]).toBe('Welcome!');
    t.link.answer = (r) => (r.kind === 'identify' ? member : null);
    t.hardware.reader.present('04A1B2C3');
    t.hardware.reader.present('04A1B2C4');
    await t.agent.settled();
    expect(t.link.sent.map((r) => r.kind)).toEqual(['identify', 'identify']);
    expect(t.hardware.printer.jobs).toHaveLength(2);
    expect(t.agent.state).toBe('member');
    await t.done();
  });

  it('asks for a card before a receipt, and shows offline when nobody answers', async () => {
    const t = await setup();
    t.hardware.scanner.scan('RCPT:T1:1000:EUR');
    await t.agent.settled();
    expect(t.hardware.display.current.lines[0]).toBe('Tap your card first');
    expect(t.link.sent).toHaveLength(0);
    t.hardware.reader.present('04A1B2C3'); // no answer configured: times out
    await t.agent.settled();
    expect(t.hardware.display.current.lines).toEqual(['Kiosk offline', 'Balance unavailable', 'Please try later']);
    await t.done();
  });

  it('writes an earn to the outbox before sending, prints "pending" when offline, and clears it on the late answer', async () => {
    const t = await setup();
    t.link.answer = (r) => (r.kind === 'identify' ? member : null);
    t.hardware.reader.present('04A1B2C3');
    await t.agent.settled();
    t.link.connected = false;
    t.hardware.scanner.scan('RCPT:T9:1000:EUR');
    await t.agent.settled();
    expect(await t.outbox.depth()).toBe(1);
    expect(receiptText(decodeEscPos(t.hardware.printer.jobs.at(-1)!))).toContain('PENDING - NOT YET BOOKED');

    const late: Reply[] = [];
    t.agent.on('lateResult', (r) => late.push(r));
    t.link.connected = true;
    t.link.answer = () => ({ status: 'ok', data: { result: 'created', cardNumberMasked: '*0009', pointsEarned: 10, balance: 17, transferId: 'x' } });
    expect(await t.requests.resendPending()).toBe(1);
    await eventually(() => late.length === 1);
    expect(await t.outbox.depth()).toBe(0);
    await t.done();
  });

  it('keeps an earn for another try when the gateway reports a transient error', async () => {
    const t = await setup();
    t.link.answer = (r) => (r.kind === 'identify' ? member : { status: 'error', code: 'internal_error', message: 'disk busy' });
    t.hardware.reader.present('04A1B2C3');
    await t.agent.settled();
    t.hardware.scanner.scan('RCPT:T10:1000:EUR');
    await t.agent.settled();
    expect(await t.outbox.depth()).toBe(1);
    expect(t.hardware.display.current.lines[0]).toBe('Points saved');
    await t.done();
  });

  it('tells the customer when the printer is out of paper, still shows the balance, and prints the slip once paper is back', async () => {
    const t = await setup();
    t.hardware.printer.paper = 'out';
    t.link.answer = () => member;
    t.hardware.reader.present('04A1B2C3');
    await t.agent.settled();
    expect(t.hardware.printer.jobs).toHaveLength(0);
    expect(t.hardware.display.current.lines).toEqual(['Hello Anna K.', 'Points: 7', 'Printer problem:', 'slip prints later']);
    expect(t.hardware.display.signals.at(-1)).toBe('attention');
    t.hardware.printer.paper = 'ok';
    await eventually(() => t.hardware.printer.jobs.length === 1, 3000, 'the held slip');
    expect(receiptText(decodeEscPos(t.hardware.printer.jobs[0]!))).toContain('Points balance                           7');
    await t.done();
  });
});
