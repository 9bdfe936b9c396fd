/**
 * The gateway's HTTP API: a factory of small Hono apps (CONVENTIONS 9). Tests call
 * `createApp(deps).request()` without opening a port.
 */
import { Hono } from 'hono';
import type { KioskRegistry } from '../fleet/kiosk-registry.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '@loyalty/protocol/node';
import type { GatewayMetrics } from '../metrics.js';
import type { ApiTokens } from './api-tokens.js';
import { authenticate, requireRole, type AuthEnv } from './auth.js';
import { errorBody, onError } from './errors.js';
import { docsPage, openApiDocument } from './openapi.js';
import { cardRoutes } from './routes/cards.js';
import { kioskRoutes } from './routes/kiosks.js';
import { valueRoutes } from './routes/value.js';
import { programRoutes } from './routes/programs.js';
import type { ProgramService } from '../programs/program-service.js';
import { customerRoutes } from './routes/customers.js';
import { storeRoutes } from './routes/stores.js';
import type { Directory } from '../ledger/directory.js';
import { enrollmentRoutes } from './routes/enrollments.js';
import { brokerAuthRoutes } from './routes/broker-auth.js';
import type { EnrollmentService } from '../fleet/enrollment.js';
import { registrationRoutes } from './routes/registrations.js';
import type { CardService } from '../members/card-service.js';
import type { CustomerService } from '../members/customer-service.js';
import type { RegistrationService } from '../members/registration-service.js';
import type { ConfirmedRedemptions } from '../members/confirmed-redemption.js';
import type { VerifyReport } from '../ledger/verify.js';

export interface AppDeps {
  ledger: Ledger;
  programs: ProgramService;
  cards: CardService;
  customers: CustomerService;
  registrations: RegistrationService;
  confirmedRedemptions: ConfirmedRedemptions;
  revokeKiosk: (id: string, reason: string) => Promise<unknown>;
  enrollments: EnrollmentService;
  directory: Directory;
  /** shared secret of an external broker's HTTP auth hooks (none: the hooks refuse everything) */
  brokerHookSecret?: string;
  /** the broker username gateway replicas use on an external broker */
  brokerGatewayUser?: string;
  /** who this gateway is: sender id and key fingerprints */
  identity: { instanceId: string; keyFingerprint: string; announcedKeys: string[]; keySetVersion: number };
  registry: KioskRegistry;
  tokens: ApiTokens;
  metrics: GatewayMetrics;
  log: Logger;
  verify: () => Promise<VerifyReport>;
  /** what /readyz checks: each returns null when fine or a reason */
  readiness: Record<string, () => Promise<string | null>>;
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.onError(onError(deps.log));
  app.notFound((c) => c.json(errorBody('no_such_route', `no route ${c.req.method} ${c.req.path}`), 404));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const checks = Object.fromEntries(
      await Promise.all(Object.entries(deps.readiness).map(async ([name, check]) => [name, await check().catch((e: Error) => e.message)] as const)),
    );
    const ready = Object.values(checks).every((v) => v === null);
    return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
  });
  app.get('/metrics', async (c) => c.text(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType }));

  app.get('/api/v1/openapi.json', (c) => c.json(openApiDocument));
  app.get('/docs', (c) => c.html(docsPage()));

  // The external broker's auth hooks carry their own shared secret, not an API token.
  app.route('/api/v1/broker', brokerAuthRoutes({ registry: deps.registry, metrics: deps.metrics, secret: deps.brokerHookSecret, gatewayUser: deps.brokerGatewayUser }));
  // Claiming a pairing code needs no token (the code is the credential): mounted before the guard.
  app.route('/api/v1/enrollments', enrollmentRoutes(deps));

  const api = new Hono<AuthEnv>();
  api.use('*', authenticate(deps.tokens));
  api.route('/cards', cardRoutes(deps, requireRole));
  api.route('/kiosks', kioskRoutes(deps, requireRole));
  api.route('/', valueRoutes(deps, requireRole));
  api.route('/', programRoutes(deps, requireRole));
  api.route('/customers', customerRoutes(deps, requireRole));
  api.route('/stores', storeRoutes(deps, requireRole));
  api.route('/', registrationRoutes(deps, requireRole));
  api.get('/hotlist', requireRole('viewer'), async (c) => c.json(await deps.cards.hotlist()));
  api.get('/gateway', requireRole('viewer'), (c) => c.json(deps.identity));
  api.get('/ledger/verify', requireRole('viewer'), async (c) => {
    const report = await deps.verify();
    return c.json(report, report.ok ? 200 : 500);
  });
  app.route('/api/v1', api);
  return app;
}
