/**
 * Kiosk reports (heartbeats and online state) as the registry keeps them: shown by the API at
 * once, written to the ledger together within fleet.telemetryFlushMs, in arrival order (an
 * `offline` after a heartbeat wins), never moving `lastSeen` back, never writing to a revoked
 * kiosk, and written at stop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generateKeyPair, exportPublicKey, type Telemetry } from '@loyalty/protocol';
import type { Gateway } from '@loyalty/gateway';
import { STORE, eventually, seed, startGateway, tempDir } from '../support/system.js';

const ok = { state: 'ok' as const };
const beat = (uptimeS: number): Telemetry => ({ uptimeS, outboxDepth: 0, health: { printer: ok }, versions: { agent: '0.1.0', rules: 4, hotlist: null }, rejectedMessages: {} });

describe('kiosk reports', () => {
  const dirs: Array<{ remove: () => void }> = [];
  let gateway: Gateway | null = null;
  afterEach(async () => {
    await gateway?.stop();
    gateway = null;
    for (const dir of dirs.splice(0)) dir.remove();
  });
  const rowOf = async (g: Gateway, id: string) =>
    (await g.db.execute({ sql: 'SELECT online, last_seen, telemetry FROM kiosks WHERE id = ?', args: [id] })).rows[0] as unknown as {
      online: number;
      last_seen: string | null;
      telemetry: string | null;
    };

  it('shows a heartbeat at once and writes the newest of each kiosk together, in arrival order', async () => {
    const dir = tempDir('reports');
    dirs.push(dir);
    ({ gateway } = await startGateway(dir.path, { fleet: { telemetryFlushMs: 200 } }));
    await seed(gateway);
    const g = gateway;
    for (const id of ['a', 'b']) await g.registry.register(id, STORE.id, exportPublicKey(generateKeyPair().publicKey));

    g.registry.recordTelemetry('a', beat(1));
    g.registry.recordTelemetry('a', beat(2));
    g.registry.recordTelemetry('b', beat(7));
    g.registry.recordState('b', false);
    const shown = await g.registry.list();
    expect(shown.find((k) => k.id === 'a')).toMatchObject({ online: true, telemetry: { uptimeS: 2 }, lastSeen: expect.any(String) });
    expect(shown.find((k) => k.id === 'b')).toMatchObject({ online: false, telemetry: { uptimeS: 7 } });
    expect((await g.registry.healthSummaries()).find((k) => k.id === 'a')).toMatchObject({ online: true, rulesVersion: 4 });

    await eventually(async () => (await rowOf(g, 'a')).telemetry !== null, 3000, 'written');
    expect(JSON.parse((await rowOf(g, 'a')).telemetry!)).toMatchObject({ uptimeS: 2 });
    expect(await rowOf(g, 'b')).toMatchObject({ online: 0 });
    expect(JSON.parse((await rowOf(g, 'b')).telemetry!)).toMatchObject({ uptimeS: 7 });
  });

  it('never moves lastSeen back, leaves a revoked kiosk alone, and writes what it holds at stop', async () => {
    const dir = tempDir('reports');
    dirs.push(dir);
    ({ gateway } = await startGateway(dir.path, { fleet: { telemetryFlushMs: 60_000 } }));
    await seed(gateway);
    const g = gateway;
    for (const id of ['a', 'r']) await g.registry.register(id, STORE.id, exportPublicKey(generateKeyPair().publicKey));
    const later = '2999-01-01T00:00:00.000Z';
    await g.db.execute({ sql: 'UPDATE kiosks SET last_seen = ? WHERE id = ?', args: [later, 'a'] });
    g.registry.recordTelemetry('a', beat(3));
    g.registry.recordTelemetry('r', beat(5));
    await g.registry.revoke('r', 'stolen from the store');
    await g.registry.flush();
    expect(await rowOf(g, 'a')).toMatchObject({ last_seen: later });
    expect(JSON.parse((await rowOf(g, 'a')).telemetry!)).toMatchObject({ uptimeS: 3 });
    expect(await rowOf(g, 'r')).toMatchObject({ online: 0, telemetry: null });

    g.registry.recordTelemetry('a', beat(9));
    await g.stop();
    gateway = null;
    ({ gateway } = await startGateway(dir.path));
    expect((await gateway.registry.list({ id: 'a' }))[0]).toMatchObject({ telemetry: { uptimeS: 9 } });
  });
});
