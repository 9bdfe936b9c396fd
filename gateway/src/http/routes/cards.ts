import { Hono } from 'hono';
import { CARD_NUMBER_PATTERN, isValidCardNumber, normaliseUid } from '@loyalty/protocol';
import { z } from 'zod';
import { idempotencyKey } from '../idempotency-key.js';
import type { AppDeps } from '../app.js';
import type { AuthEnv, requireRole as RequireRole } from '../auth.js';
import { errorBody } from '../errors.js';
import type { CardRow } from '../../ledger/cards.js';

const Reason = z.string().trim().min(3, 'say why (at least 3 characters)').max(500);

export function cardRoutes(deps: Pick<AppDeps, 'ledger' | 'cards'>, requireRole: typeof RequireRole) {
  const cards = new Hono<AuthEnv>();
  const actor = (c: { get: (k: 'tokenId') => string }) => `api:${c.get('tokenId')}`;

  cards.post('/batches', requireRole('admin'), async (c) => {
    const body = z.strictObject({ programId: z.string().min(1).max(64), count: z.number().int().min(1).max(10_000), firstNumber: z.number().int().min(10001).max(1e15).optional() }).parse(await c.req.json());
    const batch = await deps.cards.batch({ ...body, actor: actor(c) });
    if ((c.req.header('accept') ?? '').includes('text/csv') || c.req.query('format') === 'csv') {
      return c.body(`number\n${batch.numbers.join('\n')}\n`, 201, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="cards-${batch.numbers[0]}.csv"` });
    }
    return c.json(batch, 201);
  });
  cards.post('/', requireRole('pos'), async (c) => {
    const body = z.strictObject({ programId: z.string().min(1).max(64), number: z.string().regex(/^[0-9]{5,19}$/).optional(), uid: z.string().max(40).optional(), customerId: z.string().optional() }).parse(await c.req.json());
    if (body.number !== undefined && !isValidCardNumber(body.number)) return c.json(errorBody('invalid_request', 'card number not valid: the check digit does not match'), 400);
    const card = await deps.cards.issue({ ...body, actor: actor(c) });
    return c.json({ number: card.number, uid: card.uid, status: card.status, customerId: card.customerId, programId: card.programId }, 201);
  });
  cards.post('/:number/link', requireRole('pos'), async (c) => {
    const body = z.strictObject({ customerId: z.string().min(1), correction: z.strictObject({ reason: Reason }).optional() }).parse(await c.req.json());
    if (body.correction && c.get('role') !== 'admin') return c.json(errorBody('forbidden', 'correcting a wrong link needs an admin token'), 403);
    return c.json(await cardView(await deps.cards.link({ number: c.req.param('number'), ...body, actor: actor(c) })));
  });
  cards.post('/:number/block', requireRole('pos'), async (c) => {
    const body = z.strictObject({ reason: Reason }).parse(await c.req.json());
    return c.json(await cardView(await deps.cards.block({ number: c.req.param('number'), reason: body.reason, actor: actor(c) })));
  });
  cards.post('/:number/replace', requireRole('pos'), async (c) => {
    const opId = idempotencyKey(c);
    const body = z.strictObject({ newNumber: z.string().regex(/^[0-9]{5,19}$/).optional(), newUid: z.string().max(40).optional(), reason: Reason }).parse(await c.req.json());
    if (body.newNumber !== undefined && !isValidCardNumber(body.newNumber)) return c.json(errorBody('invalid_request', 'newNumber not valid: the check digit does not match'), 400);
    const { result: _r, hotlistVersion: _h, ...replaced } = await deps.cards.replace({ opId, number: c.req.param('number'), ...body, actor: actor(c) });
    return c.json(replaced, 201);
  });
  cards.get('/:number/events', requireRole('viewer'), async (c) => c.json({ items: await deps.cards.events(c.req.param('number')), nextCursor: null }));
  const cardView = async (card: CardRow) => {
    const lots = await deps.ledger.lots(card.accountId);
    const held = await deps.ledger.held(card.accountId);
    const [wallet] = await deps.ledger.wallets(card.accountId);
    return {
      number: card.number,
      uid: card.uid,
      status: card.status,
      customerId: card.customerId,
      programId: card.programId,
      balance: card.balance,
      available: card.balance - held,
      held,
      tier: await deps.ledger.heldTier(card.accountId),
      lots,
      nextExpiry: lots.find((l) => l.expiresAt !== null) ?? null,
      ...(wallet ? { wallet } : {}),
    };
  };
  cards.get('/', requireRole('pos', 'viewer'), async (c) => {
    const uid = normaliseUid(c.req.query('uid') ?? '');
    if (!uid) return c.json(errorBody('invalid_request', 'give ?uid= as a 4, 7 or 10 byte UID in hex'), 400);
    const card = await deps.ledger.findCard({ uid });
    return card ? c.json(await cardView(card)) : c.json(errorBody('card_not_found', `no card with UID ${uid}`), 404);
  });
  cards.get('/:number', requireRole('pos', 'viewer'), async (c) => {
    const number = c.req.param('number');
    if (!CARD_NUMBER_PATTERN.test(number)) return c.json(errorBody('invalid_request', 'a card number is 5-19 digits'), 400);
    const card = await deps.ledger.findCard({ number });
    return card ? c.json(await cardView(card)) : c.json(errorBody('card_not_found', `no card ${number}`), 404);
  });
  cards.get('/:number/statement', requireRole('pos', 'viewer'), async (c) => {
    const number = c.req.param('number');
    if (!CARD_NUMBER_PATTERN.test(number)) return c.json(errorBody('invalid_request', 'a card number is 5-19 digits'), 400);
    const limit = Number(c.req.query('limit') ?? 50);
    const cursor = c.req.query('cursor');
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) return c.json(errorBody('invalid_request', 'limit must be 1-500'), 400);
    if (cursor !== undefined && !/^\d{1,15}$/.test(cursor)) return c.json(errorBody('invalid_request', 'cursor must be a value from nextCursor'), 400);
    return c.json(await deps.ledger.statement(number, limit, cursor === undefined ? undefined : Number(cursor)));
  });
  return cards;
}
