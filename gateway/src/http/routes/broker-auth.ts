/**
 * Broker authentication and authorisation over HTTP, for an external broker (docs/deployment-at-scale.md): EMQX's
 * HTTP authenticator/authorizer or mosquitto-go-auth's HTTP backend call these, so kiosks are
 * checked by the same rules as on the embedded broker (BrokerGuard, broker-acl.ts). The broker
 * proves itself with a shared secret (`mqtt.authHookSecret`); answers are
 * `{"result":"allow"|"deny"}` (EMQX's format), with HTTP 200 either way.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Hono } from 'hono';
import { kioskClientId } from '@loyalty/protocol';
import { z } from 'zod';
import type { AuthEnv } from '../auth.js';
import { defineRoute, type RouteRegistry } from '../route.js';
import { BrokerDecision } from '../schemas.js';
import type { KioskRegistry } from '../../fleet/kiosk-registry.js';
import type { GatewayMetrics } from '../../metrics.js';
import { mayPublish, maySubscribe, type Principal } from '../../mqtt/broker-acl.js';
import { errorBody } from '../errors.js';

export const BrokerAuthBody = z.object({ username: z.string().max(64), password: z.string().max(256), clientid: z.string().max(128) });
export const BrokerAclBody = z.object({ username: z.string().max(64), topic: z.string().max(256), action: z.enum(['publish', 'subscribe']) });

export function brokerAuthRoutes(
  open: Hono<AuthEnv>,
  routes: RouteRegistry,
  deps: { registry: KioskRegistry; metrics: GatewayMetrics; secret: string | undefined; gatewayUser: string | undefined },
): void {
  open.use('/broker/*', async (c, next) => {
    const given = Buffer.from(c.req.header('x-broker-secret') ?? '');
    const expected = Buffer.from(deps.secret ?? '');
    if (!deps.secret || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return c.json(errorBody('unauthorized', 'broker hooks need the shared secret in X-Broker-Secret (mqtt.authHookSecret)'), 401);
    }
    await next();
  });
  const deny = (kind: string) => {
    deps.metrics.brokerDenials.inc({ reason: kind });
    return { result: 'deny' as const };
  };
  const principal = (username: string): Principal | null => {
    if (deps.gatewayUser && username === deps.gatewayUser) return { kind: 'gateway' };
    const kiosk = deps.registry.get(username);
    return kiosk && kiosk.status === 'active' ? { kind: 'kiosk', kioskId: kiosk.id, storeId: kiosk.storeId } : null;
  };

  defineRoute(
    open,
    routes,
    {
      method: 'post',
      path: '/broker/auth',
      operationId: 'brokerAuth',
      summary: 'External broker hook: may this kiosk log in (X-Broker-Secret)',
      roles: 'none',
      body: BrokerAuthBody,
      response: BrokerDecision,
    },
    async (_c, { body }) => {
      // The gateway replicas' own login is the broker's business (its password file); kiosks are ours.
      const login = deps.registry.checkBrokerLogin(body.username, body.password);
      if (login === 'bad_credentials') return deny('bad_credentials');
      if (login === 'revoked') return deny('revoked');
      if (body.clientid !== kioskClientId(body.username)) return deny('wrong_client_id');
      return { result: 'allow' as const };
    },
  );

  defineRoute(
    open,
    routes,
    {
      method: 'post',
      path: '/broker/acl',
      operationId: 'brokerAcl',
      summary: 'External broker hook: may this client publish/subscribe this topic (X-Broker-Secret)',
      roles: 'none',
      body: BrokerAclBody,
      response: BrokerDecision,
    },
    async (_c, { body }) => {
      const who = principal(body.username);
      if (!who) return deny('unknown_user');
      const decision = body.action === 'publish' ? mayPublish(who, body.topic) : maySubscribe(who, body.topic);
      return decision.allowed ? { result: 'allow' as const } : deny(body.action);
    },
  );
}
