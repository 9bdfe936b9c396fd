import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../app.js';
import type { AuthEnv, requireRole as RequireRole } from '../auth.js';
import { CardField } from './value.js';

const Code = z.string().regex(/^\d{6}$/, 'the code is 6 digits');

export function registrationRoutes(deps: Pick<AppDeps, 'registrations'>, requireRole: typeof RequireRole) {
  const app = new Hono<AuthEnv>();
  app.post('/registrations', requireRole('pos'), async (c) => {
    const body = z.strictObject({ card: CardField, phone: z.string().max(40), name: z.string().trim().min(1).max(200).optional() }).parse(await c.req.json());
    return c.json(await deps.registrations.start(body), 202);
  });
  app.post('/registrations/:id/confirm', requireRole('pos'), async (c) => {
    const body = z.strictObject({ code: Code }).parse(await c.req.json());
    return c.json(await deps.registrations.confirm({ registrationId: c.req.param('id'), code: body.code, actor: `api:${c.get('tokenId')}` }));
  });
  app.post('/identifications', requireRole('pos'), async (c) => {
    const body = z.strictObject({ phone: z.string().max(40) }).parse(await c.req.json());
    return c.json(await deps.registrations.startIdentification(body), 202);
  });
  app.post('/identifications/:id/confirm', requireRole('pos'), async (c) => {
    const body = z.strictObject({ phone: z.string().max(40), code: Code }).parse(await c.req.json());
    return c.json(await deps.registrations.confirmIdentification({ identificationId: c.req.param('id'), ...body }));
  });
  return app;
}
