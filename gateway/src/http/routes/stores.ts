import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../app.js';
import type { AuthEnv, requireRole as RequireRole } from '../auth.js';

const NewStore = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'use 1-64 of A-Z a-z 0-9 _ -'),
  name: z.string().trim().min(1).max(120),
  timezone: z.string().refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', 'an IANA time zone such as Europe/Berlin').optional(),
});

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
  return app;
}
