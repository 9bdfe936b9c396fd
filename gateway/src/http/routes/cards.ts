import { Hono } from 'hono';
import { CARD_NUMBER_PATTERN, normaliseUid } from '@loyalty/protocol';
import type { AppDeps } from '../app.js';
import type { AuthEnv, requireRole as RequireRole } from '../auth.js';
import { errorBody } from '../errors.js';
import type { CardRow } from '../../ledger/cards.js';

export function cardRoutes(deps: Pick<AppDeps, 'ledger'>, requireRole: typeof RequireRole) {
  const cards = new Hono<AuthEnv>();
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
      tier: null,
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
