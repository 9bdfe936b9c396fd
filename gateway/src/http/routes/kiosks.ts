import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../app.js';
import type { AuthEnv, requireRole as RequireRole } from '../auth.js';
import { errorBody } from '../errors.js';

export function kioskRoutes(deps: Pick<AppDeps, 'registry' | 'revokeKiosk'>, requireRole: typeof RequireRole) {
  const kiosks = new Hono<AuthEnv>();
  kiosks.post('/:id/revoke', requireRole('admin'), async (c) => {
    const body = z.strictObject({ reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500) }).parse(await c.req.json());
    if (!deps.registry.get(c.req.param('id'))) return c.json(errorBody('not_found', `no kiosk ${c.req.param('id')}`), 404);
    return c.json(await deps.revokeKiosk(c.req.param('id'), body.reason));
  });
  kiosks.get('/', requireRole('viewer'), async (c) => {
    const storeId = c.req.query('storeId');
    return c.json({ items: await deps.registry.list(storeId ? { storeId } : {}), nextCursor: null });
  });
  kiosks.get('/:id', requireRole('viewer'), async (c) => {
    const kiosk = (await deps.registry.list()).find((k) => k.id === c.req.param('id'));
    return kiosk ? c.json(kiosk) : c.json(errorBody('not_found', `no kiosk ${c.req.param('id')}`), 404);
  });
  return kiosks;
}
