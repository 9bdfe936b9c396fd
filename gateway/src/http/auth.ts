import type { MiddlewareHandler } from 'hono';
import type { ApiTokens, Role } from './api-tokens.js';
import { errorBody } from './errors.js';

/** The caller's role, and the token id that audit records name (never the token itself). */
export type AuthEnv = { Variables: { role: Role; tokenId: string } };

/** Bearer-token authentication for /api/v1: 401 without a valid token (docs/api.md). */
export function authenticate(tokens: ApiTokens): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      return c.json(errorBody('unauthorized', 'send an API token: Authorization: Bearer <token> (an operator creates one with `npm run admin -- token create --role pos`)'), 401);
    }
    const caller = await tokens.identify(match[1]!);
    if (!caller) return c.json(errorBody('unauthorized', 'the API token is unknown or revoked'), 401);
    c.set('role', caller.role);
    c.set('tokenId', caller.id);
    await next();
  };
}

/** 403 unless the caller's role is one of `allowed`; admin may do everything. */
export function requireRole(...allowed: Role[]): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const role = c.get('role');
    if (role !== 'admin' && !allowed.includes(role)) {
      return c.json(errorBody('forbidden', `this needs one of the roles ${['admin', ...allowed].join(', ')}; the token has role ${role}`), 403);
    }
    await next();
  };
}
