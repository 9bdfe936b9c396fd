/**
 * The OpenAPI 3.1 description of what this gateway serves (API.md asks for one at
 * /api/v1/openapi.json). Kept beside the routes; test/gateway/http.test.ts checks that every
 * documented path answers.
 */
import { z } from 'zod';
import { NewCustomer } from './routes/customers.js';
import { AdjustmentBody, PurchaseBody, RedemptionBody, RefundBody, SaleBody } from './routes/value.js';
import { EntranceBody, MembershipBody, PublishBody } from './routes/programs.js';
import { RollbackBody, StoreChange } from './routes/stores.js';

const error = { $ref: '#/components/schemas/Error' };
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const errors = {
  '400': { description: 'invalid input', ...json(error) },
  '401': { description: 'no valid API token', ...json(error) },
  '403': { description: 'the token lacks the role', ...json(error) },
  '404': { description: 'not found', ...json(error) },
};



interface Operation {
  method: 'get' | 'post' | 'put' | 'patch';
  /** under /api/v1, with {params} */
  path: string;
  summary: string;
  roles: string;
  body?: z.ZodType;
  /** what the body holds, for bodies without a shared schema */
  bodyText?: string;
  status?: string;
  idempotent?: boolean;
}

/** Every route /api/v1 serves. test/gateway/http.test.ts checks the app has no route missing here. */
export const OPERATIONS: Operation[] = [
  { method: 'get', path: '/cards', summary: 'Find a card by NFC UID (?uid=)', roles: 'pos, viewer' },
  { method: 'get', path: '/cards/{number}', summary: 'A card with balance, available, held, lots, next expiry, wallet', roles: 'pos, viewer' },
  { method: 'get', path: '/cards/{number}/statement', summary: 'Movements newest first with a running balance (?limit=&cursor=)', roles: 'pos, viewer' },
  { method: 'get', path: '/cards/{number}/events', summary: 'The card’s life: issued, linked, blocked, replaced … with actor', roles: 'viewer' },
  { method: 'post', path: '/cards/batches', summary: 'Reserve numbered, unlinked cards for a print shop (Accept: text/csv for CSV)', roles: 'admin', bodyText: '{programId, count, firstNumber?}', status: '201' },
  { method: 'post', path: '/cards', summary: 'Issue one card', roles: 'pos', bodyText: '{programId, number?, uid?, customerId?}', status: '201' },
  { method: 'post', path: '/cards/{number}/link', summary: 'Link to a customer; moving a linked card needs correction.reason and admin', roles: 'pos', bodyText: '{customerId, correction?: {reason}}' },
  { method: 'post', path: '/cards/{number}/block', summary: 'Block with a reason; bumps the hotlist', roles: 'pos', bodyText: '{reason}' },
  { method: 'post', path: '/cards/{number}/replace', summary: 'Lost card: the new card takes over the account; the old one is blocked', roles: 'pos', bodyText: '{newNumber?, newUid?, reason}', status: '201', idempotent: true },
  { method: 'get', path: '/hotlist', summary: 'Blocked cards with the hotlist version', roles: 'viewer' },
  { method: 'post', path: '/purchases', summary: 'A purchase: optional points redemption, then points on what was paid', roles: 'pos', body: PurchaseBody, status: '201', idempotent: true },
  { method: 'post', path: '/quotes', summary: 'What a purchase would give (the body of /purchases), without moving value; an admin may send {member, at} instead of card (what-if)', roles: 'pos', body: PurchaseBody },
  { method: 'post', path: '/sales', summary: 'The till registers a sale; a kiosk scan of its receipt barcode (the `code` returned) may then claim it once, within the claim window', roles: 'pos', body: SaleBody, status: '201', idempotent: true },
  { method: 'post', path: '/refunds', summary: 'Reverse a purchase’s points pro rata; spent points become a clawback debt', roles: 'pos', body: RefundBody, status: '201', idempotent: true },
  { method: 'post', path: '/redemptions', summary: 'Spend points for a single-use coupon', roles: 'pos', body: RedemptionBody, status: '201', idempotent: true },
  { method: 'post', path: '/redemptions/holds', summary: 'Hold points and send the owner an SMS code to confirm', roles: 'pos', bodyText: '{card, storeId, points}', status: '202', idempotent: true },
  { method: 'post', path: '/redemptions/holds/{holdId}/confirm', summary: 'Confirm a held redemption with the SMS code', roles: 'pos', bodyText: '{confirmationId, code, storeId, currency?}', status: '201' },
  { method: 'post', path: '/adjustments', summary: 'Manual correction with a reason (never below zero)', roles: 'admin', body: AdjustmentBody, status: '201', idempotent: true },
  { method: 'post', path: '/coupons/{code}/redeem', summary: 'Use a coupon once (409 coupon_used after)', roles: 'pos', bodyText: '{storeId}' },
  { method: 'get', path: '/programs', summary: 'Programs with their current (published) and draft versions', roles: 'viewer, pos' },
  { method: 'get', path: '/programs/{id}', summary: 'A program: the newest published version, the newest draft, and per store the version it runs, its bundle and how many kiosks report running it', roles: 'viewer, pos' },
  { method: 'put', path: '/programs/{id}', summary: 'Store a program document as a new draft version (docs/programs.md); field-level errors in details', roles: 'admin', bodyText: 'program document' },
  { method: 'post', path: '/programs/{id}/publish', summary: 'Publish the newest version (or an older `version`) to some or all stores; stores not listed keep what they run; a signed bundle, retained on the rules topic of each store that changes', roles: 'admin', body: PublishBody },
  { method: 'post', path: '/programs/{id}/entrance', summary: 'Club entrance check: allowed, or denied with the reason', roles: 'pos', body: EntranceBody },
  { method: 'post', path: '/memberships', summary: 'Join a club or pay a paid membership (renewals extend it)', roles: 'pos', body: MembershipBody, status: '201', idempotent: true },
  { method: 'get', path: '/ledger/verify', summary: 'Invariants and hash chain (500 when violated)', roles: 'viewer' },
  { method: 'post', path: '/customers', summary: 'Create a customer (phone normalised to E.164, unique)', roles: 'pos', body: NewCustomer, status: '201' },
  { method: 'get', path: '/customers', summary: 'Find customers by ?phone=', roles: 'pos, viewer' },
  { method: 'get', path: '/customers/{id}', summary: 'A customer with cards, balances and lots', roles: 'pos, viewer' },
  { method: 'get', path: '/customers/{id}/export', summary: 'Everything held about the person', roles: 'admin' },
  { method: 'post', path: '/customers/{id}/erase', summary: 'Anonymise the person; the ledger stays whole', roles: 'admin' },
  { method: 'post', path: '/registrations', summary: 'Register a card with a phone: sends an SMS code', roles: 'pos', bodyText: '{card, phone, name?}', status: '202' },
  { method: 'post', path: '/registrations/{id}/confirm', summary: 'Confirm with the code: the card becomes the customer’s and active', roles: 'pos', bodyText: '{code}' },
  { method: 'post', path: '/identifications', summary: 'Identify a customer by phone: sends an SMS code', roles: 'pos', bodyText: '{phone}', status: '202' },
  { method: 'post', path: '/identifications/{id}/confirm', summary: 'Confirm with the code: the customer with cards', roles: 'pos', bodyText: '{phone, code}' },
  { method: 'post', path: '/stores', summary: 'Create a store (idempotent by id)', roles: 'admin', bodyText: '{id, name, timezone?}', status: '201' },
  { method: 'get', path: '/stores', summary: 'All stores', roles: 'viewer' },
  { method: 'patch', path: '/stores/{id}', summary: 'Rename a store, or allow a few receipts without a till record per card a day (legacyReceiptsPerCardPerDay, 0 = none)', roles: 'admin', body: StoreChange },
  { method: 'post', path: '/stores/{id}/rules/rollback', summary: 'Put a store back on earlier rules: its previous bundle, a program’s previous version, or {programId, toVersion}; a new, higher bundle version', roles: 'admin', body: RollbackBody },
  { method: 'get', path: '/kiosks', summary: 'Kiosks with online state, last seen, key fingerprint, telemetry (?storeId=)', roles: 'viewer' },
  { method: 'get', path: '/kiosks/{id}', summary: 'One kiosk', roles: 'viewer' },
  { method: 'post', path: '/kiosks/{id}/revoke', summary: 'Cut a kiosk off at once (broker and messages)', roles: 'admin', bodyText: '{reason}' },
  { method: 'post', path: '/enrollments', summary: 'A one-time pairing code for a store (15 minutes)', roles: 'admin', bodyText: '{storeId}', status: '201' },
  { method: 'post', path: '/enrollments/claim', summary: 'A kiosk claims a pairing code with proof of its key (no token: the code is the credential)', roles: 'none', bodyText: '{code, publicKey, proof, kioskId?}', status: '201' },
  { method: 'get', path: '/gateway', summary: 'This gateway’s sender id and key fingerprints', roles: 'viewer' },
  { method: 'post', path: '/broker/auth', summary: 'External broker hook: may this kiosk log in (X-Broker-Secret)', roles: 'broker secret', bodyText: '{username, password, clientid}' },
  { method: 'post', path: '/broker/acl', summary: 'External broker hook: may this client publish/subscribe this topic (X-Broker-Secret)', roles: 'broker secret', bodyText: '{username, topic, action}' },
];

function buildPaths() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const parameters = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (op.idempotent) parameters.push({ name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string' } } as never);
    const requestBody = op.body
      ? { required: true, ...json(z.toJSONSchema(op.body, { io: 'input', unrepresentable: 'any' }) as object) }
      : op.bodyText
        ? { required: true, description: op.bodyText, ...json({ type: 'object' }) }
        : undefined;
    (paths[op.path] ??= {})[op.method] = {
      summary: `${op.summary} (roles: ${op.roles})`,
      ...(parameters.length ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses: { [op.status ?? '200']: { description: 'success', ...json({ type: 'object' }) }, ...errors },
      ...(op.roles === 'none' || op.roles === 'broker secret' ? { security: [] } : {}),
    };
  }
  return paths;
}

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
  paths: buildPaths(),
} as const;

/** A dependency-free page that lists the documented operations (no CDN: kiosks' LANs are closed). */
export function docsPage(): string {
  const rows = Object.entries(openApiDocument.paths)
    .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => `<tr><td>${method.toUpperCase()}</td><td><code>/api/v1${path}</code></td><td>${(op as { summary: string }).summary}</td></tr>`))
    .join('');
  return `<!doctype html><meta charset="utf-8"><title>loyalty-kiosk API</title><h1>loyalty-kiosk gateway API v1</h1><p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>. Send <code>Authorization: Bearer &lt;token&gt;</code>.</p><table border="1" cellpadding="4">${rows}</table>`;
}
