/**
 * The signed card token (docs/offline.md): with every online identify the gateway signs what a
 * kiosk may rely on while it cannot reach the gateway — the member as the identify reply showed
 * them, the card it is for, until when, and the card's offline spending limits. It is an EMV-style
 * offline allowance: the kiosk keeps it, and a tap while offline shows the member from it and may
 * pay points out within its limits.
 *
 *   token = BASE64URL(claims JSON) "." BASE64URL(Ed25519(gateway key, "loyalty-card-token:v1:" + first part))
 *
 * The kiosk checks the signature against the gateway keys it trusts each time it uses a token, so
 * a token altered on disk, or made up, is refused by name. It carries no name or phone beyond the
 * masked display name the kiosk shows anyway.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { CARD_NUMBER_PATTERN, CARD_UID_PATTERN } from './card-number.js';
import { IdentifyData } from './messages.js';
import { ID_PATTERN } from './topics.js';

const CONTEXT = 'loyalty-card-token:v1:';
/** Tokens are small; anything much larger is not one of ours (and is not parsed). */
export const MAX_CARD_TOKEN_CHARS = 8192;

export const OfflineLimits = z.strictObject({
  /** points this card may spend offline in all, while the token is valid */
  perCardPoints: z.number().int().min(0).max(1_000_000_000),
  /** points one offline redemption may spend */
  perTransactionPoints: z.number().int().min(0).max(1_000_000_000),
});
export type OfflineLimits = z.infer<typeof OfflineLimits>;

export const CardTokenClaims = z.strictObject({
  v: z.literal(1),
  /** the card: its number, and the UID the kiosk tapped when it was a tap */
  card: z.strictObject({ number: z.string().regex(CARD_NUMBER_PATTERN), uid: z.string().regex(CARD_UID_PATTERN).optional() }),
  storeId: z.string().regex(ID_PATTERN),
  issuedAt: z.iso.datetime(),
  validUntil: z.iso.datetime(),
  limits: OfflineLimits,
  /** the member as the online identify showed them (its `offline` part left out) */
  identify: IdentifyData.omit({ offline: true }),
});
export type CardTokenClaims = z.infer<typeof CardTokenClaims>;

export type CardTokenRefusal = 'malformed' | 'bad_signature' | 'expired' | 'other_card' | 'other_store';

export class CardTokenError extends Error {
  override readonly name = 'CardTokenError';
  constructor(
    readonly reason: CardTokenRefusal,
    message: string,
  ) {
    super(message);
  }
}

function signingInput(claimsPart: string): Buffer {
  return Buffer.from(CONTEXT + claimsPart);
}

export function signCardToken(claims: CardTokenClaims, privateKey: KeyObject): string {
  const claimsPart = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${claimsPart}.${sign(null, signingInput(claimsPart), privateKey).toString('base64url')}`;
}

/**
 * The claims of a token signed by one of `keys`, for this card at this store and valid at `now`;
 * otherwise a CardTokenError naming why.
 */
export function verifyCardToken(token: string, keys: readonly KeyObject[], expect: { card: { number?: string; uid?: string }; storeId: string; now: number }): CardTokenClaims {
  const parts = token.length <= MAX_CARD_TOKEN_CHARS ? token.split('.') : [];
  if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]!) || !/^[A-Za-z0-9_-]{86}$/.test(parts[1]!)) {
    throw new CardTokenError('malformed', 'not a card token');
  }
  const [claimsPart, signature] = parts as [string, string];
  const signed = keys.some((key) => verify(null, signingInput(claimsPart), key, Buffer.from(signature, 'base64url')));
  if (!signed) throw new CardTokenError('bad_signature', 'the card token is not signed by a gateway this kiosk trusts');
  let claims: CardTokenClaims;
  try {
    claims = CardTokenClaims.parse(JSON.parse(Buffer.from(claimsPart, 'base64url').toString('utf8')));
  } catch {
    throw new CardTokenError('malformed', 'the card token does not hold valid claims');
  }
  const { number, uid } = expect.card;
  if (!(number !== undefined ? claims.card.number === number : uid !== undefined && claims.card.uid === uid)) {
    throw new CardTokenError('other_card', 'the card token is for another card');
  }
  if (claims.storeId !== expect.storeId) throw new CardTokenError('other_store', 'the card token was issued for another store');
  if (Date.parse(claims.validUntil) <= expect.now) throw new CardTokenError('expired', `the card token expired at ${claims.validUntil}`);
  return claims;
}
