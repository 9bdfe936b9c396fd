/**
 * Staged rule rollout over the real gateway (HTTP + libSQL file): publishing a program version to
 * some stores leaves every other store on the version it runs (before, their bundles lost the
 * program and their customers earned 0 points); each store keeps its bundle history; rollback by
 * store, by program or to a named version issues a new, higher bundle version; a store created
 * later gets the chain-wide version; an install upgraded from the broken state is repaired.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, openDatabase, type Gateway } from '@loyalty/gateway';
import { ANNA, STORE, seed, startGateway, tempDir } from '../support/system.js';
// On the wall clock: the points program without its happy hour, which adds 20 points at 17:00 (UTC here).
import { POINTS_DOC_ANY_TIME } from '../support/programs.js';

const programsOf = async (gateway: Gateway, storeId: string) => (await gateway.programs.bundleFor(storeId))?.programs.map((p) => `${String(p.document.id)}@v${p.version}`) ?? [];

describe('staged rule rollout', () => {
  const dir = tempDir('rollout');
  let gateway: Gateway;
  let admin = '';

  beforeAll(async () => {
    ({ gateway } = await startGateway(dir.path));
    await seed(gateway);
    await gateway.directory.ensureStore({ id: 'berlin', name: 'Berlin', timezone: 'Europe/Berlin' });
    admin = (await gateway.tokens.create('admin', 'test')).token;
  });
  afterAll(async () => {
    await gateway.stop();
    dir.remove();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = { authorization: `Bearer ${admin}`, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() };
    const response = await fetch(`${gateway.httpUrl}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const earnAt = async (storeId: string) =>
    (await call('POST', '/quotes', { card: ANNA.number, storeId, currency: 'EUR', items: [{ sku: 'milk', category: 'bakery', quantity: 1, unitPrice: 1000 }] })).body;

  it('publishing a new version to one store leaves the other stores on the version they run', async () => {
    await call('PUT', '/programs/points', POINTS_DOC_ANY_TIME);
    expect((await call('POST', '/programs/points/publish', {})).body.bundles.map((b: { storeId: string }) => b.storeId)).toEqual(['berlin', STORE.id]);
    const storeBundle = (await gateway.programs.bundleFor(STORE.id))!.version;
    await call('PUT', '/programs/points', { ...POINTS_DOC_ANY_TIME, earn: { ...POINTS_DOC_ANY_TIME.earn, rate: { points: 20, per: 100, rounding: 'floor' } } });
    const canary = await call('POST', '/programs/points/publish', { stores: ['berlin'] });
    expect(canary).toMatchObject({ status: 200, body: { version: 2 } });
    // Only the canary store got a new bundle; the other store's bundle is untouched.
    expect(canary.body.bundles.map((b: { storeId: string }) => b.storeId)).toEqual(['berlin']);
    expect(await programsOf(gateway, 'berlin')).toEqual(['points@v2']);
    expect(await programsOf(gateway, STORE.id)).toEqual(['points@v1']);
    expect((await gateway.programs.bundleFor(STORE.id))!.version).toBe(storeBundle);
    // Customers of both stores earn, each by their store's version (10.00 EUR, welcome 100).
    expect((await earnAt(STORE.id)).pointsEarned).toBe(100 + 100);
    expect((await earnAt('berlin')).pointsEarned).toBe(200 + 100);
  });

  it('shows per store the version it runs, its bundle and how many kiosks report it', async () => {
    await gateway.registry.register('kiosk-a', STORE.id, 'A'.repeat(43));
    const bundle = (await gateway.programs.bundleFor(STORE.id))!.version;
    await gateway.registry.recordTelemetry('kiosk-a', { uptimeS: 1, outboxDepth: 0, health: {}, versions: { agent: '1', rules: bundle, hotlist: null }, rejectedMessages: {} });
    const program = await call('GET', '/programs/points');
    expect(program.body.stores).toEqual([
      {
        storeId: 'berlin',
        version: 2,
        bundleVersion: (await gateway.programs.bundleFor('berlin'))!.version,
        kiosks: 0,
        kiosksOnBundle: 0,
        lastHour: { earns: 0, redemptions: 0, refusals: 0 },
        activeAlarms: 0,
      },
      { storeId: STORE.id, version: 1, bundleVersion: bundle, kiosks: 1, kiosksOnBundle: 1, lastHour: { earns: 0, redemptions: 0, refusals: 0 }, activeAlarms: 0 },
    ]);
  });

  it('widens the canary, and a repeat publish changes nothing', async () => {
    const widened = await call('POST', '/programs/points/publish', {});
    expect(widened.body.bundles.map((b: { storeId: string }) => b.storeId)).toEqual([STORE.id]);
    expect(await programsOf(gateway, STORE.id)).toEqual(['points@v2']);
    expect((await call('POST', '/programs/points/publish', {})).body.bundles).toEqual([]);
    expect((await call('POST', '/programs/points/publish', { stores: ['berlin'] })).body.bundles).toEqual([]);
  });

  it('rolls a store back with a new, higher bundle version carrying the old content', async () => {
    const before = (await gateway.programs.bundleFor('berlin'))!;
    const rolled = await call('POST', '/stores/berlin/rules/rollback', { programId: 'points' });
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({ storeId: 'berlin', programs: [{ programId: 'points', version: 1 }] });
    expect(rolled.body.version).toBeGreaterThan(before.version);
    expect(await programsOf(gateway, 'berlin')).toEqual(['points@v1']);
    expect(await programsOf(gateway, STORE.id)).toEqual(['points@v2']);
    expect((await earnAt('berlin')).pointsEarned).toBe(200);

    // To a named version, and back to the previous bundle's content.
    expect((await call('POST', '/stores/berlin/rules/rollback', { programId: 'points', toVersion: 2 })).body.programs).toEqual([{ programId: 'points', version: 2 }]);
    expect((await call('POST', '/stores/berlin/rules/rollback', {})).body.programs).toEqual([{ programId: 'points', version: 1 }]);
    // Publishing an older version is a rollback by program version too.
    const older = await call('POST', '/programs/points/publish', { stores: [STORE.id], version: 1 });
    expect(older.body).toMatchObject({ version: 1, bundles: [{ storeId: STORE.id }] });
    expect(await programsOf(gateway, STORE.id)).toEqual(['points@v1']);
    const history = (await gateway.db.execute({ sql: 'SELECT count(*) AS n FROM rule_bundles WHERE store_id = ?', args: ['berlin'] })).rows[0]!;
    expect(Number(history.n)).toBe(5);
  });

  it('refuses rollbacks that cannot be done, with named errors', async () => {
    expect((await call('POST', '/stores/nowhere/rules/rollback', {})).body.error).toBe('store_not_found');
    expect((await call('POST', '/stores/berlin/rules/rollback', { toVersion: 1 })).body.error).toBe('invalid_request');
    expect((await call('POST', '/stores/berlin/rules/rollback', { programId: 'points', toVersion: 9 })).status).toBe(404);
    await call('PUT', '/programs/points', POINTS_DOC_ANY_TIME); // v3, a draft
    expect((await call('POST', '/stores/berlin/rules/rollback', { programId: 'points', toVersion: 3 })).body.error).toBe('invalid_request');
    expect((await call('POST', '/programs/points/publish', { stores: ['nowhere'] })).body.error).toBe('store_not_found');
    expect((await call('POST', '/programs/points/publish', { version: 7 })).status).toBe(404);
    await gateway.directory.ensureStore({ id: 'fresh', name: 'Fresh' });
    expect((await call('POST', '/stores/fresh/rules/rollback', {})).body.error).toBe('nothing_to_roll_back');
  });

  it('gives a store created later the chain-wide version, not a canary’s', async () => {
    await call('POST', '/programs/points/publish', { stores: ['berlin'] }); // v3 to berlin only
    expect(await programsOf(gateway, 'berlin')).toEqual(['points@v3']);
    const created = await call('POST', '/stores', { id: 'hamburg', name: 'Hamburg' });
    expect(created.status).toBe(201);
    expect(await programsOf(gateway, 'hamburg')).toEqual(['points@v2']);
  });
});

describe('an install upgraded from before staged rollout', () => {
  it('gets back the program its other stores lost, and a rebuilt bundle at start', async () => {
    const dir = tempDir('rollout-upgrade');
    try {
      // The state the old publish left: v2 went to berlin only, and store-1's newest bundle is empty.
      const url = `file:${dir.path}/gateway.db`;
      const old = await openDatabase(
        { url, busyTimeoutMs: 1000 },
        MIGRATIONS.filter((m) => m.id <= 8),
      );
      const at = '2026-11-01T00:00:00.000Z';
      for (const [id, tz] of [
        ['berlin', 'Europe/Berlin'],
        [STORE.id, 'UTC'],
      ] as const)
        await old.execute({ sql: 'INSERT INTO stores (id, name, timezone, created_at) VALUES (?, ?, ?, ?)', args: [id, id, tz, at] });
      await old.execute({ sql: "INSERT INTO programs (id, name, kind, created_at) VALUES ('points', 'Points', 'points', ?)", args: [at] });
      await old.execute({ sql: "INSERT INTO program_versions VALUES ('points', 1, ?, ?, 'test', ?, 'test', NULL)", args: [JSON.stringify(POINTS_DOC_ANY_TIME), at, at] });
      await old.execute({
        sql: `INSERT INTO program_versions VALUES ('points', 2, ?, ?, 'test', ?, 'test', '["berlin"]')`,
        args: [JSON.stringify({ ...POINTS_DOC_ANY_TIME, name: 'Points II' }), at, at],
      });
      const empty = { version: 1, storeId: STORE.id, timezone: 'UTC', issuedAt: at, programs: [] };
      await old.execute({ sql: 'INSERT INTO rule_bundles (version, store_id, body, created_at) VALUES (1, ?, ?, ?)', args: [STORE.id, JSON.stringify(empty), at] });
      old.close();

      const { gateway, log } = await startGateway(dir.path);
      try {
        expect(await programsOf(gateway, STORE.id)).toEqual(['points@v1']);
        expect(await programsOf(gateway, 'berlin')).toEqual(['points@v2']);
        expect((await gateway.programs.bundleFor(STORE.id))!.version).toBeGreaterThan(1);
        expect(log.find((l) => l.msg === "rules bundle rebuilt from the store's program versions" && l.store === STORE.id)).toHaveLength(1);
      } finally {
        await gateway.stop();
      }
    } finally {
      dir.remove();
    }
  });
});
