/**
 * Customers' requests about their data (docs/api.md "Customers and cards", docs/self-service.md):
 * erasures asked for on the customers' page wait here until an operator carries them out or
 * declines them with a reason.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AuthEnv } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { defineRoute, type RouteRegistry } from '../route.js';
import { DataRequestList, DataRequestView, Text } from '../schemas.js';

const IdParam = z.object({ id: z.string().min(1).max(64) });

export function dataRequestRoutes(api: Hono<AuthEnv>, routes: RouteRegistry, deps: Pick<AppDeps, 'dataRequests'>): void {
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/data-requests',
      operationId: 'listDataRequests',
      summary: 'Customers’ erasure requests, oldest first (?state=queued for the open ones)',
      roles: ['viewer'],
      query: z.object({ state: z.enum(['queued', 'done', 'declined']).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      response: DataRequestList,
    },
    async (_c, { query }) => ({ items: await deps.dataRequests.list({ state: query.state, limit: query.limit }), nextCursor: null }),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/data-requests/:id/complete',
      operationId: 'completeDataRequest',
      summary: 'Carry out a queued erasure: the customer is anonymised as by POST /customers/{id}/erase',
      roles: ['admin'],
      params: IdParam,
      response: DataRequestView,
      errors: ['data_request_not_found', 'data_request_closed'],
    },
    async (_c, { params, actor }) => deps.dataRequests.complete(params.id, actor),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/data-requests/:id/decline',
      operationId: 'declineDataRequest',
      summary: 'Decline a queued erasure, with the reason the customer is told',
      roles: ['admin'],
      params: IdParam,
      body: z.strictObject({ note: Text(1, 500) }),
      response: DataRequestView,
      errors: ['data_request_not_found', 'data_request_closed'],
    },
    async (_c, { params, body, actor }) => deps.dataRequests.decline(params.id, actor, body.note),
  );
}
