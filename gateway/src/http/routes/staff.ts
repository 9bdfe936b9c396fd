/** Staff and their cards (docs/api.md "Stores, kiosks, staff"; docs/staff.md). */
import { normaliseUid, StaffRole } from '@loyalty/protocol';
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AuthEnv } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { defineRoute, type RouteRegistry } from '../route.js';
import { StoreIdParam, Text } from '../schemas.js';

const CardUid = z.string().refine((raw) => normaliseUid(raw) !== null, 'a 4, 7 or 10 byte NFC UID in hex');
export const NewStaff = z.strictObject({ name: Text(1, 120), role: StaffRole, cardUid: CardUid, storeId: StoreIdParam.nullable().optional() });
export const StaffChange = z.strictObject({ name: Text(1, 120).optional(), role: StaffRole.optional(), storeId: StoreIdParam.nullable().optional() });
const BlockStaff = z.strictObject({ reason: Text(3, 500, 'say why (at least 3 characters)') });
export const StaffView = z.object({
  id: z.string(),
  name: z.string(),
  role: StaffRole,
  cardUid: z.string(),
  storeId: z.string().nullable(),
  status: z.enum(['active', 'blocked']),
  blockedReason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const IdParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

export function staffRoutes(api: Hono<AuthEnv>, routes: RouteRegistry, deps: Pick<AppDeps, 'staff'>): void {
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/staff',
      operationId: 'createStaff',
      summary: 'A staff member with their NFC card (never also a customer card); storeId absent or null: every store',
      roles: ['admin'],
      body: NewStaff,
      response: StaffView,
      status: 201,
      errors: ['staff_card_in_use', 'store_not_found'],
    },
    async (_c, { body, actor }) => deps.staff.create({ ...body, actor }),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/staff',
      operationId: 'listStaff',
      summary: 'Every staff member, blocked ones too',
      roles: ['viewer'],
      response: z.object({ items: z.array(StaffView), nextCursor: z.null() }),
    },
    async () => ({ items: await deps.staff.list(), nextCursor: null }),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'patch',
      path: '/staff/:id',
      operationId: 'updateStaff',
      summary: 'Change a staff member’s role, store or name; kiosks get the new staff list',
      roles: ['admin'],
      params: IdParam,
      body: StaffChange,
      response: StaffView,
      errors: ['staff_not_found', 'store_not_found'],
    },
    async (_c, { params, body, actor }) => deps.staff.update(params.id, body, actor),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/staff/:id/block',
      operationId: 'blockStaff',
      summary: 'Block a staff card: refused by the gateway at once and left out of the kiosks’ next staff list',
      roles: ['admin'],
      params: IdParam,
      body: BlockStaff,
      response: StaffView,
      errors: ['staff_not_found'],
    },
    async (_c, { params, body, actor }) => deps.staff.block(params.id, body.reason, actor),
  );
}
