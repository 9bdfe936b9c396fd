/**
 * The HTTP contract (docs/api.md): the OpenAPI document generated from the route declarations
 * lints clean with Redocly's recommended rules; every route docs/api.md lists is served and every
 * served route is listed there; a malformed, empty or non-JSON body on any POST/PUT/PATCH route
 * is a named 400/415, never a 500; a response that does not match its schema is caught.
 */
import { readFileSync } from 'node:fs';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineRoute, onError, type AuthEnv, type Gateway, type RouteRegistry } from '@loyalty/gateway';
import { createLogger } from '@loyalty/protocol/node';
import { Writable } from 'node:stream';
import { seed, startGateway, tempDir } from '../support/system.js';

const HOOK_SECRET = 'a-test-hook-secret-0123456789';

describe('the HTTP contract', () => {
  const dir = tempDir('openapi');
  let gateway: Gateway;
  let admin = '';
  let document: { paths: Record<string, Record<string, { operationId: string; requestBody?: { required: boolean; content: Record<string, unknown> } }>> };

  beforeAll(async () => {
    ({ gateway } = await startGateway(dir.path, { mqtt: { port: 0, authHookSecret: HOOK_SECRET } }));
    await seed(gateway);
    admin = (await gateway.tokens.create('admin', 'test')).token;
    document = (await (await fetch(`${gateway.httpUrl}/api/v1/openapi.json`)).json()) as typeof document;
  });
  afterAll(async () => {
    await gateway.stop();
    dir.remove();
  });

  const operations = () => Object.entries(document.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, ...op })));

  it('lints clean with Redocly’s recommended rules, with an operationId and typed responses on every route', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(document), absoluteRef: 'openapi.json', config });
    const errors = problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(errors).toEqual([]);
    const ops = operations();
    expect(ops.length).toBeGreaterThan(45);
    expect(new Set(ops.map((o) => o.operationId)).size).toBe(ops.length);
    const untyped = ops.filter((o) => JSON.stringify(o).includes('"schema":{"type":"object"}}'));
    expect(untyped.map((o) => `${o.method} ${o.path}`)).toEqual([]);
  });

  it('serves every route docs/api.md lists, and lists every route it serves', () => {
    const listed = new Set([...readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8').matchAll(/^\| `(GET|POST|PUT|PATCH|DELETE) (\/[^`]*)`/gm)].map((m) => `${m[1]} ${m[2]}`));
    const served = new Set(operations().map((o) => `${o.method} ${o.path}`));
    expect([...listed].filter((r) => !served.has(r)).sort()).toEqual([]);
    expect([...served].filter((r) => !listed.has(r)).sort()).toEqual([]);
  });

  it('answers a broken, empty or non-JSON body on every POST/PUT/PATCH route with a named 400 or 415', async () => {
    const withBody = operations().filter((o) => o.requestBody?.content['application/json']);
    expect(withBody.length).toBeGreaterThan(30);
    const url = (path: string) => `${gateway.httpUrl}/api/v1${path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'number' ? '10009' : name === 'id' ? 'store-1' : 'x1'))}`;
    const headers = (type: string) => ({ authorization: `Bearer ${admin}`, 'x-broker-secret': HOOK_SECRET, 'content-type': type, 'idempotency-key': crypto.randomUUID() });
    for (const op of withBody) {
      const where = `${op.method} ${op.path}`;
      const broken = await fetch(url(op.path), { method: op.method, headers: headers('application/json'), body: '{not json' });
      expect([broken.status, ((await broken.json()) as { error: string }).error], where).toEqual([400, 'invalid_json']);
      const wrongType = await fetch(url(op.path), { method: op.method, headers: headers('text/plain'), body: 'hello' });
      expect([wrongType.status, ((await wrongType.json()) as { error: string }).error], where).toEqual([415, 'unsupported_media_type']);
      if (op.requestBody!.required) {
        const empty = await fetch(url(op.path), { method: op.method, headers: headers('application/json') });
        expect([empty.status, ((await empty.json()) as { error: string }).error], where).toEqual([400, 'invalid_json']);
      }
    }
    // Still serving.
    expect((await fetch(`${gateway.httpUrl}/healthz`)).status).toBe(200);
  });

  it('takes a release upload only as bytes, and refuses one without release keys by name', async () => {
    const release = `${gateway.httpUrl}/api/v1/releases?version=1.0.0&signature=${'A'.repeat(86)}`;
    const asJson = await fetch(release, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: '{}' });
    expect([asJson.status, ((await asJson.json()) as { error: string }).error]).toEqual([415, 'unsupported_media_type']);
    const bytes = await fetch(release, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/gzip' }, body: new Uint8Array(64) });
    expect([bytes.status, ((await bytes.json()) as { error: string }).error]).toEqual([409, 'releases_not_configured']);
  });

  it('refuses an oversized body with 413 before reading it whole', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) });
    const response = await fetch(`${gateway.httpUrl}/api/v1/customers`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: big });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'payload_too_large' });
  });
});

describe('route declarations', () => {
  const silent = createLogger({ level: 'silent', name: 't', destination: new Writable({ write: (_c, _e, d) => d() }) });

  it('type a handler by its response schema, and catch a wrong response at run time', async () => {
    const app = new Hono<AuthEnv>();
    app.onError(onError(silent));
    app.use('*', async (c, next) => {
      c.set('role', 'admin');
      c.set('tokenId', 't');
      await next();
    });
    const routes: RouteRegistry = { specs: [], validateResponses: true, log: silent };
    const Balance = z.object({ balance: z.number().int() });
    defineRoute(app, routes, { method: 'get', path: '/good', operationId: 'good', summary: 'good', roles: ['viewer'], response: Balance }, async () => ({ balance: 3 }));
    // @ts-expect-error the handler must return the response schema's shape
    defineRoute(app, routes, { method: 'get', path: '/bad', operationId: 'bad', summary: 'bad', roles: ['viewer'], response: Balance }, async () => ({ balance: 'lots' }));
    expect(await (await app.request('/good')).json()).toEqual({ balance: 3 });
    const bad = await app.request('/bad');
    expect(bad.status).toBe(500);
    expect(await bad.json()).toMatchObject({ error: 'response_schema_mismatch' });
    expect(routes.specs.map((s) => s.operationId)).toEqual(['good', 'bad']);
  });
});
