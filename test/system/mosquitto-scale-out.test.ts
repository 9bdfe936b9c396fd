/**
 * The scale-out path (docs/deployment-at-scale.md): two gateway replicas on an external
 * Mosquitto, locked down with its dynamic-security plugin (the replicas manage the kiosks'
 * accounts), share the kiosks' requests through `$share/gateway/...` and write one ledger.
 * Every earn lands once; a kiosk revoked through one replica is cut off by the broker and
 * refused by the other replica too.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectAsync } from 'mqtt';
import { OpIdGenerator, storeTopic, type InvalidRequestReply, type Reply } from '@loyalty/protocol';
import type { Gateway } from '@loyalty/gateway';
import { startMosquitto } from '../support/mosquitto.js';
import { describeWithSystem } from '../support/system-deps.js';
import { ANNA, eventually, registerSale, seed, startGateway, startKiosk, tempDir, type TestKiosk } from '../support/system.js';

describeWithSystem('two gateway replicas behind mosquitto', ['mosquitto'], () => {
  const dirs = [tempDir('mq'), tempDir('gw-a'), tempDir('gw-b'), tempDir('kiosk-mq')];
  const [mqDir, aDir, bDir, kioskDir] = dirs as [ReturnType<typeof tempDir>, ReturnType<typeof tempDir>, ReturnType<typeof tempDir>, ReturnType<typeof tempDir>];
  let broker: Awaited<ReturnType<typeof startMosquitto>>;
  let a: Gateway;
  let b: Gateway;
  let k: TestKiosk;

  beforeAll(async () => {
    const admin = { username: 'gateway-admin', password: randomBytes(18).toString('base64url') };
    broker = await startMosquitto(mqDir.path, { dynamicSecurity: admin });
    const ledgerUrl = `file:${aDir.path}/shared-ledger.db`;
    const external = (instanceId: string) => ({ instanceId, ledgerUrl, registryRefreshMs: 200, mqtt: { mode: 'external', host: '127.0.0.1', port: broker.port, ...admin, dynamicSecurity: true } });
    ({ gateway: a } = await startGateway(aDir.path, external('gateway-a')));
    await seed(a);
    // The kiosk is enrolled before replica b starts, so both know its key.
    const { loadKioskIdentity } = await import('@loyalty/device');
    const { brokerPassword } = await a.registry.register('kiosk-1', 'store-1', loadKioskIdentity(kioskDir.path).publicKey);
    // As if the kiosk had been enrolled by a gateway from before the staff list: its role lacks
    // that subscription, which replica b grants again when it starts.
    const control = await connectAsync(`mqtt://127.0.0.1:${broker.port}`, admin);
    await control.publishAsync(
      '$CONTROL/dynamic-security/v1',
      JSON.stringify({ commands: [{ command: 'removeRoleACL', rolename: 'kiosk-kiosk-1', acltype: 'subscribeLiteral', topic: storeTopic('store-1', 'staff') }] }),
    );
    await control.endAsync();
    ({ gateway: b } = await startGateway(bDir.path, external('gateway-b')));
    k = await startKiosk(a, kioskDir.path, {
      mqttPort: broker.port,
      register: false,
      brokerPassword,
      config: { gateway: { senderIds: ['gateway-a', 'gateway-b'], publicKeys: [a.publicKey, b.publicKey] } },
    });
    await eventually(() => k.kiosk.link.connected, 5000, 'kiosk connected to mosquitto');
  });

  afterAll(async () => {
    await k?.kiosk.stop();
    await b?.stop();
    await a?.stop();
    await broker?.stop();
    for (const dir of dirs) dir.remove();
  });

  it('splits requests between the replicas and lands every earn exactly once', async () => {
    const ids = new OpIdGenerator();
    const replies: Array<Reply | InvalidRequestReply> = [];
    k.kiosk.link.on('reply', (r) => replies.push(r));
    const requests = Array.from({ length: 40 }, (_, i) => ({
      kind: 'earn' as const,
      opId: ids.next(),
      card: { number: ANNA.number },
      receipt: { id: `MQ${i}`, total: { amount: 100, currency: 'EUR' } },
    }));
    for (const request of requests) await registerSale(a, request.receipt);
    for (const request of requests) {
      // each one twice, as a resend after a lost reply would
      await k.kiosk.link.send('req', request);
      await k.kiosk.link.send('req', request);
    }
    await eventually(() => replies.length === 80, 10_000, 'all replies');
    expect(replies.every((r) => r.result.status === 'ok')).toBe(true);
    const handledBy = async (g: Gateway) => g.metrics.count(g.metrics.requests, { kind: 'earn', code: 'ok' });
    const [byA, byB] = [await handledBy(a), await handledBy(b)];
    expect(byA + byB).toBe(80);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    expect((await a.ledger.identify({ number: ANNA.number })).balance).toBe(40);
    const total = Number((await a.db.execute('SELECT sum(balance) AS s FROM accounts')).rows[0]!.s);
    expect(total).toBe(0);
  });

  it('delivers the signed staff list through mosquitto, also to a kiosk enrolled before the list existed', async () => {
    await a.staff.create({ name: 'Olga Petrova', role: 'cashier', cardUid: '04AA0000000C01', storeId: 'store-1', actor: 'test' });
    await eventually(() => k.kiosk.staff.byCard('04AA0000000C01')?.name === 'Olga P.', 5000, 'staff list on the kiosk');
  });

  it('a kiosk revoked through one replica is cut off by the broker and refused by the other within the refresh period', async () => {
    const started = Date.now();
    await a.revokeKiosk('kiosk-1', 'stolen');
    await eventually(() => !k.kiosk.link.connected, 1000, 'the broker cut the revoked kiosk off');
    expect(Date.now() - started).toBeLessThan(1000);
    await eventually(() => b.registry.keysOf('kiosk-1').length === 0, 3000, 'replica b sees the revocation');
    // It stays out: its reconnects are refused (the link reports the broker's refusal).
    await eventually(() => k.log.find((l) => String(l.msg).includes('the broker refused this kiosk')).length > 0, 5000, 'reconnect refused');
    expect(k.kiosk.link.connected).toBe(false);
  });
});
