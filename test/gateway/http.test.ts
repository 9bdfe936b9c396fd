import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '@loyalty/gateway';
import { ANNA, seed, startGateway, tempDir, type CapturedLog } from '../support/system.js';

describe('gateway HTTP API', () => {
  const dir = tempDir('http');
  let gateway: Gateway;
  let log: CapturedLog;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    ({ gateway, log } = await startGateway(dir.path));
    await seed(gateway);
    for (const role of ['admin', 'pos', 'viewer'] as const) tokens[role] = (await gateway.tokens.create(role, `test ${role}`)).token;
  });
  afterAll(async () => {
    await gateway.stop();
    dir.remove();
  });

  const get = (path: string, token?: string) => fetch(`${gateway.httpUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('serves health, readiness and metrics without a token', async () => {
    expect(await (await get('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { ledger: null, mqtt: null } });
    expect(await (await get('/metrics')).text()).toContain('loyalty_mqtt_rejected_messages_total');
  });

  it('needs a valid token for /api/v1 and says what is wrong', async () => {
    const none = await get(`/api/v1/cards/${ANNA.number}`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: 'unauthorized', message: expect.stringContaining('Bearer') });
    const forged = await get(`/api/v1/cards/${ANNA.number}`, `${tokens.viewer!.slice(0, -4)}AAAA`);
    expect(forged.status).toBe(401);
  });

  it('refuses a revoked token', async () => {
    const { id, token } = await gateway.tokens.create('viewer', 'leaver');
    expect((await get(`/api/v1/cards/${ANNA.number}`, token)).status).toBe(200);
    expect(await gateway.tokens.revoke(id)).toBe(true);
    const after = await get(`/api/v1/cards/${ANNA.number}`, token);
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ message: expect.stringMatching(/revoked/) });
  });

  it('names the gateway and its key fingerprint', async () => {
    const body = (await (await get('/api/v1/gateway', tokens.viewer)).json()) as { instanceId: string; keyFingerprint: string; announcedKeys: string[] };
    expect(body).toMatchObject({ instanceId: 'gateway', keyFingerprint: expect.stringMatching(/^([0-9a-f]{2}:){7}[0-9a-f]{2}$/), announcedKeys: [gateway.publicKey] });
    // The log line operators are told to copy the key from carries it whole.
    expect(log.find((l) => l.msg === 'gateway signing key')[0]).toMatchObject({ publicKey: gateway.publicKey, fingerprint: body.keyFingerprint });
  });

  it('returns a card by number and by UID', async () => {
    const byNumber = await get(`/api/v1/cards/${ANNA.number}`, tokens.pos);
    expect(byNumber.status).toBe(200);
    expect(await byNumber.json()).toMatchObject({ number: ANNA.number, uid: ANNA.uid, status: 'active', programId: 'points', balance: 0, tier: null, lots: [] });
    const byUid = await get(`/api/v1/cards?uid=${ANNA.uid.toLowerCase()}`, tokens.viewer);
    expect(await byUid.json()).toMatchObject({ number: ANNA.number });
    expect((await get('/api/v1/cards/10033', tokens.viewer)).status).toBe(404);
    const bad = await get('/api/v1/cards/12', tokens.viewer);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await get('/api/v1/nothing', tokens.admin);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'no_such_route' });
  });
});

describe('gateway HTTP API documentation', () => {
  const dir = tempDir('http-docs');
  let gateway: Gateway;
  let _token: string;
  beforeAll(async () => {
    ({ gateway } = await startGateway(dir.path));
    await seed(gateway);
    _token = (await gateway.tokens.create('viewer', 'docs')).token;
  });
  afterAll(async () => {
    await gateway.stop();
    dir.remove();
  });

  it('documents every route the app serves in the OpenAPI document, and serves it and /docs', async () => {
    const doc = (await (await fetch(`${gateway.httpUrl}/api/v1/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    const served = gateway.httpRoutes
      .filter((r) => r.path.startsWith('/api/v1/') && r.path !== '/api/v1/openapi.json')
      .map(
        (r) =>
          `${r.method.toLowerCase()} ${r.path
            .slice('/api/v1'.length)
            .replace(/:(\w+)/g, '{$1}')
            .replace(/\/$/, '')}`,
      );
    expect(served.length).toBeGreaterThan(30);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`));
    expect(
      served.filter((route) => !documented.includes(route)),
      'served but not documented',
    ).toEqual([]);
    expect(
      documented.filter((route) => !served.includes(route)),
      'documented but not served',
    ).toEqual([]);
    // A documented body is the JSON Schema of the zod schema the route validates with.
    expect(JSON.stringify(doc.paths['/purchases']!.post)).toContain('unitPrice');
    expect(await (await fetch(`${gateway.httpUrl}/docs`)).text()).toContain('/api/v1/cards/{number}');
  });
});

describe('stores', () => {
  it('lets an admin create stores and anyone with a token list them', async () => {
    const dir = tempDir('stores');
    const { gateway } = await startGateway(dir.path);
    try {
      const admin = (await gateway.tokens.create('admin', 'a')).token;
      const post = (body: unknown, token = admin) =>
        fetch(`${gateway.httpUrl}/api/v1/stores`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const created = await post({ id: 'berlin-mitte', name: 'Mitte Market', timezone: 'Europe/Berlin' });
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({ id: 'berlin-mitte', name: 'Mitte Market', timezone: 'Europe/Berlin' });
      const bad = await post({ id: 'a/b', name: 'x', timezone: 'Mars/Olympus' });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(await bad.json())).toMatch(/IANA time zone/);
      const viewer = (await gateway.tokens.create('viewer', 'v')).token;
      expect((await post({ id: 'x', name: 'x' }, viewer)).status).toBe(403);
      const list = (await (await fetch(`${gateway.httpUrl}/api/v1/stores`, { headers: { authorization: `Bearer ${viewer}` } })).json()) as { items: Array<{ id: string }> };
      expect(list.items.map((s) => s.id)).toEqual(['berlin-mitte']);
    } finally {
      await gateway.stop();
      dir.remove();
    }
  });
});
