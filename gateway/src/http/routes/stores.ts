import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../app.js';
import type { AuthEnv, requireRole as RequireRole } from '../auth.js';
import { ProgramId } from './programs.js';

const NewStore = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'use 1-64 of A-Z a-z 0-9 _ -'),
  name: z.string().trim().min(1).max(120),
  timezone: z.string().refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', 'an IANA time zone such as Europe/Berlin').optional(),
});

const StoreId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
/** Nothing: the store's previous rules; a program: its previous version there; both: that version. */
export const StoreChange = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  /** receipts without a till record a card may claim in 24 hours (docs/receipts.md); 0 refuses them */
  legacyReceiptsPerCardPerDay: z.number().int().min(0).max(20).optional(),
});
export const RollbackBody = z.strictObject({ programId: ProgramId.optional(), toVersion: z.number().int().min(1).optional() });

export function storeRoutes(deps: Pick<AppDeps, 'directory' | 'programs'>, requireRole: typeof RequireRole) {
  const app = new Hono<AuthEnv>();
  app.post('/', requireRole('admin'), async (c) => {
    const body = NewStore.parse(await c.req.json());
    await deps.directory.ensureStore(body);
    // A new store gets the programs published to every store.
    await deps.programs.publishStore(body.id);
    return c.json((await deps.directory.stores()).find((s) => s.id === body.id), 201);
  });
  app.get('/', requireRole('viewer'), async (c) => c.json({ items: await deps.directory.stores(), nextCursor: null }));
  app.patch('/:id', requireRole('admin'), async (c) => {
    const body = StoreChange.parse(await c.req.json());
    return c.json(await deps.directory.updateStore(StoreId.parse(c.req.param('id')), body), 200);
  });
  app.post('/:id/rules/rollback', requireRole('admin'), async (c) => {
    const text = await c.req.text();
    const body = RollbackBody.parse(text.trim() ? JSON.parse(text) : {});
    const storeId = StoreId.parse(c.req.param('id'));
    return c.json(await deps.programs.rollback(storeId, body, `api:${c.get('tokenId')}`), 200);
  });
  return app;
}
