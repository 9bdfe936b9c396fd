/**
 * The scale-out broker refuses what the embedded one refuses (docs/deployment-at-scale.md
 * "Mosquitto"): a real Mosquitto with the dynamic-security plugin, whose accounts and ACLs the
 * gateway manages — pairing creates a kiosk's account, revocation deletes it. Attacked like the
 * embedded broker (test/security/kiosk-channel.test.ts): anonymous and wrong logins, another
 * kiosk's client id, `#`, other kiosks' topics, retained topics, and a revoked kiosk, which must
 * be refused within a second.
 */
import { randomBytes } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EnvelopeSigner, kioskTopic, OpIdGenerator, storeTopic } from '@loyalty/protocol';
import { loadKioskIdentity } from '@loyalty/device';
import type { Gateway } from '@loyalty/gateway';
import { startMosquitto } from '../support/mosquitto.js';
import { describeWithSystem } from '../support/system-deps.js';
import { ANNA, eventually, seed, startGateway, startKiosk, tempDir, type TestKiosk } from '../support/system.js';

describeWithSystem('the external Mosquitto, locked down by the gateway', ['mosquitto', 'mosquitto_ctrl'], () => {
  const dirs = [tempDir('mq-acl'), tempDir('gw-acl'), tempDir('kiosk-acl'), tempDir('kiosk-acl-2')];
  const [mqDir, gwDir, kioskDir, attackerDir] = dirs as [ReturnType<typeof tempDir>, ReturnType<typeof tempDir>, ReturnType<typeof tempDir>, ReturnType<typeof tempDir>];
  const admin = { username: 'gateway-admin', password: randomBytes(18).toString('base64url') };
  let broker: Awaited<ReturnType<typeof startMosquitto>>;
  let gateway: Gateway;
  let k: TestKiosk;
  let attackerPassword = '';
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    broker = await startMosquitto(mqDir.path, { dynamicSecurity: admin });
    ({ gateway } = await startGateway(gwDir.path, { mqtt: { mode: 'external', host: '127.0.0.1', port: broker.port, ...admin, dynamicSecurity: true } }));
    await seed(gateway);
    // Registering a kiosk creates its broker account: the kiosk connects with what pairing issued.
    const { brokerPassword } = await gateway.registry.register('kiosk-1', 'store-1', loadKioskIdentity(kioskDir.path).publicKey);
    k = await startKiosk(gateway, kioskDir.path, { register: false, mqttPort: broker.port, brokerPassword, config: { gateway: { senderIds: [gateway.senderId], publicKeys: [gateway.publicKey] } } });
    await eventually(() => k.kiosk.link.connected, 5000, 'kiosk connected to mosquitto');
    await gateway.directory.ensureStore({ id: 'store-2', name: 'Another store' });
    attackerPassword = (await gateway.registry.register('kiosk-2', 'store-2', loadKioskIdentity(attackerDir.path).publicKey)).brokerPassword;
  });
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => undefined);
    await k?.kiosk.stop();
    await gateway?.stop();
    await broker?.stop();
    for (const dir of dirs) dir.remove();
  });

  const connect = async (options: Record<string, unknown>) => {
    const client = await connectAsync({ host: '127.0.0.1', port: broker.port, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 2000, ...options });
    clients.push(client);
    return client;
  };
  const refusal = (options: Record<string, unknown>) =>
    connect(options).then(
      () => 'connected',
      (e: Error & { code?: number }) => e.code,
    );
  const requests = () => gateway.metrics.count(gateway.metrics.requests, {});

  it('serves a paired kiosk through its account', async () => {
    k.hardware.reader.present(ANNA.uid);
    await eventually(() => k.hardware.display.current.lines[0] === 'Hello Anna K.', 5000, 'member shown');
  });

  it('refuses anonymous logins, wrong passwords and another kiosk’s client id', async () => {
    expect(await refusal({ clientId: 'kiosk-kiosk-2' })).toBe(5);
    expect(await refusal({ clientId: 'kiosk-kiosk-2', username: 'kiosk-2', password: 'guess' })).toBe(5);
    expect(await refusal({ clientId: 'kiosk-kiosk-9', username: 'kiosk-2', password: attackerPassword })).toBe(5);
  });

  it('lets a kiosk neither subscribe to # or another kiosk nor publish on another kiosk’s or the store’s retained topics', async () => {
    const attacker = await connect({ clientId: 'kiosk-kiosk-2', username: 'kiosk-2', password: attackerPassword });
    for (const filter of ['#', 'loyalty/v1/#', kioskTopic('kiosk-1', 'res'), storeTopic('store-1', 'hotlist'), '$CONTROL/dynamic-security/v1/response']) {
      const granted = await attacker.subscribeAsync(filter, { qos: 1 }).then(
        (g) => g.map((x) => x.qos),
        () => [128],
      );
      expect(granted, filter).toEqual([128]);
    }
    // Its own topics are allowed.
    expect((await attacker.subscribeAsync(kioskTopic('kiosk-2', 'res'), { qos: 1 })).map((g) => g.qos)).toEqual([1]);

    // A signed request on kiosk-1's topic, and retained "rules" for kiosk-1's store: dropped by the broker.
    const before = await requests();
    const signer = new EnvelopeSigner({ senderId: 'kiosk-2', privateKey: loadKioskIdentity(attackerDir.path).keys.privateKey, sequence: { next: () => 3 } });
    const req = kioskTopic('kiosk-1', 'req');
    await attacker.publishAsync(req, signer.sign(req, { kind: 'identify', opId: new OpIdGenerator().next(), card: { number: ANNA.number } }), { qos: 1 });
    await attacker.publishAsync(storeTopic('store-1', 'rules'), 'forged rules', { qos: 1, retain: true });
    await attacker.publishAsync('$CONTROL/dynamic-security/v1', JSON.stringify({ commands: [{ command: 'deleteClient', username: 'kiosk-1' }] }), { qos: 1 });
    const watcher = await connect({ clientId: 'watcher', ...admin });
    const retained: string[] = [];
    watcher.on('message', (_t, payload) => retained.push(payload.toString()));
    await watcher.subscribeAsync(storeTopic('store-1', 'rules'), { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(retained).not.toContain('forged rules');
    expect(await requests()).toBe(before);
    // kiosk-1's account survived the attempt to delete it.
    expect(k.kiosk.link.connected).toBe(true);
  });

  it('cuts a revoked kiosk off within a second and refuses it after', async () => {
    const attacker = await connect({ clientId: 'kiosk-kiosk-2', username: 'kiosk-2', password: attackerPassword });
    const started = Date.now();
    await gateway.revokeKiosk('kiosk-2', 'stolen');
    await eventually(() => !attacker.connected, 1000, 'revoked kiosk disconnected');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await refusal({ clientId: 'kiosk-kiosk-2', username: 'kiosk-2', password: attackerPassword })).toBe(5);
    // The other kiosk is untouched.
    expect(k.kiosk.link.connected).toBe(true);
  });
});
