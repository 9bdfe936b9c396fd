/**
 * Programs (API.md "Programs"): versioned documents, publishing to stores, and the membership
 * routes that clubs and paid memberships need (join or renew, the entrance check).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../app.js';
import type { AuthEnv, requireRole as RequireRole } from '../auth.js';
import { HTTP_ONCE, idempotencyKey } from '../idempotency-key.js';
import { CardField } from './value.js';

export const ProgramId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'use 1-64 lower-case letters, digits, - or _');
const StoreId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
export const PublishBody = z.strictObject({
  stores: z.array(StoreId).min(1).max(1000).optional(),
  /** an older version puts the stores back on it (with a new, higher bundle version) */
  version: z.number().int().min(1).optional(),
});
export const MembershipBody = z.strictObject({ card: CardField, programId: ProgramId, storeId: StoreId });
export const EntranceBody = z.strictObject({ card: CardField, storeId: StoreId });

export function programRoutes(deps: Pick<AppDeps, 'programs' | 'ledger'>, requireRole: typeof RequireRole) {
  const app = new Hono<AuthEnv>();
  const actor = (c: { get: (k: 'tokenId') => string }) => `api:${c.get('tokenId')}`;
  const id = (raw: string) => ProgramId.parse(raw);

  app.get('/programs', requireRole('viewer', 'pos'), async (c) => c.json({ items: await deps.programs.list(), nextCursor: null }));
  app.get('/programs/:id', requireRole('viewer', 'pos'), async (c) => c.json(await deps.programs.get(id(c.req.param('id')))));
  app.put('/programs/:id', requireRole('admin'), async (c) => c.json(await deps.programs.put(id(c.req.param('id')), await c.req.json(), actor(c)), 200));
  app.post('/programs/:id/publish', requireRole('admin'), async (c) => {
    const text = await c.req.text();
    const body = PublishBody.parse(text.trim() ? JSON.parse(text) : {});
    return c.json(await deps.programs.publish(id(c.req.param('id')), body.stores, actor(c), { version: body.version }), 200);
  });
  app.post('/programs/:id/entrance', requireRole('pos'), async (c) => {
    const body = EntranceBody.parse(await c.req.json());
    return c.json(await deps.ledger.checkEntrance({ card: body.card, programId: id(c.req.param('id')), storeId: body.storeId }), 200);
  });
  app.post('/memberships', requireRole('pos'), async (c) => {
    const opId = idempotencyKey(c);
    const body = MembershipBody.parse(await c.req.json());
    const { result: _r, ...membership } = await deps.ledger.joinMembership({ opId, card: body.card, programId: body.programId, storeId: body.storeId, source: actor(c) }, HTTP_ONCE);
    return c.json(membership, 201);
  });
  return app;
}
