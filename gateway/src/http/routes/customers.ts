import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../app.js';
import type { AuthEnv, requireRole as RequireRole } from '../auth.js';
import { errorBody } from '../errors.js';

export const NewCustomer = z.strictObject({
  name: z.string().trim().min(1).max(200),
  phone: z.string().max(40).optional(),
  email: z.email().max(254).optional(),
  birthday: z.iso.date().optional(),
  referredBy: z.string().uuid().optional(),
  marketingConsent: z.boolean().optional(),
});

export function customerRoutes(deps: Pick<AppDeps, 'customers'>, requireRole: typeof RequireRole) {
  const app = new Hono<AuthEnv>();
  app.post('/', requireRole('pos'), async (c) => c.json(await deps.customers.create(NewCustomer.parse(await c.req.json())), 201));
  app.get('/', requireRole('pos', 'viewer'), async (c) => {
    const phone = c.req.query('phone');
    if (!phone) return c.json(errorBody('invalid_request', 'look customers up by ?phone='), 400);
    return c.json({ items: await deps.customers.findByPhone(phone), nextCursor: null });
  });
  app.get('/:id', requireRole('pos', 'viewer'), async (c) => c.json(await deps.customers.details(c.req.param('id'))));
  app.get('/:id/export', requireRole('admin'), async (c) => c.json(await deps.customers.export(c.req.param('id'))));
  app.post('/:id/erase', requireRole('admin'), async (c) => c.json(await deps.customers.erase(c.req.param('id'), `api:${c.get('tokenId')}`)));
  return app;
}
