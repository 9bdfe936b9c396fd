import { Hono } from 'hono';
import type { AppDeps } from '../app.js';
import type { AuthEnv, requireRole as RequireRole } from '../auth.js';
import { errorBody } from '../errors.js';

export function kioskRoutes(deps: Pick<AppDeps, 'registry'>, requireRole: typeof RequireRole) {
  const kiosks = new Hono<AuthEnv>();
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
