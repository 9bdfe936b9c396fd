/**
 * The OpenAPI 3.1 description of what this gateway serves (API.md asks for one at
 * /api/v1/openapi.json). Kept beside the routes; test/gateway/http.test.ts checks that every
 * documented path answers.
 */
const error = { $ref: '#/components/schemas/Error' };
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const errors = {
  '400': { description: 'invalid input', ...json(error) },
  '401': { description: 'no valid API token', ...json(error) },
  '403': { description: 'the token lacks the role', ...json(error) },
  '404': { description: 'not found', ...json(error) },
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: { title: 'loyalty-kiosk gateway API', version: '1.0.0', description: 'See API.md for the conventions: bearer tokens with roles, integer money in minor units, RFC 3339 UTC times.' },
  servers: [{ url: '/api/v1' }],
  security: [{ bearer: [] }],
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Error: { type: 'object', required: ['error', 'message'], properties: { error: { type: 'string' }, message: { type: 'string' }, details: {} } },
      Card: {
        type: 'object',
        required: ['number', 'status', 'programId', 'balance', 'lots'],
        properties: {
          number: { type: 'string', pattern: '^[0-9]{5,19}$' },
          uid: { type: ['string', 'null'] },
          status: { enum: ['active', 'blocked', 'unlinked'] },
          customerId: { type: ['string', 'null'] },
          programId: { type: 'string' },
          balance: { type: 'integer' },
          tier: { type: ['string', 'null'] },
          lots: { type: 'array', items: { type: 'object', properties: { points: { type: 'integer' }, expiresAt: { type: ['string', 'null'], format: 'date-time' } } } },
        },
      },
      Kiosk: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          storeId: { type: 'string' },
          status: { enum: ['active', 'revoked'] },
          online: { type: 'boolean' },
          lastSeen: { type: ['string', 'null'], format: 'date-time' },
          keyFingerprint: { type: 'string' },
          telemetry: { type: ['object', 'null'] },
        },
      },
    },
  },
  paths: {
    '/cards': {
      get: {
        summary: 'Find a card by its NFC UID (roles: pos, viewer)',
        parameters: [{ name: 'uid', in: 'query', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'the card', ...json({ $ref: '#/components/schemas/Card' }) }, ...errors },
      },
    },
    '/cards/{number}': {
      get: {
        summary: 'A card with its balance (roles: pos, viewer)',
        parameters: [{ name: 'number', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'the card', ...json({ $ref: '#/components/schemas/Card' }) }, ...errors },
      },
    },
    '/kiosks': {
      get: {
        summary: 'Kiosks with online state, last seen and health (role: viewer)',
        parameters: [{ name: 'storeId', in: 'query', required: false, schema: { type: 'string' } }],
        responses: { '200': { description: 'list', ...json({ type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Kiosk' } }, nextCursor: { type: ['string', 'null'] } } }) }, ...errors },
      },
    },
    '/kiosks/{id}': {
      get: {
        summary: 'One kiosk (role: viewer)',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'the kiosk', ...json({ $ref: '#/components/schemas/Kiosk' }) }, ...errors },
      },
    },
  },
} as const;

/** A dependency-free page that lists the documented operations (no CDN: kiosks' LANs are closed). */
export function docsPage(): string {
  const rows = Object.entries(openApiDocument.paths)
    .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => `<tr><td>${method.toUpperCase()}</td><td><code>/api/v1${path}</code></td><td>${(op as { summary: string }).summary}</td></tr>`))
    .join('');
  return `<!doctype html><meta charset="utf-8"><title>loyalty-kiosk API</title><h1>loyalty-kiosk gateway API v1</h1><p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>. Send <code>Authorization: Bearer &lt;token&gt;</code>.</p><table border="1" cellpadding="4">${rows}</table>`;
}
