/**
 * Broker authentication and authorisation over HTTP, for an external broker (DESIGN §7): EMQX's
 * HTTP authenticator/authorizer or mosquitto-go-auth's HTTP backend call these, so kiosks are
 * checked by the same rules as on the embedded broker (BrokerGuard, broker-acl.ts). The broker
 * proves itself with a shared secret (`mqtt.authHookSecret`); answers are
 * `{"result":"allow"|"deny"}` (EMQX's format), with HTTP 200 either way.
 */
import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { kioskClientId } from '@loyalty/protocol';
import { z } from 'zod';
import type { KioskRegistry } from '../../fleet/kiosk-registry.js';
import type { GatewayMetrics } from '../../metrics.js';
import { mayPublish, maySubscribe, type Principal } from '../../mqtt/broker-acl.js';
import { errorBody } from '../errors.js';

export function brokerAuthRoutes(deps: { registry: KioskRegistry; metrics: GatewayMetrics; secret: string | undefined; gatewayUser: string | undefined }) {
  const app = new Hono();
  app.use('*', async (c, next) => {
    const given = Buffer.from(c.req.header('x-broker-secret') ?? '');
    const expected = Buffer.from(deps.secret ?? '');
    if (!deps.secret || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return c.json(errorBody('unauthorized', 'broker hooks need the shared secret in X-Broker-Secret (mqtt.authHookSecret)'), 401);
    }
    await next();
  });
  const deny = (kind: string) => {
    deps.metrics.brokerDenials.inc({ kind });
    return { result: 'deny' as const };
  };
  const principal = (username: string): Principal | null => {
    if (deps.gatewayUser && username === deps.gatewayUser) return { kind: 'gateway' };
    const kiosk = deps.registry.get(username);
    return kiosk && kiosk.status === 'active' ? { kind: 'kiosk', kioskId: kiosk.id, storeId: kiosk.storeId } : null;
  };

  app.post('/auth', async (c) => {
    const body = z.object({ username: z.string().max(64), password: z.string().max(256), clientid: z.string().max(128) }).parse(await c.req.json());
    // The gateway replicas' own login is the broker's business (its password file); kiosks are ours.
    const login = deps.registry.checkBrokerLogin(body.username, body.password);
    if (login === 'bad_credentials') return c.json(deny('bad_credentials'));
    if (login === 'revoked') return c.json(deny('revoked'));
    if (body.clientid !== kioskClientId(body.username)) return c.json(deny('wrong_client_id'));
    return c.json({ result: 'allow' });
  });

  app.post('/acl', async (c) => {
    const body = z.object({ username: z.string().max(64), topic: z.string().max(256), action: z.enum(['publish', 'subscribe']) }).parse(await c.req.json());
    const who = principal(body.username);
    if (!who) return c.json(deny('unknown_user'));
    const decision = body.action === 'publish' ? mayPublish(who, body.topic) : maySubscribe(who, body.topic);
    return c.json(decision.allowed ? { result: 'allow' } : deny(body.action));
  });
  return app;
}
