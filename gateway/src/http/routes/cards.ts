/** Cards (docs/api.md "Customers and cards"): issue, batches, link, block, replace, look-ups, statement, events. */
import { isValidCardNumber, normaliseUid } from '@loyalty/protocol';
import type { Hono } from 'hono';
import { z } from 'zod';
import type { CardRow } from '../../ledger/cards.js';
import type { AuthEnv } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import { cardDetails } from '../../members/card-details.js';
import { defineRoute, type RouteRegistry } from '../route.js';
import { Text, CardBatch, CardEvents, CardNumber, CardReplaced, CardView, HotlistView, IssuedCard, Statement } from '../schemas.js';

const Reason = Text(3, 500, 'say why (at least 3 characters)');
const NumberParam = z.object({ number: CardNumber });
const Uid = z.string().transform((raw, ctx) => {
  const uid = normaliseUid(raw);
  if (uid) return uid;
  ctx.addIssue({ code: 'custom', message: 'a 4, 7 or 10 byte UID in hex' });
  return z.NEVER;
});
const CheckedNumber = CardNumber.refine(isValidCardNumber, 'card number not valid: the check digit does not match');

export const NewBatch = z.strictObject({ programId: z.string().min(1).max(64), count: z.number().int().min(1).max(10_000), firstNumber: z.number().int().min(10001).max(1e15).optional() });
export const NewCard = z.strictObject({ programId: z.string().min(1).max(64), number: CheckedNumber.optional(), uid: z.string().max(40).optional(), customerId: z.string().optional() });
export const LinkBody = z.strictObject({ customerId: z.string().min(1), correction: z.strictObject({ reason: Reason }).optional() });
export const BlockBody = z.strictObject({ reason: Reason });
export const ReplaceBody = z.strictObject({ newNumber: CheckedNumber.optional(), newUid: z.string().max(40).optional(), reason: Reason });

export function cardRoutes(api: Hono<AuthEnv>, routes: RouteRegistry, deps: Pick<AppDeps, 'ledger' | 'cards'>): void {
  const cardView = async (card: CardRow): Promise<z.input<typeof CardView>> => {
    const { wallet, ...details } = await cardDetails(deps.ledger, card);
    return { ...details, ...(wallet ? { wallet } : {}) };
  };

  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/cards/batches',
      operationId: 'createCardBatch',
      summary: 'Reserve numbered, unlinked cards for a print shop (Accept: text/csv for CSV)',
      roles: ['admin'],
      body: NewBatch,
      response: CardBatch,
      status: 201,
      csv: true,
      errors: ['program_not_found'],
    },
    async (c, { body, actor }) => {
      const batch = await deps.cards.batch({ ...body, actor });
      if ((c.req.header('accept') ?? '').includes('text/csv') || c.req.query('format') === 'csv') {
        return c.body(`number\n${batch.numbers.join('\n')}\n`, 201, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="cards-${batch.numbers[0]}.csv"` });
      }
      return batch;
    },
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/cards',
      operationId: 'issueCard',
      summary: 'Issue one card',
      roles: ['pos'],
      body: NewCard,
      response: IssuedCard,
      status: 201,
      errors: ['card_exists', 'program_not_found', 'customer_not_found'],
    },
    async (_c, { body, actor }) => {
      const card = await deps.cards.issue({ ...body, actor });
      return { number: card.number, uid: card.uid, status: card.status, customerId: card.customerId, programId: card.programId };
    },
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/cards/:number/link',
      operationId: 'linkCard',
      summary: 'Link to a customer; moving a linked card needs correction.reason and admin',
      roles: ['pos'],
      params: NumberParam,
      body: LinkBody,
      response: CardView,
      errors: ['card_not_found', 'customer_not_found', 'card_linked_elsewhere', 'forbidden'],
    },
    async (_c, { params, body, actor, role }) => {
      if (body.correction && role !== 'admin') throw new HttpError(403, 'forbidden', 'correcting a wrong link needs an admin token');
      return cardView(await deps.cards.link({ number: params.number, ...body, actor }));
    },
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/cards/:number/block',
      operationId: 'blockCard',
      summary: 'Block with a reason; bumps the hotlist',
      roles: ['pos'],
      params: NumberParam,
      body: BlockBody,
      response: CardView,
      errors: ['card_not_found', 'card_blocked'],
    },
    async (_c, { params, body, actor }) => cardView(await deps.cards.block({ number: params.number, reason: body.reason, actor })),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'post',
      path: '/cards/:number/replace',
      operationId: 'replaceCard',
      summary: 'Lost card: the new card takes over the account; the old one is blocked',
      roles: ['pos'],
      params: NumberParam,
      body: ReplaceBody,
      response: CardReplaced,
      status: 201,
      idempotent: true,
      errors: ['card_not_found', 'card_blocked', 'idempotency_key_reused'],
    },
    async (_c, { params, body, actor, opId }) => {
      const { result: _r, hotlistVersion: _h, ...replaced } = await deps.cards.replace({ opId, number: params.number, ...body, actor });
      return replaced;
    },
  );
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/cards/:number/events',
      operationId: 'cardEvents',
      summary: 'The card’s life: issued, linked, blocked, replaced … with actor',
      roles: ['viewer'],
      params: NumberParam,
      response: CardEvents,
    },
    async (_c, { params }) => ({
      items: await deps.cards.events(params.number),
      nextCursor: null,
    }),
  );
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/cards',
      operationId: 'findCardByUid',
      summary: 'Find a card by NFC UID (?uid=)',
      roles: ['pos', 'viewer'],
      query: z.object({ uid: Uid }),
      response: CardView,
      errors: ['card_not_found'],
    },
    async (_c, { query }) => {
      const card = await deps.ledger.findCard({ uid: query.uid });
      if (!card) throw new HttpError(404, 'card_not_found', `no card with UID ${query.uid}`);
      return cardView(card);
    },
  );
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/cards/:number',
      operationId: 'getCard',
      summary: 'A card with balance, available, held, lots, next expiry, wallet',
      roles: ['pos', 'viewer'],
      params: NumberParam,
      response: CardView,
      errors: ['card_not_found'],
    },
    async (_c, { params }) => {
      const card = await deps.ledger.findCard({ number: params.number });
      if (!card) throw new HttpError(404, 'card_not_found', `no card ${params.number}`);
      return cardView(card);
    },
  );
  defineRoute(
    api,
    routes,
    {
      method: 'get',
      path: '/cards/:number/statement',
      operationId: 'cardStatement',
      summary: 'Movements newest first with a running balance (?limit=&cursor=)',
      roles: ['pos', 'viewer'],
      params: NumberParam,
      query: z.object({
        limit: z.coerce.number().int().min(1).max(500).default(50),
        cursor: z
          .string()
          .regex(/^\d{1,15}$/, 'a value from nextCursor')
          .optional(),
      }),
      response: Statement,
      errors: ['card_not_found'],
    },
    async (_c, { params, query }) => deps.ledger.statement(params.number, query.limit, query.cursor === undefined ? undefined : Number(query.cursor)),
  );
  defineRoute(api, routes, { method: 'get', path: '/hotlist', operationId: 'getHotlist', summary: 'Blocked cards with the hotlist version', roles: ['viewer'], response: HotlistView }, async () =>
    deps.cards.hotlist(),
  );
}
