/** Kiosks (docs/api.md "Stores, kiosks, staff"): the fleet list, one kiosk, revocation. */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AuthEnv } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import { defineRoute, type RouteRegistry } from '../route.js';
import { KioskList, KioskView, StoreIdParam, Text } from '../schemas.js';

const IdParam = z.object({ id: z.string().min(1).max(64) });
export const RevokeBody = z.strictObject({ reason: Text(3, 500, 'say why (at least 3 characters)') });

export function kioskRoutes(api: Hono<AuthEnv>, routes: RouteRegistry, deps: Pick<AppDeps, 'registry' | 'revokeKiosk'>): void {
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/kiosks/:id/revoke',
      operationId: 'revokeKiosk',
      summary: 'Cut a kiosk off at once (broker and messages)',
      roles: ['admin'],
      params: IdParam,
      body: RevokeBody,
      response: KioskView,
      errors: ['not_found'],
    },
    async (_c, { params, body }) => {
      if (!deps.registry.get(params.id)) throw new HttpError(404, 'not_found', `no kiosk ${params.id}`);
      return deps.revokeKiosk(params.id, body.reason);
    },
  );
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/kiosks',
      operationId: 'listKiosks',
      summary: 'Kiosks with online state, last seen, key fingerprint, telemetry (?storeId=)',
      roles: ['viewer'],
      query: z.object({ storeId: StoreIdParam.optional() }),
      response: KioskList,
    },
    async (_c, { query }) => ({
      items: await deps.registry.list(query.storeId ? { storeId: query.storeId } : {}),
      nextCursor: null,
    }),
  );
  defineRoute(
    api,
    routes,
    { method: 'get', path: '/kiosks/:id', operationId: 'getKiosk', summary: 'One kiosk', roles: ['viewer'], params: IdParam, response: KioskView, errors: ['not_found'] },
    async (_c, { params }) => {
      const kiosk = (await deps.registry.list()).find((k) => k.id === params.id);
      if (!kiosk) throw new HttpError(404, 'not_found', `no kiosk ${params.id}`);
      return kiosk;
    },
  );
}
