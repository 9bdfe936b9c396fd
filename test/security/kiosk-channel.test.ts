/**
 * The security suite (docs/security.md), over the real embedded broker: every attack is refused, logged,
 * counted, and changes no balance.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnvelopeSigner, generateKeyPair, kioskTopic, OpIdGenerator, storeTopic } from '@loyalty/protocol';
import { pairKiosk, loadKioskIdentity, createEmulatedHardware, Kiosk, parseKioskConfig } from '@loyalty/device';
import type { Gateway } from '@loyalty/gateway';
import { ANNA, CapturedLog, eventually, registerSale, seed, startGateway, startKiosk, tempDir, type TestKiosk } from '../support/system.js';

describe('security over the real broker', () => {
  let dirs: Array<{ path: string; remove: () => void }>;
  let gateway: Gateway;
  let log: CapturedLog;
  let k: TestKiosk | null = null;
  let clients: MqttClient[] = [];

  beforeEach(async () => {
    dirs = [tempDir('gw-sec'), tempDir('kiosk-sec'), tempDir('kiosk-sec-2')];
    ({ gateway, log } = await startGateway(dirs[0]!.path));
    await seed(gateway);
  });
  afterEach(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => undefined);
    clients = [];
    await k?.kiosk.stop();
    k = null;
    await gateway.stop();
    for (const d of dirs) d.remove();
  });

  const port = () => gateway.mqttEndpoint.port;
  const denials = (reason: string) => gateway.metrics.count(gateway.metrics.brokerDenials, { reason });
  const connect = async (options: Record<string, unknown>) => {
    const client = await connectAsync({ host: '127.0.0.1', port: port(), protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 2000, ...options });
    clients.push(client);
    return client;
  };
  const refusal = (options: Record<string, unknown>) =>
    connect(options).then(
      () => 'connected',
      (e: Error & { code?: number }) => e.code,
    );
  const balance = async () => (await gateway.ledger.identify({ number: ANNA.number })).balance;

  it('refuses anonymous logins, wrong passwords, another kiosk’s client id and a forged will', async () => {
    const { brokerPassword } = await gateway.registry.register('kiosk-1', 'store-1', loadKioskIdentity(dirs[1]!.path).publicKey);
    // A kiosk's client id is `kiosk-{kiosk id}`.
    expect(await refusal({ clientId: 'kiosk-kiosk-1' })).toBe(5);
    expect(await refusal({ clientId: 'kiosk-kiosk-1', username: 'kiosk-1', password: 'guess' })).toBe(4);
    expect(await refusal({ clientId: 'kiosk-kiosk-1', username: 'gateway-internal', password: 'guess' })).toBe(4);
    expect(await refusal({ clientId: 'kiosk-kiosk-2', username: 'kiosk-1', password: brokerPassword })).toBe(5);
    const forgedWill = new EnvelopeSigner({ senderId: 'kiosk-1', privateKey: generateKeyPair().privateKey, sequence: { next: () => 1 } }).sign(kioskTopic('kiosk-1', 'state'), { state: 'offline' });
    expect(
      await refusal({
        clientId: 'kiosk-kiosk-1',
        username: 'kiosk-1',
        password: brokerPassword,
        will: { topic: kioskTopic('kiosk-1', 'state'), payload: Buffer.from(forgedWill), qos: 1, retain: true },
      }),
    ).toBe(5);
    expect(
      await refusal({ clientId: 'kiosk-kiosk-1', username: 'kiosk-1', password: brokerPassword, will: { topic: kioskTopic('kiosk-2', 'state'), payload: Buffer.from('x'), qos: 1, retain: true } }),
    ).toBe(5);
    expect(await refusal({ clientId: 'kiosk-kiosk-1', username: 'kiosk-1', password: brokerPassword })).toBe('connected');
    expect(await denials('bad_credentials')).toBe(2);
    expect(await denials('anonymous')).toBe(1);
    expect(await denials('bad_will')).toBe(2);
    expect(await denials('wrong_client_id')).toBe(1);
    expect(log.find((l) => l.msg === 'broker denied').length).toBeGreaterThanOrEqual(6);
    // No password ever reaches the log.
    expect(JSON.stringify(log.lines)).not.toContain(brokerPassword);
  });

  it('lets a kiosk neither publish on another kiosk’s topic nor subscribe to # or another kiosk', async () => {
    const a = await gateway.registry.register('kiosk-a', 'store-1', loadKioskIdentity(dirs[1]!.path).publicKey);
    const client = await connect({ clientId: 'kiosk-kiosk-a', username: 'kiosk-a', password: a.brokerPassword });
    const granted = await client
      .subscribeAsync(['#', kioskTopic('kiosk-b', 'res'), kioskTopic('kiosk-a', 'res'), storeTopic('store-9', 'hotlist'), storeTopic('store-1', 'hotlist')], { qos: 1 })
      .catch((e: Error) => e);
    // mqtt.js rejects the whole call when any filter is refused (docs/hardware-lab.md); the SUBACKs said 128.
    expect(granted).toBeInstanceOf(Error);
    expect(await denials('subscribe')).toBe(3);
    const requestsBefore = await gateway.metrics.count(gateway.metrics.requests, {});
    const signer = new EnvelopeSigner({ senderId: 'kiosk-a', privateKey: loadKioskIdentity(dirs[1]!.path).keys.privateKey, sequence: { next: () => 5 } });
    const topic = kioskTopic('kiosk-b', 'req');
    client.publish(topic, signer.sign(topic, { kind: 'identify', opId: new OpIdGenerator().next(), card: { number: ANNA.number } }), { qos: 1 });
    await eventually(async () => (await denials('publish')) === 1, 3000, 'publish denied');
    await eventually(() => !client.connected, 3000, 'the broker closed the offender');
    expect(await gateway.metrics.count(gateway.metrics.requests, {})).toBe(requestsBefore);
  });

  it('keeps retained messages to the protocol’s retained topics and sizes, and cuts oversized packets after login', async () => {
    const a = await gateway.registry.register('kiosk-a', 'store-1', loadKioskIdentity(dirs[1]!.path).publicKey);
    const signer = new EnvelopeSigner({ senderId: 'kiosk-a', privateKey: loadKioskIdentity(dirs[1]!.path).keys.privateKey, sequence: { next: () => 7 } });
    // A retained request would be redelivered to every gateway that subscribes: refused.
    const retainer = await connect({ clientId: 'kiosk-kiosk-a', username: 'kiosk-a', password: a.brokerPassword });
    const req = kioskTopic('kiosk-a', 'req');
    retainer.publish(req, signer.sign(req, { kind: 'identify', opId: new OpIdGenerator().next(), card: { number: ANNA.number } }), { qos: 1, retain: true });
    await eventually(() => !retainer.connected, 3000, 'the retaining kiosk cut off');
    expect(log.find((l) => l.msg === 'broker denied' && String(l.why).includes('not a retained topic'))).toHaveLength(1);
    // A 10 MB "state" (a retained topic of at most 4 KiB) is cut while it is read: nobody gets it back.
    const flooder = await connect({ clientId: 'kiosk-kiosk-a', username: 'kiosk-a', password: a.brokerPassword });
    flooder.publish(kioskTopic('kiosk-a', 'state'), Buffer.alloc(10 * 1024 * 1024, 0x41), { qos: 0, retain: true });
    await eventually(() => !flooder.connected, 5000, 'the flooding kiosk cut off');
    expect(await denials('packet_too_large')).toBe(1);
    // A message within the packet limit but over its channel's size is refused too.
    const bigger = await connect({ clientId: 'kiosk-kiosk-a', username: 'kiosk-a', password: a.brokerPassword });
    bigger.publish(kioskTopic('kiosk-a', 'state'), Buffer.alloc(8 * 1024, 0x41), { qos: 0, retain: true });
    await eventually(() => !bigger.connected, 3000, 'the oversized state refused');
    const watcher = await connect({ clientId: 'watcher', username: gateway.mqttEndpoint.username, password: gateway.mqttEndpoint.password });
    const retained: Buffer[] = [];
    watcher.on('message', (_t, payload) => retained.push(payload));
    await watcher.subscribeAsync(kioskTopic('kiosk-a', 'state'), { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(retained.filter((p) => p.length > 4096)).toEqual([]);
  });

  it('revokes a kiosk at once: disconnected, refused on reconnect, shown out of service', async () => {
    k = await startKiosk(gateway, dirs[1]!.path);
    await eventually(() => k!.kiosk.link.connected);
    const admin = (await gateway.tokens.create('admin', 'sec')).token;
    const response = await fetch(`${gateway.httpUrl}/api/v1/kiosks/kiosk-1/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'stolen from store 1' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: 'kiosk-1', status: 'revoked', revokedReason: 'stolen from store 1' });
    await eventually(() => k!.hardware.display.current.lines[0] === 'Out of service', 5000, 'out of service');
    expect(k.kiosk.link.connected).toBe(false);
    expect(await denials('revoked')).toBeGreaterThanOrEqual(1);
    k.hardware.reader.present(ANNA.uid);
    await k.kiosk.agent.settled();
    expect(k.hardware.display.current.lines[0]).toBe('Out of service');
  });

  it('refuses a captured earn replayed after a gateway restart, and a restarted kiosk never reuses a sequence number', async () => {
    k = await startKiosk(gateway, dirs[1]!.path);
    await eventually(() => k!.kiosk.link.connected);
    const spy = await connect({ clientId: 'spy', username: gateway.mqttEndpoint.username, password: gateway.mqttEndpoint.password });
    const captured: Buffer[] = [];
    await spy.subscribeAsync(kioskTopic('kiosk-1', 'req'), { qos: 1 });
    spy.on('message', (_t, p) => captured.push(Buffer.from(p)));
    k.hardware.reader.present(ANNA.uid);
    await eventually(() => k!.kiosk.agent.state === 'member');
    await registerSale(gateway, { id: 'SEC1', total: { amount: 5000, currency: 'EUR' } });
    k.hardware.scanner.scan('RCPT:SEC1:5000:EUR');
    await eventually(() => k!.hardware.display.current.lines[0] === '+50 points');
    await spy.endAsync();
    clients = [];
    const replay = captured.at(-1)!;

    // The kiosk "crashes" (no clean stop of its sequence), the gateway restarts.
    await k.kiosk.stop();
    const dataDir = dirs[0]!.path;
    const mqttPort = port();
    await gateway.stop();
    ({ gateway, log } = await startGateway(dataDir, { mqtt: { port: mqttPort } }));
    const attacker = await connect({ clientId: 'attacker', username: gateway.mqttEndpoint.username, password: gateway.mqttEndpoint.password });
    await attacker.publishAsync(kioskTopic('kiosk-1', 'req'), replay, { qos: 1 });
    await eventually(async () => (await gateway.metrics.count(gateway.metrics.rejectedMessages, { reason: 'replayed', channel: 'req' })) === 1, 5000, 'replay refused');
    expect(await balance()).toBe(50);

    // The kiosk comes back on the same state directory: its next numbers are new, so the gateway
    // accepts them (a reused number would be refused as a replay).
    k = await startKiosk(gateway, dirs[1]!.path);
    await eventually(() => k!.kiosk.link.connected);
    k.hardware.reader.present(BORIS_UID);
    await eventually(() => k!.hardware.display.current.lines[0]?.startsWith('Hello'), 5000, 'answered after restart');
    expect(await gateway.metrics.count(gateway.metrics.rejectedMessages, { reason: 'replayed', channel: 'req' })).toBe(1);
  });

  it('pairs a kiosk with a one-time code and proof of its key, once, and rate-limits guessing', async () => {
    const admin = (await gateway.tokens.create('admin', 'sec')).token;
    const create = await fetch(`${gateway.httpUrl}/api/v1/enrollments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ storeId: 'store-1' }),
    });
    expect(create.status).toBe(201);
    const { code, expiresAt } = (await create.json()) as { code: string; expiresAt: string };
    expect(code).toMatch(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    expect((await fetch(`${gateway.httpUrl}/api/v1/enrollments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"storeId":"store-1"}' })).status).toBe(401);

    const stateDir = dirs[2]!.path;
    const enrollment = await pairKiosk({ gatewayUrl: gateway.httpUrl, code: code.toLowerCase(), stateDir, kioskId: 'kiosk-paired' });
    expect(enrollment).toMatchObject({ kioskId: 'kiosk-paired', storeId: 'store-1', gateway: { publicKeys: [gateway.publicKey] }, broker: { port: port(), username: 'kiosk-paired' } });
    await expect(pairKiosk({ gatewayUrl: gateway.httpUrl, code, stateDir: dirs[1]!.path })).rejects.toThrow(/wrong, used or expired/);

    // The paired kiosk starts from what pairing stored, and works.
    const { withEnrollment } = await import('@loyalty/device');
    const config = withEnrollment({ stateDir, requestTimeoutMs: 1500 }, 'test');
    const hardware = createEmulatedHardware();
    const paired = new Kiosk(config, hardware, new CapturedLog('kiosk').logger);
    await paired.start();
    try {
      await eventually(() => paired.link.connected, 5000, 'paired kiosk connected');
      hardware.reader.present(ANNA.uid);
      await eventually(() => hardware.display.current.lines[0] === 'Hello Anna K.', 5000);
    } finally {
      await paired.stop();
    }

    // Guessing: 10 failures from one address (the reused code above was the first), then 429
    // even for a right code.
    const second = (await (
      await fetch(`${gateway.httpUrl}/api/v1/enrollments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ storeId: 'store-1' }),
      })
    ).json()) as { code: string };
    for (let i = 0; i < 9; i += 1) await expect(pairKiosk({ gatewayUrl: gateway.httpUrl, code: `AAAAA-AAAA${i}`, stateDir: dirs[1]!.path })).rejects.toThrow(/HTTP 400/);
    await expect(pairKiosk({ gatewayUrl: gateway.httpUrl, code: second.code, stateDir: dirs[1]!.path })).rejects.toThrow(/HTTP 429/);
  });

  it('shows "not paired" with what to do when a kiosk has no pairing', async () => {
    const { withEnrollment, KioskNotPairedError } = await import('@loyalty/device');
    expect(() => withEnrollment({ stateDir: dirs[2]!.path }, 'test')).toThrow(KioskNotPairedError);
    expect(() => withEnrollment({ stateDir: dirs[2]!.path }, 'test')).toThrow(/--pair CODE --gateway/);
    expect(parseKioskConfig).toBeDefined();
  });
});

const BORIS_UID = '04112233445566';

describe('kiosk key rotation', () => {
  it('announces a new key signed by the old one, works on with it, and the old key stops after the overlap', async () => {
    const dirs = [tempDir('gw-rot'), tempDir('kiosk-rot')];
    let now = Date.now();
    const { gateway } = await startGateway(dirs[0]!.path, {}, { now: () => new Date(now) });
    await seed(gateway);
    const k = await startKiosk(gateway, dirs[1]!.path);
    try {
      await eventually(() => k.kiosk.link.connected);
      const oldKey = loadKioskIdentity(dirs[1]!.path).keys;
      const before = k.kiosk.fingerprint;
      const after = await k.kiosk.rotateKey();
      expect(after).not.toBe(before);
      expect(k.kiosk.fingerprint).toBe(after);
      expect(loadKioskIdentity(dirs[1]!.path).fingerprint).toBe(after);
      expect(gateway.registry.keysOf('kiosk-1')).toHaveLength(2); // overlap
      await eventually(() => k.kiosk.link.connected, 5000, 'reconnected with a will signed by the new key');
      k.hardware.reader.present(ANNA.uid);
      await eventually(() => k.hardware.display.current.lines[0] === 'Hello Anna K.', 5000, 'works with the new key');

      now += 11 * 60_000;
      expect(gateway.registry.keysOf('kiosk-1')).toHaveLength(1);
      const stale = new EnvelopeSigner({ senderId: 'kiosk-1', privateKey: oldKey.privateKey, sequence: { next: () => 9_000_000 } });
      const attacker = await connectAsync({
        host: '127.0.0.1',
        port: gateway.mqttEndpoint.port,
        protocolVersion: 4,
        username: gateway.mqttEndpoint.username,
        password: gateway.mqttEndpoint.password,
        clientId: 'old-key',
      });
      const topic = kioskTopic('kiosk-1', 'req');
      await attacker.publishAsync(topic, stale.sign(topic, { kind: 'identify', opId: new OpIdGenerator().next(), card: { uid: ANNA.uid } }), { qos: 1 });
      await eventually(async () => (await gateway.metrics.count(gateway.metrics.rejectedMessages, { reason: 'bad_signature', channel: 'req' })) === 1, 5000, 'old key refused');
      await attacker.endAsync();
    } finally {
      await k.kiosk.stop();
      await gateway.stop();
      for (const d of dirs) d.remove();
    }
  });
});

describe('gateway key rotation with overlap', () => {
  it('announces the next key, signs with it, retires the old one; the kiosk follows and then refuses the old key', async () => {
    const { rotateGatewayKey, promoteGatewayKey, retireGatewayKey } = await import('@loyalty/gateway');
    const { importPrivateKeyPem, exportPublicKey } = await import('@loyalty/protocol');
    const { readFileSync } = await import('node:fs');
    const dirs = [tempDir('gw-keys'), tempDir('kiosk-keys')];
    const dataDir = dirs[0]!.path;
    let { gateway } = await startGateway(dataDir);
    const mqttPort = gateway.mqttEndpoint.port;
    const restart = async () => {
      await gateway.stop();
      ({ gateway } = await startGateway(dataDir, { mqtt: { port: mqttPort } }));
    };
    await seed(gateway);
    const k = await startKiosk(gateway, dirs[1]!.path);
    const trusted = () => k.kiosk.trustedGatewayKeys.keysFor('gateway').map((key) => exportPublicKey(key));
    try {
      const keyA = gateway.publicKey;
      await eventually(() => k.kiosk.link.connected);

      rotateGatewayKey(dataDir, 'gateway');
      await restart();
      await eventually(() => trusted().length === 2, 5000, 'kiosk trusts the announced next key');
      expect(trusted()[0]).toBe(keyA);
      const privateA = importPrivateKeyPem(readFileSync(`${dataDir}/gateway.key`, 'utf8')).privateKey;

      promoteGatewayKey(dataDir, 'gateway');
      await restart();
      const keyB = gateway.publicKey;
      expect(keyB).not.toBe(keyA);
      await eventually(() => k.kiosk.link.connected, 5000);
      k.hardware.reader.present(ANNA.uid);
      await eventually(() => k.hardware.display.current.lines[0] === 'Hello Anna K.', 5000, 'replies signed by the new key are trusted');
      k.hardware.reader.remove();

      retireGatewayKey(dataDir, 'gateway');
      await restart();
      await eventually(() => trusted().length === 1 && trusted()[0] === keyB, 5000, 'old key dropped');

      // A reply signed with the retired key is refused by the kiosk.
      const oldSigner = new EnvelopeSigner({ senderId: 'gateway', privateKey: privateA, sequence: { next: () => 50_000_000 } });
      const injector = await connectAsync({
        host: '127.0.0.1',
        port: mqttPort,
        protocolVersion: 4,
        username: gateway.mqttEndpoint.username,
        password: gateway.mqttEndpoint.password,
        clientId: 'injector',
      });
      const resTopic = kioskTopic('kiosk-1', 'res');
      const before = k.kiosk.link.rejectedCounts.get('bad_signature') ?? 0;
      await injector.publishAsync(
        resTopic,
        oldSigner.sign(resTopic, { opId: new OpIdGenerator().next(), kind: 'identify', serverTime: new Date().toISOString(), result: { status: 'ok', data: {} } }),
        { qos: 1 },
      );
      await eventually(() => (k.kiosk.link.rejectedCounts.get('bad_signature') ?? 0) === before + 1, 5000, 'retired key refused');
      await injector.endAsync();
    } finally {
      await k.kiosk.stop();
      await gateway.stop();
      for (const d of dirs) d.remove();
    }
  });
});
