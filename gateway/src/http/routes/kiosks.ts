/** Kiosks (docs/api.md "Stores, kiosks, staff"): the fleet list, one kiosk, revocation. */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AuthEnv } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import { defineRoute, type RouteRegistry } from '../route.js';
import { COMMAND_TYPES, ReleaseVersion, type CommandType } from '@loyalty/protocol';
import type { Context } from 'hono';
import { AlarmList, CommandList, CommandView, DesiredView, KioskDetail, KioskList, KioskView, StoreIdParam, Text } from '../schemas.js';

const IdParam = z.object({ id: z.string().min(1).max(64) });
export const RevokeBody = z.strictObject({ reason: Text(3, 500, 'say why (at least 3 characters)') });

/** A command for a kiosk (docs/fleet.md "Commands"): its type, its arguments and how long it may wait. */
export const NewCommand = z.strictObject({
  type: z.enum(COMMAND_TYPES as [CommandType, ...CommandType[]]),
  args: z.record(z.string(), z.unknown()).optional(),
  ttlSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .optional(),
});
const COMMAND_ERRORS = ['kiosk_not_found', 'kiosk_revoked', 'release_not_found'] as const;

/**
 * An operator names only the version to update to; the gateway adds the uploaded release's
 * download address, size, hash and signature (docs/fleet.md "Agent updates").
 */
export async function completeCommand(c: Context, body: z.output<typeof NewCommand>, deps: Pick<AppDeps, 'releases' | 'publicUrl'>): Promise<z.output<typeof NewCommand>> {
  if (body.type !== 'update_agent') return body;
  const named = z.strictObject({ version: ReleaseVersion }).safeParse(body.args ?? {});
  if (!named.success) throw new HttpError(400, 'invalid_request', 'update_agent takes {version}; the gateway adds the download address and the signature', named.error.issues);
  return { ...body, args: await deps.releases.commandArgs(named.data.version, deps.publicUrl ?? new URL(c.req.url).origin) };
}
/** Fields of the kiosk's config file (docs/operator-guide.md "Kiosk configuration"); null removes one. */
export const ConfigPatch = z
  .record(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/, 'a field of the kiosk config file'), z.unknown())
  .refine((patch) => Object.keys(patch).length > 0 && Object.keys(patch).length <= 50, 'between 1 and 50 fields');

export function kioskRoutes(
  api: Hono<AuthEnv>,
  routes: RouteRegistry,
  deps: Pick<AppDeps, 'registry' | 'revokeKiosk' | 'commands' | 'alarms' | 'kioskConfig' | 'releases' | 'publicUrl' | 'journals'>,
): void {
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/alarms',
      operationId: 'listAlarms',
      summary: 'Health alarms, newest first (?storeId=&kioskId=&active=true|false): offline, printer paper out or unreachable, reader missing, outbox backlog, rules behind',
      roles: ['viewer'],
      query: z.object({ storeId: StoreIdParam.optional(), kioskId: z.string().max(64).optional(), active: z.enum(['true', 'false']).optional() }),
      response: AlarmList,
    },
    async (_c, { query }) => ({
      items: await deps.alarms.list({ storeId: query.storeId, kioskId: query.kioskId, active: query.active === undefined ? undefined : query.active === 'true' }),
      nextCursor: null,
    }),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/kiosks/:id/commands',
      operationId: 'commandKiosk',
      summary: 'Send a kiosk a command with a time to live; it waits while the kiosk is offline and expires after ttlSeconds (default 3600). update_agent takes {version} of an uploaded release',
      roles: ['admin'],
      params: IdParam,
      body: NewCommand,
      response: CommandView,
      status: 202,
      errors: [...COMMAND_ERRORS],
    },
    async (c, { params, body, actor }) => deps.commands.create(params.id, await completeCommand(c, body, deps), actor),
  );
  defineRoute(
    api,
    routes,
    { method: 'get', path: '/kiosks/:id/commands', operationId: 'listKioskCommands', summary: 'A kiosk’s commands, newest first', roles: ['viewer'], params: IdParam, response: CommandList },
    async (_c, { params }) => {
      await deps.commands.expire();
      return { items: await deps.commands.list(params.id), nextCursor: null };
    },
  );
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/kiosks/:id/commands/:commandId',
      operationId: 'getKioskCommand',
      summary: 'One command: queued, delivered, succeeded, failed, expired or rejected, with the result or the reason',
      roles: ['viewer'],
      params: z.object({ id: z.string().min(1).max(64), commandId: z.string().uuid() }),
      response: CommandView,
      errors: ['command_not_found'],
    },
    async (_c, { params }) => {
      await deps.commands.expire();
      return deps.commands.get(params.id, params.commandId);
    },
  );

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
      summary: 'Kiosks with online state, last seen, key fingerprint, telemetry (?storeId=&status=online|offline|alarm)',
      roles: ['viewer'],
      query: z.object({ storeId: StoreIdParam.optional(), status: z.enum(['online', 'offline', 'alarm']).optional() }),
      response: KioskList,
    },
    async (_c, { query }) => {
      const kiosks = await deps.registry.list(query.storeId ? { storeId: query.storeId } : {});
      const inAlarm = query.status === 'alarm' ? await deps.alarms.kiosksInAlarm() : null;
      const keep = (k: (typeof kiosks)[number]) => (query.status === 'online' ? k.online : query.status === 'offline' ? !k.online && k.status === 'active' : inAlarm ? inAlarm.has(k.id) : true);
      return { items: kiosks.filter(keep), nextCursor: null };
    },
  );
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/kiosks/:id',
      operationId: 'getKiosk',
      summary: 'One kiosk, with its desired and reported configuration and the difference',
      roles: ['viewer'],
      params: IdParam,
      response: KioskDetail,
      errors: ['not_found'],
    },
    async (_c, { params }) => {
      const [kiosk] = await deps.registry.list({ id: params.id });
      if (!kiosk) throw new HttpError(404, 'not_found', `no kiosk ${params.id}`);
      return { ...kiosk, config: await deps.kioskConfig.status(kiosk) };
    },
  );
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/kiosks/:id/journal',
      operationId: 'kioskJournal',
      summary:
        'The kiosk’s journal chain as received: links, the last sequence number, gaps (journalled, never arrived) and broken links; with ?signatures=true also the links whose kiosk signature does not verify (one check per link: slow on a long journal) (docs/offline.md)',
      roles: ['viewer'],
      params: IdParam,
      query: z.object({ signatures: z.enum(['true', 'false']).optional() }),
      response: z.object({
        kioskId: z.string(),
        received: z.number().int(),
        lastSeq: z.number().int(),
        gaps: z.array(z.object({ from: z.number().int(), to: z.number().int() })),
        broken: z.array(z.number().int()),
        unsigned: z.array(z.number().int()).optional(),
      }),
      errors: ['not_found'],
    },
    async (_c, { params, query }) => {
      if (!deps.registry.get(params.id)) throw new HttpError(404, 'not_found', `no kiosk ${params.id}`);
      const check = await deps.journals.check(params.id);
      return query.signatures === 'true' ? { ...check, unsigned: await deps.journals.unsigned(params.id) } : check;
    },
  );
  defineRoute(
    api,
    routes,
    {
      method: 'patch',
      path: '/kiosks/:id/config',
      operationId: 'configureKiosk',
      summary: 'Set (or, with null, remove) fields of a kiosk’s desired configuration; they override its store’s; the kiosk applies what can change live and reports the rest',
      roles: ['admin'],
      params: IdParam,
      body: ConfigPatch,
      response: DesiredView,
      errors: ['kiosk_not_found'],
    },
    async (_c, { params, body, actor }) => deps.kioskConfig.patchKiosk(params.id, body, actor),
  );
}
