/**
 * A redemption that waits for the customer's SMS code (docs/security.md: above a threshold): the
 * points are held at once (they cannot be spent twice meanwhile), a code bound to that hold is
 * sent to the card owner's phone, and the right code posts the hold and issues the coupon. A
 * hold nobody confirms is voided by its timeout.
 */
import type { CardRef } from '@loyalty/protocol';
import type { SqlClient as Client } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import { findCard } from '../ledger/cards.js';
import { LedgerError } from '../ledger/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import type { OtpService } from './otp.js';

export class ConfirmedRedemptions {
  constructor(
    private readonly client: Client,
    private readonly writer: GroupCommitWriter,
    private readonly ledger: Ledger,
    private readonly otp: OtpService,
  ) {}

  async start(input: { opId: string; card: CardRef; points: number; storeId: string; source: string; kioskId?: string; tokenId?: string; rewardId?: string }) {
    const card = await findCard(this.client, input.card);
    if (!card) throw new LedgerError('card_not_found', 'card not recognised');
    const owner = card.customerId ? (await this.client.execute({ sql: 'SELECT phone FROM customers WHERE id = ?', args: [card.customerId] })).rows[0] : undefined;
    if (!owner || owner.phone === null) throw new LedgerError('card_unlinked', 'this card has no registered phone to send a code to; register it first');
    const hold = await this.ledger.hold({
      opId: input.opId,
      card: input.card,
      points: input.points,
      reason: 'awaiting SMS confirmation',
      source: input.source,
      coupon: { storeId: input.storeId, ...(input.rewardId ? { rewardId: input.rewardId } : {}) },
    });
    // The same request again (a kiosk resending after a lost reply): the code already sent stands.
    const sent =
      hold.result === 'exists'
        ? (
            await this.client.execute({
              sql: "SELECT id, expires_at FROM otp_codes WHERE purpose = 'confirm_hold' AND binding = ? AND superseded_at IS NULL ORDER BY created_at DESC LIMIT 1",
              args: [`hold:${hold.holdId}`],
            })
          ).rows[0]
        : undefined;
    if (sent) return { holdId: hold.holdId, confirmationId: String(sent.id), points: hold.points, expiresAt: minIso(String(sent.expires_at), hold.expiresAt) };
    const { otpId, expiresAt } = await this.otp.issue({
      phone: String(owner.phone),
      purpose: 'confirm_hold',
      binding: `hold:${hold.holdId}`,
      kioskId: input.kioskId,
      requester: { tokenId: input.tokenId, storeId: input.storeId },
    });
    return { holdId: hold.holdId, confirmationId: otpId, points: hold.points, expiresAt: minIso(expiresAt, hold.expiresAt) };
  }

  /**
   * The coupon of a hold already confirmed, or null. A kiosk resending its confirmation from its
   * outbox (the reply was lost, or the kiosk restarted before printing) gets the same coupon
   * again; over HTTP a second confirmation stays an error.
   */
  async confirmedBefore(holdId: string, currency: string) {
    const state = (await this.client.execute({ sql: 'SELECT state FROM holds WHERE id = ?', args: [holdId] })).rows[0]?.state;
    if (state !== 'posted') return null;
    const posted = await this.ledger.postHold({ opId: `${holdId}:post`, holdId });
    return { balance: posted.balance, coupon: await this.ledger.couponForHold(holdId, currency) };
  }

  async confirm(input: { holdId: string; confirmationId: string; code: string; storeId: string; source: string; currency: string }) {
    const check = await this.writer.run((tx) => this.otp.check(tx, { otpId: input.confirmationId, code: input.code, purpose: 'confirm_hold', binding: `hold:${input.holdId}` }));
    if (!check.ok) throw check.error;
    const posted = await this.ledger.postHold({ opId: `${input.holdId}:post`, holdId: input.holdId });
    const coupon = await this.ledger.couponForHold(input.holdId, input.currency);
    return { balance: posted.balance, coupon };
  }
}

function minIso(a: string, b: string): string {
  return a < b ? a : b;
}
