/**
 * Programs (docs/api.md "Programs", docs/programs.md): versioned documents, publishing to stores,
 * and the membership routes that clubs and paid memberships need (join or renew, the entrance check).
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AuthEnv } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { defineRoute, type RouteRegistry } from '../route.js';
import { Entrance, MembershipView, ProgramDetail, ProgramList, ProgramStored, Published, StoreIdParam } from '../schemas.js';
import { CardField } from './value.js';

export const ProgramId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'use 1-64 lower-case letters, digits, - or _');
const IdParam = z.object({ id: ProgramId });
export const PublishBody = z.strictObject({
  stores: z.array(StoreIdParam).min(1).max(1000).optional(),
  /** an older version puts the stores back on it (with a new, higher bundle version) */
  version: z.number().int().min(1).optional(),
});
export const MembershipBody = z.strictObject({ card: CardField, programId: ProgramId, storeId: StoreIdParam });
export const EntranceBody = z.strictObject({ card: CardField, storeId: StoreIdParam });
/** A program document is validated by the program service, which names every bad field (400 invalid_program). */
export const ProgramDocument = z.record(z.string(), z.unknown());

export function programRoutes(api: Hono<AuthEnv>, routes: RouteRegistry, deps: Pick<AppDeps, 'programs' | 'ledger'>): void {
  defineRoute(
    api,
    routes,
    { method: 'get', path: '/programs', operationId: 'listPrograms', summary: 'Programs with their current (published) and draft versions', roles: ['viewer', 'pos'], response: ProgramList },
    async () => ({
      items: await deps.programs.list(),
      nextCursor: null,
    }),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/programs/:id',
      operationId: 'getProgram',
      summary: 'A program: the newest published version, the newest draft, and per store the version it runs, its bundle and how many kiosks report running it',
      roles: ['viewer', 'pos'],
      params: IdParam,
      response: ProgramDetail,
      errors: ['program_not_found'],
    },
    async (_c, { params }) => deps.programs.get(params.id),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'put',
      path: '/programs/:id',
      operationId: 'putProgram',
      summary: 'Store a program document as a new draft version (docs/programs.md); field-level errors in details',
      roles: ['admin'],
      params: IdParam,
      body: ProgramDocument,
      bodyDescription: 'a program document (docs/programs.md)',
      response: ProgramStored,
      errors: ['invalid_program'],
    },
    async (_c, { params, body, actor }) => deps.programs.put(params.id, body, actor),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/programs/:id/publish',
      operationId: 'publishProgram',
      summary:
        'Publish the newest version (or an older `version`) to some or all stores; stores not listed keep what they run; a signed bundle, retained on the rules topic of each store that changes',
      roles: ['admin'],
      params: IdParam,
      body: PublishBody,
      emptyBody: true,
      response: Published,
      errors: ['program_not_found', 'nothing_to_publish', 'store_not_found'],
    },
    async (_c, { params, body, actor }) => deps.programs.publish(params.id, body.stores, actor, { version: body.version }),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/programs/:id/entrance',
      operationId: 'checkEntrance',
      summary: 'Club entrance check: allowed, or denied with the reason',
      roles: ['pos'],
      params: IdParam,
      body: EntranceBody,
      response: Entrance,
      errors: ['program_not_found', 'not_a_membership', 'card_not_found'],
    },
    async (_c, { params, body }) => deps.ledger.checkEntrance({ card: body.card, programId: params.id, storeId: body.storeId }),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/memberships',
      operationId: 'joinMembership',
      summary: 'Join a club or pay a paid membership (renewals extend it)',
      roles: ['pos'],
      body: MembershipBody,
      response: MembershipView,
      status: 201,
      idempotent: true,
      errors: ['program_not_found', 'not_a_membership', 'card_not_found', 'card_blocked', 'card_unlinked', 'idempotency_key_reused'],
    },
    async (_c, { body, opId, actor }) => {
      const { result: _r, ...membership } = await deps.ledger.joinMembership(
        { opId, card: body.card, programId: body.programId, storeId: body.storeId, source: actor },
        { rememberRefusals: true, conflictCode: 'idempotency_key_reused' },
      );
      return membership;
    },
  );
}
