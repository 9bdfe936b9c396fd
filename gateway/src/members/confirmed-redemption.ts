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

  async start(input: { opId: string; card: CardRef; points: number; storeId: string; source: string; kioskId?: string; tokenId?: string }) {
    const card = await findCard(this.client, input.card);
    if (!card) throw new LedgerError('card_not_found', 'card not recognised');
    const owner = card.customerId ? (await this.client.execute({ sql: 'SELECT phone FROM customers WHERE id = ?', args: [card.customerId] })).rows[0] : undefined;
    if (!owner || owner.phone === null) throw new LedgerError('card_unlinked', 'this card has no registered phone to send a code to; register it first');
    const hold = await this.ledger.hold({ opId: input.opId, card: input.card, points: input.points, reason: 'awaiting SMS confirmation', source: input.source });
    const { otpId, expiresAt } = await this.otp.issue({
      phone: String(owner.phone),
      purpose: 'confirm_hold',
      binding: `hold:${hold.holdId}`,
      kioskId: input.kioskId,
      requester: { tokenId: input.tokenId, storeId: input.storeId },
    });
    return { holdId: hold.holdId, confirmationId: otpId, points: hold.points, expiresAt: expiresAt < hold.expiresAt ? expiresAt : hold.expiresAt };
  }

  async confirm(input: { holdId: string; confirmationId: string; code: string; storeId: string; source: string; currency: string }) {
    const check = await this.writer.run((tx) => this.otp.check(tx, { otpId: input.confirmationId, code: input.code, purpose: 'confirm_hold', binding: `hold:${input.holdId}` }));
    if (!check.ok) throw check.error;
    const posted = await this.ledger.postHold({ opId: `${input.holdId}:post`, holdId: input.holdId });
    const coupon = await this.ledger.couponForHold(input.holdId, input.currency);
    return { balance: posted.balance, coupon };
  }
}
