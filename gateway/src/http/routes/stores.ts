/** Stores (docs/api.md "Stores, kiosks, staff"): create, list, settings, rules rollback. */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AuthEnv } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { completeCommand } from './kiosks.js';
import { defineRoute, type RouteRegistry } from '../route.js';
import { FannedOut, RolledBack, StoreConfigView, StoreIdParam, StoreList, StoreView, Text } from '../schemas.js';
import { HttpError } from '../errors.js';
import { ConfigPatch, NewCommand } from './kiosks.js';
import { ProgramId } from './programs.js';

export const NewStore = z.strictObject({
  id: StoreIdParam,
  name: Text(1, 120),
  timezone: z
    .string()
    .refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', 'an IANA time zone such as Europe/Berlin')
    .optional(),
});
export const StoreChange = z.strictObject({
  name: Text(1, 120).optional(),
  /** receipts without a till record a card may claim in 24 hours (docs/receipts.md); 0 refuses them */
  legacyReceiptsPerCardPerDay: z.number().int().min(0).max(20).optional(),
});
/** Nothing: the store's previous rules; a program: its previous version there; both: that version. */
export const RollbackBody = z.strictObject({ programId: ProgramId.optional(), toVersion: z.number().int().min(1).optional() });
const IdParam = z.object({ id: StoreIdParam });

export function storeRoutes(
  api: Hono<AuthEnv>,
  routes: RouteRegistry,
  deps: Pick<AppDeps, 'directory' | 'programs' | 'commands' | 'registry' | 'kioskConfig' | 'releases' | 'publicUrl' | 'staff' | 'cards'>,
): void {
  defineRoute(
    api,
    routes,
    {
      method: 'patch',
      path: '/stores/:id/kiosk-config',
      operationId: 'configureStoreKiosks',
      summary: 'Set (or, with null, remove) fields of the desired configuration of a store’s kiosks (a kiosk’s own fields win)',
      roles: ['admin'],
      params: IdParam,
      body: ConfigPatch,
      response: StoreConfigView,
      errors: ['store_not_found'],
    },
    async (_c, { params, body, actor }) => deps.kioskConfig.patchStore(params.id, body, actor),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/stores/:id/commands',
      operationId: 'commandStore',
      summary: 'Send every active kiosk of a store the same command (one command each): how agent updates are staged, a canary store first',
      roles: ['admin'],
      params: IdParam,
      body: NewCommand,
      response: FannedOut,
      status: 202,
      errors: ['store_not_found', 'release_not_found'],
    },
    async (c, { params, body, actor }) => {
      if (!(await deps.directory.stores()).some((s) => s.id === params.id)) throw new HttpError(404, 'store_not_found', `no store ${params.id}`);
      const command = await completeCommand(c, body, deps);
      const commands = [];
      for (const kiosk of deps.registry.active().filter((k) => k.storeId === params.id)) commands.push(await deps.commands.create(kiosk.id, command, actor));
      return { commands };
    },
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/stores',
      operationId: 'createStore',
      summary: 'Create a store (idempotent by id); it gets the programs published chain-wide',
      roles: ['admin'],
      body: NewStore,
      response: StoreView,
      status: 201,
    },
    async (_c, { body }) => {
      await deps.directory.ensureStore(body);
      await deps.programs.publishStore(body.id);
      // Chain-wide staff work here from the start (and the blocked cards are refused).
      deps.staff.republish();
      await deps.cards.publishHotlist();
      return (await deps.directory.stores()).find((s) => s.id === body.id)!;
    },
  );
  defineRoute(api, routes, { method: 'get', path: '/stores', operationId: 'listStores', summary: 'All stores', roles: ['viewer'], response: StoreList }, async () => ({
    items: await deps.directory.stores(),
    nextCursor: null,
  }));
  defineRoute(
    api,
    routes,
    {
      method: 'patch',
      path: '/stores/:id',
      operationId: 'updateStore',
      summary: 'Rename a store, or allow a few receipts without a till record per card a day (legacyReceiptsPerCardPerDay, 0 = none)',
      roles: ['admin'],
      params: IdParam,
      body: StoreChange,
      response: StoreView,
      errors: ['store_not_found'],
    },
    async (_c, { params, body }) => deps.directory.updateStore(params.id, body),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/stores/:id/rules/rollback',
      operationId: 'rollbackStoreRules',
      summary: 'Put a store back on earlier rules: its previous bundle, a program’s previous version, or {programId, toVersion}; a new, higher bundle version',
      roles: ['admin'],
      params: IdParam,
      body: RollbackBody,
      emptyBody: true,
      response: RolledBack,
      errors: ['store_not_found', 'program_not_found', 'nothing_to_roll_back'],
    },
    async (_c, { params, body, actor }) => deps.programs.rollback(params.id, body, actor),
  );
}
