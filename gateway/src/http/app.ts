/**
 * The gateway's HTTP API: small route modules registered on one Hono app (docs/api.md). Every
 * route of /api/v1 is declared with its schemas (route.ts), and the OpenAPI document is built
 * from those declarations. Tests call `createApp(deps).request()` without opening a port.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { countRequests } from './request-metrics.js';
import type { AppDeps } from './deps.js';
import { authenticate, type AuthEnv } from './auth.js';
import { errorBody, onError } from './errors.js';
import { buildOpenApi, docsPage } from './openapi.js';
import { clientAddress, MinuteCounter, rateLimit } from './rate-limit.js';
import { defineRoute, type RouteRegistry } from './route.js';
import { brokerAuthRoutes } from './routes/broker-auth.js';
import { cardRoutes } from './routes/cards.js';
import { customerRoutes } from './routes/customers.js';
import { enrollmentClaimRoute, enrollmentRoutes } from './routes/enrollments.js';
import { kioskRoutes } from './routes/kiosks.js';
import { programRoutes } from './routes/programs.js';
import { registrationRoutes } from './routes/registrations.js';
import { releaseDownloadRoute, releaseRoutes } from './routes/releases.js';
import { storeRoutes } from './routes/stores.js';
import { staffRoutes } from './routes/staff.js';
import { reportRoutes } from './routes/reports.js';
import { consoleApp } from '../console/app.js';
import { selfServiceApp } from '../self-service/app.js';
import { dataRequestRoutes } from './routes/data-requests.js';
import { segmentRoutes } from './routes/segments.js';
import { valueRoutes } from './routes/value.js';
import { GatewayIdentity, VerifyReport } from './schemas.js';

export type { AppDeps } from './deps.js';

/** 1 MiB: a program document or a 500-line basket fits many times over. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const routes: RouteRegistry = { specs: [], validateResponses: deps.validateResponses ?? false, log: deps.log };
  app.onError(onError(deps.log));
  app.notFound((c) => c.json(errorBody('no_such_route', `no route ${c.req.method} ${c.req.path}`), 404));
  app.use('*', countRequests(deps.metrics));
  // Read with the limit before anything parses it: an oversized body is refused, not buffered.
  // A release upload is streamed to disk under its own limit (fleet.maxReleaseBytes) instead.
  const maxSize = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const limitBody = bodyLimit({ maxSize, onError: (c) => c.json(errorBody('payload_too_large', `the request body is larger than ${maxSize} bytes`), 413) });
  app.use('*', (c, next) => (c.req.method === 'POST' && c.req.path === '/api/v1/releases' ? next() : limitBody(c, next)));

  // Per client address before anything else; the external broker's hooks are exempt (they come
  // from the broker, as often as kiosks connect, and carry their own secret).
  const perAddress = new MinuteCounter(deps.rateLimits?.perAddressPerMinute ?? 0);
  app.use(
    '/api/v1/*',
    rateLimit(perAddress, (c) => (c.req.path.startsWith('/api/v1/broker/') ? null : clientAddress(c)), 'address'),
  );

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const checks = Object.fromEntries(await Promise.all(Object.entries(deps.readiness).map(async ([name, check]) => [name, await check().catch((e: Error) => e.message)] as const)));
    const ready = Object.values(checks).every((v) => v === null);
    return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
  });
  app.get('/metrics', async (c) => c.text(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType }));

  // Routes without an API token come first: the token guard below would answer them 401.
  const open = new Hono<AuthEnv>();
  brokerAuthRoutes(open, routes, { registry: deps.registry, metrics: deps.metrics, secret: deps.brokerHookSecret, gatewayUser: deps.brokerGatewayUser });
  enrollmentClaimRoute(open, routes, deps);
  releaseDownloadRoute(open, routes, deps);
  app.route('/api/v1', open);

  const api = new Hono<AuthEnv>();
  api.use('*', authenticate(deps.tokens));
  const perToken = new MinuteCounter(deps.rateLimits?.perTokenPerMinute ?? 0);
  api.use(
    '*',
    rateLimit(perToken, (c) => c.get('tokenId'), 'API token'),
  );
  cardRoutes(api, routes, deps);
  customerRoutes(api, routes, deps);
  valueRoutes(api, routes, deps);
  programRoutes(api, routes, deps);
  storeRoutes(api, routes, deps);
  kioskRoutes(api, routes, deps);
  enrollmentRoutes(api, routes, deps);
  registrationRoutes(api, routes, deps);
  releaseRoutes(api, routes, deps);
  staffRoutes(api, routes, deps);
  reportRoutes(api, routes, deps);
  dataRequestRoutes(api, routes, deps);
  segmentRoutes(api, routes, deps);
  defineRoute(
    api,
    routes,
    { method: 'get', path: '/gateway', operationId: 'getGateway', summary: 'This gateway’s sender id and key fingerprints', roles: ['viewer'], response: GatewayIdentity },
    async () => deps.identity,
  );
  defineRoute(
    api,
    routes,
    { method: 'get', path: '/ledger/verify', operationId: 'verifyLedger', summary: 'Invariants and hash chain (500 when violated)', roles: ['viewer'], response: VerifyReport },
    async (c) => {
      const report = await deps.verify();
      return report.ok ? report : c.json(report, 500);
    },
  );

  const openApi = buildOpenApi(routes.specs);
  app.get('/api/v1/openapi.json', (c) => c.json(openApi));
  app.get('/docs', (c) => c.html(docsPage(openApi)));
  app.route('/api/v1', api);
  // The operators' console (docs/console.md): its own sign-in, cookies and CSRF checks.
  app.route('/admin', consoleApp(deps));
  // The customers' own page (docs/self-service.md): phone + SMS code sign-in, its own cookie.
  app.route(
    '/my',
    selfServiceApp({
      db: deps.db,
      ledger: deps.ledger,
      customers: deps.customers,
      programs: deps.programs,
      clock: deps.clock,
      cards: deps.cards,
      sessions: deps.customerSessions,
      signIn: deps.selfServiceSignIn,
      dataRequests: deps.dataRequests,
      optOut: deps.optOut,
      log: deps.log,
      digitalCardProgram: deps.digitalCardProgram,
    }),
  );
  return app;
}
