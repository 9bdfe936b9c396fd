/**
 * Malformed, oversized, unsigned, mis-signed, misplaced and replayed messages on the real
 * broker: each is dropped with a named log line and a counter, nothing moves, and both the
 * gateway and the kiosk keep working.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvelopeSigner, OpIdGenerator, generateKeyPair, kioskTopic, storeTopic } from '@loyalty/protocol';
import { loadKioskIdentity } from '@loyalty/device';
import type { Gateway } from '@loyalty/gateway';
import { ANNA, eventually, registerSale, seed, startGateway, startKiosk, tempDir, type CapturedLog, type TestKiosk } from '../support/system.js';

describe('bad input on every topic', () => {
  const gwDir = tempDir('gw-bad');
  const kioskDir = tempDir('kiosk-bad');
  let gateway: Gateway;
  let gatewayLog: CapturedLog;
  let k: TestKiosk;
  let attacker: MqttClient;
  const reqTopic = kioskTopic('kiosk-1', 'req');
  let seq = 1_000_000;
  const counter = { next: () => (seq += 1) };

  const rejected = (reason: string, channel: string) => gateway.metrics.count(gateway.metrics.rejectedMessages, { reason, channel });
  const droppedLogged = (reason: string) => gatewayLog.find((l) => l.msg === 'message dropped' && l.reason === reason).length;

  beforeAll(async () => {
    ({ gateway, log: gatewayLog } = await startGateway(gwDir.path));
    await seed(gateway);
    k = await startKiosk(gateway, kioskDir.path);
    await eventually(() => k.kiosk.link.connected);
    // The message layer must hold even where broker ACLs do not (a misconfigured external broker):
    // this attacker publishes with the broker's most powerful login. test/e2e/security.test.ts
    // covers what the embedded broker itself refuses.
    const { username, password } = gateway.mqttEndpoint;
    attacker = await connectAsync({ host: '127.0.0.1', port: gateway.mqttEndpoint.port, protocolVersion: 4, clientId: 'attacker', username, password });
  });

  afterAll(async () => {
    await attacker?.endAsync();
    await k?.kiosk.stop();
    await gateway?.stop();
    gwDir.remove();
    kioskDir.remove();
  });

  const earn = (receiptId: string) => ({
    kind: 'earn' as const,
    opId: new OpIdGenerator().next(),
    card: { number: ANNA.number },
    receipt: { id: receiptId, total: { amount: 100_000, currency: 'EUR' } },
  });

  async function balance(): Promise<number> {
    return (await gateway.ledger.identify({ number: ANNA.number })).balance;
  }

  it('drops garbage, oversized, unsigned, forged and misplaced requests with a named reason', async () => {
    const kioskKeys = loadKioskIdentity(kioskDir.path).keys;
    const realKiosk = new EnvelopeSigner({ senderId: 'kiosk-1', privateKey: kioskKeys.privateKey, sequence: counter });
    const forger = new EnvelopeSigner({ senderId: 'kiosk-1', privateKey: generateKeyPair().privateKey, sequence: counter });
    const stranger = new EnvelopeSigner({ senderId: 'kiosk-9', privateKey: generateKeyPair().privateKey, sequence: counter });

    await attacker.publishAsync(reqTopic, Buffer.from([0xff, 0x00, 0x13, 0x37]), { qos: 1 });
    await attacker.publishAsync(reqTopic, 'x'.repeat(20_000), { qos: 1 });
    await attacker.publishAsync(reqTopic, JSON.stringify(earn('U1')), { qos: 1 });
    await attacker.publishAsync(reqTopic, forger.sign(reqTopic, earn('F1')), { qos: 1 });
    await attacker.publishAsync(kioskTopic('kiosk-9', 'req'), stranger.sign(kioskTopic('kiosk-9', 'req'), earn('S1')), { qos: 1 });
    // kiosk-1's genuine key, but published as if it were kiosk-2
    const kiosk2Req = kioskTopic('kiosk-2', 'req');
    await attacker.publishAsync(kiosk2Req, realKiosk.sign(kiosk2Req, earn('W1')), { qos: 1 });
    // a genuine message moved to another of kiosk-1's topics
    await attacker.publishAsync(kioskTopic('kiosk-1', 'tele'), realKiosk.sign(reqTopic, earn('M1')), { qos: 1 });

    await eventually(async () => (await rejected('malformed', 'req')) >= 2, 5000, 'malformed counted');
    await eventually(async () => (await rejected('wrong_topic', 'tele')) === 1, 5000, 'moved message counted');
    expect(await rejected('too_large', 'req')).toBe(1);
    expect(await rejected('bad_signature', 'req')).toBe(1);
    expect(await rejected('unknown_sender', 'req')).toBe(1);
    expect(await rejected('wrong_topic', 'req')).toBe(1);
    for (const reason of ['malformed', 'too_large', 'bad_signature', 'unknown_sender', 'wrong_topic']) expect(droppedLogged(reason)).toBeGreaterThan(0);
    expect(await balance()).toBe(0);
  });

  it('drops malformed, oversized, unsigned and mis-signed messages on every inbound topic of both sides', async () => {
    const forgedKiosk = new EnvelopeSigner({ senderId: 'kiosk-1', privateKey: generateKeyPair().privateKey, sequence: counter });
    const forgedGateway = new EnvelopeSigner({ senderId: 'gateway', privateKey: generateKeyPair().privateKey, sequence: counter });
    const gatewayInbound = ['req', 'tele', 'state', 'ack'] as const;
    const kioskInbound = [kioskTopic('kiosk-1', 'res'), kioskTopic('kiosk-1', 'cmd'), kioskTopic('kiosk-1', 'config'), storeTopic('store-1', 'rules'), storeTopic('store-1', 'hotlist')];
    const badMessages = (topic: string, forger: EnvelopeSigner) => [
      Buffer.from('{{{ not a message'),
      Buffer.alloc(4_300_000, 0x61), // above every channel's limit
      Buffer.from(JSON.stringify({ state: 'online', version: 9 })), // unsigned
      Buffer.from(forger.sign(topic, { state: 'online', version: 9 })), // signed with a key nobody trusts
    ];
    const kioskBefore = new Map(k.kiosk.link.rejectedCounts);
    const accepted: string[] = [];
    for (const event of ['reply', 'command', 'config', 'rules', 'hotlist'] as const) k.kiosk.link.on(event, () => accepted.push(event));
    for (const channel of gatewayInbound) {
      const topic = kioskTopic('kiosk-1', channel);
      for (const message of badMessages(topic, forgedKiosk)) await attacker.publishAsync(topic, message, { qos: 1 });
    }
    for (const topic of kioskInbound) {
      for (const message of badMessages(topic, forgedGateway)) await attacker.publishAsync(topic, message, { qos: 1 });
    }
    for (const channel of gatewayInbound) {
      await eventually(
        async () => (await rejected('malformed', channel)) >= 2 && (await rejected('too_large', channel)) >= 1 && (await rejected('bad_signature', channel)) >= 1,
        5000,
        `gateway counted bad ${channel}`,
      );
    }
    const grew = (reason: string) => (k.kiosk.link.rejectedCounts.get(reason) ?? 0) - (kioskBefore.get(reason) ?? 0);
    await eventually(() => grew('malformed') >= 10 && grew('too_large') >= 5 && grew('bad_signature') >= 5, 5000, 'kiosk counted bad messages on every topic');
    // Nothing of it took effect: the kiosk's state is still what it said, nothing reached the agent.
    expect(accepted).toEqual([]);
    expect((await gateway.registry.list())[0]!.online).toBe(true);
    expect(await balance()).toBe(0);
  });

  it('refuses a captured request replayed on the wire', async () => {
    const captured: Buffer[] = [];
    const spy = await connectAsync({ host: '127.0.0.1', port: gateway.mqttEndpoint.port, protocolVersion: 4, username: gateway.mqttEndpoint.username, password: gateway.mqttEndpoint.password });
    await spy.subscribeAsync(reqTopic, { qos: 1 });
    spy.on('message', (_t, payload) => captured.push(Buffer.from(payload)));
    k.hardware.reader.present(ANNA.uid);
    await eventually(() => k.kiosk.agent.state === 'member');
    await registerSale(gateway, { id: 'R1', total: { amount: 1500, currency: 'EUR' } });
    k.hardware.scanner.scan('RCPT:R1:1500:EUR');
    await eventually(() => k.hardware.display.current.lines[0] === '+15 points');
    await eventually(() => captured.length >= 2, 3000, 'captured identify and earn');
    await spy.endAsync();
    const replays = [...captured];
    const before = await rejected('replayed', 'req');
    for (const message of replays) await attacker.publishAsync(reqTopic, message, { qos: 1 });
    await eventually(async () => (await rejected('replayed', 'req')) - before === replays.length, 5000, 'replays counted');
    expect(await balance()).toBe(15);
    k.hardware.reader.remove();
  });

  it('answers a signed request with a bad body as invalid_request, naming the field', async () => {
    const replies: unknown[] = [];
    k.kiosk.link.on('reply', (r) => replies.push(r));
    const bad = { ...earn('B1'), receipt: { id: 'B1', total: { amount: -5, currency: 'EUR' } } };
    // Signed by the kiosk itself (a kiosk with a bug, not an attacker).
    expect(await k.kiosk.link.send('req', bad)).toBe(true);
    await eventually(() => replies.length === 1, 5000, 'reply to the bad request');
    expect(replies[0]).toMatchObject({ opId: bad.opId, result: { status: 'error', code: 'invalid_request' } });
    expect(JSON.stringify(replies[0])).toContain('receipt.total.amount');
  });

  it('the kiosk drops forged and malformed messages from "the gateway" and keeps working', async () => {
    const forger = new EnvelopeSigner({ senderId: 'gateway', privateKey: generateKeyPair().privateKey, sequence: counter });
    const resTopic = kioskTopic('kiosk-1', 'res');
    const forgedReply = { opId: new OpIdGenerator().next(), kind: 'identify', serverTime: new Date().toISOString(), result: { status: 'ok', data: {} } };
    await attacker.publishAsync(resTopic, forger.sign(resTopic, forgedReply), { qos: 1 });
    await attacker.publishAsync(resTopic, 'not a jws', { qos: 1 });
    await attacker.publishAsync(storeTopic('store-1', 'hotlist'), Buffer.alloc(5_000_000, 0x41), { qos: 1 });
    await eventually(() => (k.kiosk.link.rejectedCounts.get('bad_signature') ?? 0) >= 1 && (k.kiosk.link.rejectedCounts.get('malformed') ?? 0) >= 1, 5000, 'kiosk rejections');
    await eventually(() => (k.kiosk.link.rejectedCounts.get('too_large') ?? 0) >= 1, 5000, 'oversized hotlist');
    expect(k.log.find((l) => l.msg === 'message dropped' && l.reason === 'bad_signature').length).toBeGreaterThan(0);

    // Both processes are still fine: a tap works end to end.
    k.hardware.reader.present(ANNA.uid);
    await eventually(() => k.hardware.display.current.lines[0] === 'Hello Anna K.', 5000, 'kiosk still answers');
  });
});
