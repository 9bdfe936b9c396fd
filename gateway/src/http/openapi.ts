/**
 * The OpenAPI 3.1 document of /api/v1, generated from the route declarations (route.ts): each
 * route's parameters, query, body and success response come from its zod schemas, each error
 * response lists the codes the route can answer. Served at /api/v1/openapi.json, with a plain
 * page at /docs (no CDN: stores' networks are closed). test/gateway/openapi.test.ts lints it.
 */
import { z } from 'zod';
import { HTTP_ERRORS, STATUS } from './errors.js';
import type { AnyRouteSpec } from './route.js';

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
};

const statusOf = (code: string): number => (code in HTTP_ERRORS ? HTTP_ERRORS[code as keyof typeof HTTP_ERRORS] : ((STATUS as Record<string, number>)[code] ?? 400));

const DESCRIPTIONS: Record<number, string> = {
  400: 'the request is not valid (`details` names the fields)',
  401: 'no valid API token',
  403: 'the token lacks the role',
  404: 'not found',
  409: 'conflicts with what happened before',
  413: 'the body is too large',
  415: 'the body is not JSON',
  422: 'a business rule refused it',
  429: 'too many attempts; try later',
  500: 'the gateway failed; try again',
  502: 'a dependency answered badly',
};

function errorResponses(spec: AnyRouteSpec): Record<string, unknown> {
  const codes = new Set<string>(['invalid_request', 'internal_error', ...(spec.errors ?? [])]);
  if (spec.body) for (const code of ['invalid_json', 'unsupported_media_type', 'payload_too_large']) codes.add(code);
  if (spec.roles !== 'none') for (const code of ['unauthorized', 'forbidden']) codes.add(code);
  if (spec.idempotent) codes.add('idempotency_key_reused');
  const byStatus = new Map<number, string[]>();
  for (const code of codes) byStatus.set(statusOf(code), [...(byStatus.get(statusOf(code)) ?? []), code]);
  return Object.fromEntries(
    [...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([status, list]) => [
        String(status),
        {
          description: `${DESCRIPTIONS[status] ?? 'refused'}: ${list.sort().join(', ')}`,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error', properties: { error: { enum: list.sort() } } } } },
        },
      ]),
  );
}

function parameters(spec: AnyRouteSpec): unknown[] {
  const out: unknown[] = [];
  const add = (where: 'path' | 'query', schema: z.ZodType | undefined) => {
    if (!schema) return;
    const json = toSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: property });
    }
  };
  add('path', spec.params);
  add('query', spec.query);
  if (spec.idempotent) {
    out.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: true,
      description: 'the same key and body answer the first response again (docs/api.md)',
      schema: { type: 'string', minLength: 1, maxLength: 128 },
    });
  }
  return out;
}

export function buildOpenApi(specs: AnyRouteSpec[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    const path = spec.path.replace(/:(\w+)/g, '{$1}');
    const success: Record<string, unknown> = spec.binaryResponse
      ? { [spec.binaryResponse]: { schema: { type: 'string', contentMediaType: spec.binaryResponse } } }
      : { 'application/json': { schema: toSchema(spec.response, 'output') } };
    if (spec.csv) success['text/csv'] = { schema: { type: 'string' } };
    const params = parameters(spec);
    paths[path] = paths[path] ?? {};
    paths[path][spec.method] = {
      operationId: spec.operationId,
      summary: spec.summary,
      description: spec.roles === 'none' ? 'No API token.' : `Roles: ${[...new Set(['admin', ...spec.roles])].join(', ')}.`,
      tags: [path.split('/')[1]],
      ...(params.length ? { parameters: params } : {}),
      ...(spec.body
        ? {
            requestBody: {
              required: !spec.emptyBody,
              ...(spec.bodyDescription ? { description: spec.bodyDescription } : {}),
              content: { 'application/json': { schema: toSchema(spec.body, 'input') } },
            },
          }
        : spec.binaryBody
          ? { requestBody: { required: true, content: { [spec.binaryBody]: { schema: { type: 'string', contentMediaType: spec.binaryBody } } } } }
          : {}),
      responses: { [String(spec.status ?? 200)]: { description: 'success', content: success }, ...errorResponses(spec) },
      ...(spec.roles === 'none' ? { security: [] } : {}),
    };
  }
  const tags = [...new Set(specs.map((s) => s.path.split('/')[1]!))].sort().map((name) => ({ name, description: `/${name} routes (docs/api.md)` }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'loyalty-kiosk gateway API',
      version: '1.0.0',
      description:
        'The HTTP contract of the loyalty-kiosk gateway. Conventions (tokens and roles, idempotency keys, integer money in minor units, RFC 3339 UTC times, error bodies) are in docs/api.md of the loyalty-kiosk repository; program documents in docs/programs.md; till receipts in docs/receipts.md.',
      license: { name: 'Proprietary', identifier: 'LicenseRef-loyalty-kiosk' },
    },
    servers: [{ url: '/api/v1' }],
    security: [{ bearer: [] }],
    tags,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: { type: 'object', required: ['error', 'message'], properties: { error: { type: 'string' }, message: { type: 'string' }, details: {} } },
      },
    },
    paths,
  };
}

/** A dependency-free page that lists the documented operations (no CDN: kiosks' LANs are closed). */
export function docsPage(document: ReturnType<typeof buildOpenApi>): string {
  const html = (text: string) => text.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
  const rows = Object.entries(document.paths)
    .flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => {
        const o = op as { summary: string; description: string };
        return `<tr><td>${method.toUpperCase()}</td><td><code>/api/v1${html(path)}</code></td><td>${html(o.summary)}</td><td>${html(o.description)}</td></tr>`;
      }),
    )
    .join('');
  return `<!doctype html><meta charset="utf-8"><title>loyalty-kiosk API</title><h1>loyalty-kiosk gateway API v1</h1><p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>. Send <code>Authorization: Bearer &lt;token&gt;</code>.</p><table border="1" cellpadding="4">${rows}</table>`;
}
