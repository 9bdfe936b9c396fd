import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../app.js';
import { authenticate, requireRole, type AuthEnv } from '../auth.js';

/** Pairing codes: created by an admin; claimed by a kiosk without a token (the code is the credential). */
export function enrollmentRoutes(deps: Pick<AppDeps, 'enrollments' | 'tokens'>) {
  const app = new Hono<AuthEnv>();
  app.post('/claim', async (c) => {
    const body = z
      .strictObject({ code: z.string().min(4).max(32), publicKey: z.string().max(64), proof: z.string().max(128), kioskId: z.string().max(64).optional() })
      .parse(await c.req.json());
    let source = 'unknown';
    try {
      source = getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      // app.request() in tests has no socket
    }
    return c.json(await deps.enrollments.claim({ ...body, source }), 201);
  });
  app.post('/', authenticate(deps.tokens), requireRole('admin'), async (c) => {
    const body = z.strictObject({ storeId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }).parse(await c.req.json());
    return c.json(await deps.enrollments.create(body.storeId), 201);
  });
  return app;
}
