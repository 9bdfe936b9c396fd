/**
 * Health alarms over the real broker (docs/fleet.md "Alarms"): a kiosk's telemetry raises and
 * clears printer, reader, outbox and rules alarms; silence raises `offline` once the threshold
 * has passed; each transition calls the webhook once (a local HTTP receiver); the alarms show in
 * `GET /alarms`, `GET /kiosks?status=alarm` and the Prometheus gauges.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '@loyalty/gateway';
import { eventually, seed, startGateway, startKiosk, tempDir, type TestKiosk } from '../support/system.js';
import { POINTS_DOC } from '../support/programs.js';

describe('fleet health alarms', () => {
  const gwDir = tempDir('gw-alarms');
  const kioskDir = tempDir('kiosk-alarms');
  const offset = { ms: 0 };
  const clock = { now: () => new Date(Date.now() + offset.ms) };
  const calls: Array<{ event: string; alarm: { type: string; kioskId: string; detail: string } }> = [];
  let receiver: Server;
  let gateway: Gateway;
  let k: TestKiosk;
  let viewer = '';

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        calls.push(JSON.parse(body) as (typeof calls)[number]);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const { port } = receiver.address() as { port: number };
    ({ gateway } = await startGateway(
      gwDir.path,
      { fleet: { offlineAlarmMinutes: 5, outboxBacklogAlarm: 3, rulesGraceMinutes: 0, alarmSweepMs: 100_000, alarmWebhook: { url: `http://127.0.0.1:${port}/pager` } } },
      clock,
    ));
    await seed(gateway);
    viewer = (await gateway.tokens.create('viewer', 'ops')).token;
    k = await startKiosk(gateway, kioskDir.path, { config: { heartbeatIntervalMs: 1000 } });
    await eventually(() => k.kiosk.link.connected, 5000, 'online');
  });
  afterAll(async () => {
    await k?.kiosk.stop();
    await gateway.stop();
    await new Promise((r) => receiver.close(r));
    gwDir.remove();
    kioskDir.remove();
  });

  const get = async (path: string) => (await (await fetch(`${gateway.httpUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${viewer}` } })).json()) as Record<string, any>;
  const active = async () => (await get('/alarms?active=true')).items.map((a: { type: string }) => a.type).sort();
  const events = (type: string) => calls.filter((c) => c.alarm.type === type).map((c) => c.event);

  it('raises and clears a printer alarm from telemetry, calling the webhook once each way', async () => {
    k.hardware.printer.paper = 'out';
    await eventually(async () => (await active()).includes('printer_paper_out'), 6000, 'paper alarm raised');
    expect((await get('/kiosks?status=alarm')).items.map((x: { id: string }) => x.id)).toEqual(['kiosk-1']);
    const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/loyalty_active_alarms\{type="printer_paper_out"\} 1/);
    expect(metrics).toMatch(/loyalty_kiosks\{store="store-1",state="online"\} 1/);
    // Several more heartbeats with the paper still out: no second call.
    await new Promise((r) => setTimeout(r, 2200));
    expect(events('printer_paper_out')).toEqual(['raised']);
    k.hardware.printer.paper = 'ok';
    await eventually(async () => !(await active()).includes('printer_paper_out'), 6000, 'paper alarm cleared');
    await eventually(() => events('printer_paper_out').length === 2, 3000, 'cleared call');
    expect(events('printer_paper_out')).toEqual(['raised', 'cleared']);
    expect((await get('/kiosks?status=alarm')).items).toEqual([]);
    expect((await get('/alarms?active=false')).items[0]).toMatchObject({ type: 'printer_paper_out', kioskId: 'kiosk-1', clearedAt: expect.any(String) });
  });

  it('raises rules_behind when a kiosk does not run its store’s newest bundle', async () => {
    const held = k.kiosk.rules.version;
    // The bundle is stored for the store but withheld from the kiosk (as if it could not load it).
    await gateway.programs.put('points', POINTS_DOC, 'test');
    const offer = k.kiosk.rules.offer.bind(k.kiosk.rules);
    k.kiosk.rules.offer = () => ({ accepted: false, reason: 'invalid_programs' });
    try {
      await gateway.programs.publish('points', undefined, 'test');
      await eventually(async () => (await active()).includes('rules_behind'), 6000, 'rules behind raised');
      expect(k.kiosk.rules.version).toBe(held);
    } finally {
      k.kiosk.rules.offer = offer;
    }
    await gateway.alarms.evaluate();
    expect(events('rules_behind')).toEqual(['raised']);
  });

  it('raises offline only after the threshold of silence, once, and clears it when the kiosk is back', async () => {
    await k.kiosk.stop();
    await eventually(async () => (await get('/kiosks?status=offline')).items.length === 1, 5000, 'offline state');
    await gateway.alarms.evaluate();
    expect(await active()).not.toContain('offline');
    offset.ms = 5 * 60_000 + 1000;
    try {
      await gateway.alarms.evaluate();
      await gateway.alarms.evaluate();
      expect(await active()).toContain('offline');
      expect(events('offline')).toEqual(['raised']);
    } finally {
      offset.ms = 0;
    }
    k = await startKiosk(gateway, kioskDir.path, { config: { heartbeatIntervalMs: 1000 } });
    await eventually(async () => !(await active()).includes('offline'), 6000, 'offline cleared');
    await eventually(() => events('offline').length === 2, 3000, 'cleared call');
    // The kiosk took the newest rules when it reconnected: that alarm cleared too.
    await eventually(async () => !(await active()).includes('rules_behind'), 6000, 'rules caught up');
  });
});
