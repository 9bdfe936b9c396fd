/**
 * Segments (docs/api.md "Segments", docs/segments.md): versioned documents of rules over what the
 * ledger knows about customers, and who is in one now: a count and a paged list of customer ids,
 * never names or phones.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AuthEnv } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { defineRoute, type RouteRegistry } from '../route.js';
import { SegmentList, SegmentMembersView, SegmentStored, SegmentView } from '../schemas.js';
import { ProgramDocument, ProgramId } from './programs.js';

const IdParam = z.object({ id: ProgramId });

export function segmentRoutes(api: Hono<AuthEnv>, routes: RouteRegistry, deps: Pick<AppDeps, 'segments'>): void {
  defineRoute(api, routes, { method: 'get', path: '/segments', operationId: 'listSegments', summary: 'Segments, each at its newest version', roles: ['viewer'], response: SegmentList }, async () => ({
    items: await deps.segments.list(),
    nextCursor: null,
  }));
  defineRoute(
    api,
    routes,
    {
      method: 'put',
      path: '/segments/:id',
      operationId: 'putSegment',
      summary: 'Store a segment document as its next version (docs/segments.md); field-level errors in details',
      roles: ['admin'],
      params: IdParam,
      body: ProgramDocument,
      response: SegmentStored,
      status: 201,
    },
    async (_c, { params, body, actor }) => deps.segments.put(params.id, body, actor),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/segments/:id',
      operationId: 'getSegment',
      summary: 'A segment at its newest version',
      roles: ['viewer'],
      params: IdParam,
      response: SegmentView,
      errors: ['segment_not_found'],
    },
    async (_c, { params }) => deps.segments.get(params.id),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/segments/:id/members',
      operationId: 'getSegmentMembers',
      summary: 'Who is in the segment now: the count and a page of customer ids (no personal data)',
      roles: ['viewer'],
      params: IdParam,
      query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), cursor: z.string().max(64).optional() }),
      response: SegmentMembersView,
      errors: ['segment_not_found'],
    },
    async (_c, { params, query }) => deps.segments.members(params.id, { limit: query.limit, cursor: query.cursor }),
  );
}
