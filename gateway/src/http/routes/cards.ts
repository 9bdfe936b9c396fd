import { Hono } from 'hono';
import { CARD_NUMBER_PATTERN, normaliseUid } from '@loyalty/protocol';
import type { AppDeps } from '../app.js';
import type { AuthEnv, requireRole as RequireRole } from '../auth.js';
import { errorBody } from '../errors.js';
import type { CardRow } from '../../ledger/cards.js';

function cardView(card: CardRow) {
  return {
    number: card.number,
    uid: card.uid,
    status: card.status,
    customerId: card.customerId,
    programId: card.programId,
    balance: card.balance,
    tier: null,
    lots: [] as Array<{ points: number; expiresAt: string | null }>,
  };
}

export function cardRoutes(deps: Pick<AppDeps, 'ledger'>, requireRole: typeof RequireRole) {
  const cards = new Hono<AuthEnv>();
  cards.get('/', requireRole('pos', 'viewer'), async (c) => {
    const uid = normaliseUid(c.req.query('uid') ?? '');
    if (!uid) return c.json(errorBody('invalid_request', 'give ?uid= as a 4, 7 or 10 byte UID in hex'), 400);
    const card = await deps.ledger.findCard({ uid });
    return card ? c.json(cardView(card)) : c.json(errorBody('card_not_found', `no card with UID ${uid}`), 404);
  });
  cards.get('/:number', requireRole('pos', 'viewer'), async (c) => {
    const number = c.req.param('number');
    if (!CARD_NUMBER_PATTERN.test(number)) return c.json(errorBody('invalid_request', 'a card number is 5-19 digits'), 400);
    const card = await deps.ledger.findCard({ number });
    return card ? c.json(cardView(card)) : c.json(errorBody('card_not_found', `no card ${number}`), 404);
  });
  return cards;
}
