/**
 * Routes as data (docs/api.md): each route of /api/v1 is declared once with zod schemas for its
 * path parameters, query, body and success response, the roles it needs and the error codes it
 * can answer. `defineRoute` registers it on Hono: it checks the role, reads the body as JSON
 * (415 for another content type, 400 `invalid_json` for an empty or broken body), parses the
 * parameters, query and body with the schemas, and types the handler's result by the response
 * schema, so a handler that returns the wrong shape does not compile. The same declarations
 * generate the OpenAPI document (openapi.ts). With `validateResponses` (tests turn it on) every
 * response is also checked against its schema at run time.
 */
import type { Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import type { ErrorCode } from '@loyalty/protocol';
import type { Logger } from '@loyalty/protocol/node';
import type { Role } from './api-tokens.js';
import { requireRole, type AuthEnv } from './auth.js';
import { HttpError, errorBody } from './errors.js';
import { idempotencyKey } from './idempotency-key.js';

type Method = 'get' | 'post' | 'put' | 'patch';
type Schema = z.ZodType;

export interface RouteSpec<P extends Schema, Q extends Schema, B extends Schema, R extends Schema> {
  method: Method;
  /** under /api/v1, Hono style: /cards/:number */
  path: string;
  operationId: string;
  summary: string;
  /** who may call it (admin always may); 'none': no token (checked by the route itself) */
  roles: Role[] | 'none';
  params?: P;
  query?: Q;
  body?: B;
  /** the body may be empty (read as {}) */
  emptyBody?: boolean;
  response: R;
  status?: 200 | 201 | 202;
  /** the named errors this route can answer besides the common ones (docs/api.md "Errors") */
  errors?: Array<ErrorCode | 'forbidden' | 'not_found'>;
  /** takes an Idempotency-Key header (docs/api.md: writes that move value) */
  idempotent?: boolean;
  /** also answers text/csv when asked (Accept: text/csv) */
  csv?: boolean;
  /** a description of the body where it is a document of its own (program documents) */
  bodyDescription?: string;
  /** the body is bytes of this media type, read by the handler itself (release tarballs) */
  binaryBody?: string;
  /** the success response is bytes of this media type, not JSON (release downloads) */
  binaryResponse?: string;
}

export interface RouteInput<P extends Schema, Q extends Schema, B extends Schema> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  /** the Idempotency-Key, namespaced as an op id (`http:{key}`), on idempotent routes */
  opId: string;
  /** who called, as audit records name them: `api:{token id}` */
  actor: string;
  role: Role;
}

export type AnyRouteSpec = RouteSpec<Schema, Schema, Schema, Schema>;

export interface RouteRegistry {
  readonly specs: AnyRouteSpec[];
  /** check each response against its schema (tests); a mismatch answers 500 response_schema_mismatch */
  validateResponses: boolean;
  log: Logger;
}

const EMPTY = z.strictObject({});

/** Registers one route; see the module comment for what it checks. */
export function defineRoute<P extends Schema = typeof EMPTY, Q extends Schema = typeof EMPTY, B extends Schema = typeof EMPTY, R extends Schema = Schema>(
  app: Hono<AuthEnv>,
  registry: RouteRegistry,
  spec: RouteSpec<P, Q, B, R>,
  handler: (c: Context<AuthEnv>, input: RouteInput<P, Q, B>) => Promise<z.input<R> | Response>,
): void {
  registry.specs.push(spec as unknown as AnyRouteSpec);
  const guards = spec.roles === 'none' ? [] : [requireRole(...spec.roles)];
  app.on([spec.method.toUpperCase()], [spec.path], ...guards, async (c) => {
    if (spec.binaryBody) requireBinary(c, spec.binaryBody);
    const input: RouteInput<P, Q, B> = {
      params: parseWith(spec.params ?? EMPTY, c.req.param(), 'path') as z.output<P>,
      query: parseWith(spec.query ?? EMPTY.loose(), c.req.query(), 'query') as z.output<Q>,
      body: (spec.body ? parseWith(spec.body, await readJson(c, spec.emptyBody ?? false), 'body') : undefined) as z.output<B>,
      opId: spec.idempotent ? idempotencyKey(c) : '',
      actor: spec.roles === 'none' ? 'anonymous' : `api:${c.get('tokenId')}`,
      role: c.get('role'),
    };
    const result = await handler(c, input);
    if (result instanceof Response) return result;
    if (registry.validateResponses) {
      const checked = spec.response.safeParse(result);
      if (!checked.success) {
        registry.log.error({ route: `${spec.method.toUpperCase()} ${spec.path}`, issues: checked.error.issues.slice(0, 5) }, 'response does not match its schema');
        return c.json(errorBody('response_schema_mismatch', `the response of ${spec.operationId} does not match its schema`, checked.error.issues.slice(0, 5)), 500);
      }
    }
    return c.json(result as object, (spec.status ?? 200) as ContentfulStatusCode);
  });
}

/** A bytes body must say it is bytes: a JSON or form body sent there by mistake is a 415. */
function requireBinary(c: Context, mediaType: string): void {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== mediaType && type !== 'application/octet-stream') {
    throw new HttpError(415, 'unsupported_media_type', `send the body as ${mediaType} or application/octet-stream (got ${JSON.stringify(type.slice(0, 60)) || 'none'})`);
  }
}

function parseWith(schema: Schema, value: unknown, where: 'path' | 'query' | 'body'): unknown {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  // Body issues keep their field paths (`items.0.unitPrice`), as POS integrations read them; path and query ones say where.
  const issues = where === 'body' ? parsed.error.issues : parsed.error.issues.map((i) => ({ ...i, path: [where, ...i.path] }));
  throw new HttpError(400, 'invalid_request', `the request ${where === 'body' ? 'body' : where === 'query' ? 'query' : 'path'} is not valid; see details`, issues);
}

/**
 * The body as JSON. Read as text first so a broken body is a named 400, never a 500, and the
 * error carries no body bytes (they may hold personal data).
 */
async function readJson(c: Context, emptyAllowed: boolean): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') {
    if (emptyAllowed) return {};
    throw new HttpError(400, 'invalid_json', 'the request has no body; send a JSON object with content-type: application/json');
  }
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', `send the body as JSON with content-type: application/json (got ${JSON.stringify(type.slice(0, 60)) || 'none'})`);
  }
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message quotes the body, which may hold personal data: say only what is wrong.
    throw new HttpError(400, 'invalid_json', 'the body is not valid JSON; send a JSON object with content-type: application/json');
  }
}
