/**
 * Fleet commands over the real broker (docs/fleet.md "Commands"): sent at once to an online
 * kiosk and acknowledged through every state; kept while the kiosk is offline and delivered when
 * it is back, also across a gateway restart; expired when the kiosk does not come back in time;
 * run once across a kiosk restart even when the final acknowledgement was lost; refused when
 * forged; rejected when the kiosk does not know them; fanned out to a store's kiosks.
 */
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvelopeSigner, generateKeyPair, kioskTopic } from '@loyalty/protocol';
import { decodeEscPos, receiptText } from '@loyalty/device';
import type { Gateway } from '@loyalty/gateway';
import { callApi, eventually, seed, startGateway, startKiosk, tempDir, type TestKiosk } from '../support/system.js';

describe('fleet commands', () => {
  const gwDir = tempDir('gw-cmd');
  const kioskDir = tempDir('kiosk-cmd');
  const offset = { ms: 0 };
  const clock = { now: () => new Date(Date.now() + offset.ms) };
  let gateway: Gateway;
  let k: TestKiosk | null = null;
  let admin = '';
  let mqttPort = 0;

  beforeAll(async () => {
    ({ gateway } = await startGateway(gwDir.path, {}, clock));
    mqttPort = gateway.mqttEndpoint.port;
    await seed(gateway);
    admin = (await gateway.tokens.create('admin', 'fleet')).token;
    k = await startKiosk(gateway, kioskDir.path);
    await eventually(() => k!.kiosk.link.connected, 5000, 'kiosk online');
    await eventually(async () => (await gateway.registry.list()).find((x) => x.id === 'kiosk-1')?.online, 5000, 'gateway saw it online');
  });
  afterAll(async () => {
    await k?.kiosk.stop();
    await gateway.stop();
    gwDir.remove();
    kioskDir.remove();
  });

  const call = (method: string, path: string, body?: unknown) => callApi(gateway.httpUrl, admin, method, path, body);
  const state = async (commandId: string) => (await call('GET', `/kiosks/kiosk-1/commands/${commandId}`)).body;
  const slips = () => k!.hardware.printer.jobs.map((job) => receiptText(decodeEscPos(job)).join('\n'));
  const restartKiosk = async () => {
    await k!.kiosk.stop();
    k = await startKiosk(gateway, kioskDir.path);
  };

  it('runs a command on an online kiosk and reports every state', async () => {
    const sent = await call('POST', '/kiosks/kiosk-1/commands', { type: 'print_test_page', ttlSeconds: 60 });
    expect(sent).toMatchObject({ status: 202, body: { state: 'queued', type: 'print_test_page', kioskId: 'kiosk-1' } });
    await eventually(async () => (await state(sent.body.commandId)).state === 'succeeded', 5000, 'succeeded');
    expect(slips().filter((s) => s.includes('TEST PAGE'))).toHaveLength(1);
    expect((await state(sent.body.commandId)).result).toMatchObject({ printer: { state: 'ok' } });
    const diagnostics = await call('POST', '/kiosks/kiosk-1/commands', { type: 'collect_diagnostics' });
    await eventually(async () => (await state(diagnostics.body.commandId)).state === 'succeeded', 5000, 'diagnostics');
    expect((await state(diagnostics.body.commandId)).result).toMatchObject({ health: { printer: { state: 'ok' } }, versions: { agent: expect.any(String) }, outboxDepth: 0 });
    const list = await call('GET', '/kiosks/kiosk-1/commands');
    expect(list.body.items.map((c: { type: string }) => c.type)).toEqual(['collect_diagnostics', 'print_test_page']);
  });

  it('refuses unknown types, bad arguments and unknown kiosks, and fails what cannot be done', async () => {
    expect((await call('POST', '/kiosks/kiosk-1/commands', { type: 'make_coffee' })).status).toBe(400);
    expect((await call('POST', '/kiosks/kiosk-1/commands', { type: 'set_log_level', args: { level: 'loud' } })).body.error).toBe('invalid_request');
    expect((await call('POST', '/kiosks/nobody/commands', { type: 'print_test_page' })).body.error).toBe('kiosk_not_found');
    expect((await call('GET', '/kiosks/kiosk-1/commands/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('keeps a command while the kiosk is offline, across a gateway restart, and delivers it when the kiosk is back', async () => {
    await k!.kiosk.stop();
    await eventually(async () => !(await gateway.registry.list()).find((x) => x.id === 'kiosk-1')?.online, 5000, 'offline');
    const sent = await call('POST', '/kiosks/kiosk-1/commands', { type: 'set_log_level', args: { level: 'debug' }, ttlSeconds: 300 });
    expect((await state(sent.body.commandId)).state).toBe('queued');
    await gateway.stop();
    ({ gateway } = await startGateway(gwDir.path, { mqtt: { port: mqttPort } }, clock));
    admin = (await gateway.tokens.create('admin', 'fleet again')).token;
    expect((await state(sent.body.commandId)).state).toBe('queued');
    k = await startKiosk(gateway, kioskDir.path);
    await eventually(async () => (await state(sent.body.commandId)).state === 'succeeded', 8000, 'delivered after the restarts');
    expect((await state(sent.body.commandId)).result).toEqual({ level: 'debug' });
  });

  it('expires a command the kiosk does not come back for in time, and the kiosk never runs it', async () => {
    await k!.kiosk.stop();
    await eventually(async () => !(await gateway.registry.list()).find((x) => x.id === 'kiosk-1')?.online, 5000, 'offline');
    const sent = await call('POST', '/kiosks/kiosk-1/commands', { type: 'print_test_page', ttlSeconds: 30 });
    offset.ms = 31_000;
    try {
      expect(await state(sent.body.commandId)).toMatchObject({ state: 'expired', error: expect.stringContaining('not reached') });
    } finally {
      offset.ms = 0;
    }
    k = await startKiosk(gateway, kioskDir.path);
    await eventually(() => k!.kiosk.link.connected, 5000, 'back online');
    await new Promise((r) => setTimeout(r, 300));
    await k!.kiosk.commands.settled();
    expect(k!.hardware.printer.jobs.length).toBe(0); // a new kiosk process: nothing printed
    expect((await state(sent.body.commandId)).state).toBe('expired');
  });

  it('runs a command once across a kiosk restart, answering a repeat from its record', async () => {
    const sent = await call('POST', '/kiosks/kiosk-1/commands', { type: 'print_test_page', ttlSeconds: 300 });
    await eventually(async () => (await state(sent.body.commandId)).state === 'succeeded', 5000, 'succeeded');
    expect(slips().filter((s) => s.includes('TEST PAGE'))).toHaveLength(1);
    // The final acknowledgement "was lost": the gateway still thinks it was only delivered.
    await gateway.db.execute({ sql: "UPDATE kiosk_commands SET state = 'delivered' WHERE id = ?", args: [sent.body.commandId] });
    await restartKiosk();
    await eventually(async () => (await state(sent.body.commandId)).state === 'succeeded', 5000, 'answered from the record');
    await k!.kiosk.commands.settled();
    expect(k!.hardware.printer.jobs).toHaveLength(0); // the restarted kiosk printed nothing again
  });

  it('rejects a command type the kiosk does not know', async () => {
    const id = crypto.randomUUID();
    const at = new Date().toISOString();
    await gateway.db.execute({
      sql: "INSERT INTO kiosk_commands (id, kiosk_id, type, args, state, created_by, created_at, expires_at, updated_at) VALUES (?, 'kiosk-1', 'make_coffee', '{}', 'queued', 'test', ?, ?, ?)",
      args: [id, at, new Date(Date.now() + 60_000).toISOString(), at],
    });
    await restartKiosk();
    await eventually(async () => (await state(id)).state === 'rejected', 5000, 'rejected');
    expect((await state(id)).error).toContain('does not know the command make_coffee');
  });

  it('drops a forged command unrun', async () => {
    const attacker = await connectAsync({
      host: '127.0.0.1',
      port: gateway.mqttEndpoint.port,
      protocolVersion: 4,
      clientId: 'forger',
      username: gateway.mqttEndpoint.username,
      password: gateway.mqttEndpoint.password,
    });
    try {
      const forger = new EnvelopeSigner({ senderId: 'gateway', privateKey: generateKeyPair().privateKey, sequence: { next: () => 9_000_000 } });
      const topic = kioskTopic('kiosk-1', 'cmd');
      const before = k!.kiosk.link.rejectedCounts.get('bad_signature') ?? 0;
      await attacker.publishAsync(topic, forger.sign(topic, { commandId: crypto.randomUUID(), type: 'restart_agent', args: {}, expiresAt: new Date(Date.now() + 60_000).toISOString() }), { qos: 1 });
      await eventually(() => (k!.kiosk.link.rejectedCounts.get('bad_signature') ?? 0) === before + 1, 5000, 'forged command dropped');
      expect(k!.kiosk.link.connected).toBe(true);
    } finally {
      await attacker.endAsync();
    }
  });

  it('fans a command out to a store’s kiosks', async () => {
    const fanned = await call('POST', '/stores/store-1/commands', { type: 'reload_caches' });
    expect(fanned.status).toBe(202);
    expect(fanned.body.commands.map((c: { kioskId: string }) => c.kioskId)).toEqual(['kiosk-1']);
    await eventually(async () => (await state(fanned.body.commands[0].commandId)).state === 'succeeded', 5000, 'reloaded');
    expect((await call('POST', '/stores/nowhere/commands', { type: 'reload_caches' })).body.error).toBe('store_not_found');
  });
});
