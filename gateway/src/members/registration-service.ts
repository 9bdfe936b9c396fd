/**
 * Registering a card with a phone number (docs/customers-and-cards.md): the card becomes the customer's, and
 * active, only once the SMS code is confirmed. Confirming and linking happen in one write
 * transaction. The same flow serves the POS API now and the kiosk later. Also: identifying a
 * customer by phone number + code.
 */
import { randomUUID } from 'node:crypto';
import type { CardRef } from '@loyalty/protocol';
import type { SqlClient as Client, SqlTransaction as Transaction } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import { recordCardEvent } from '../ledger/card-status.js';
import { findCard } from '../ledger/cards.js';
import { recordAudit } from '../audit/audit-log.js';
import { LedgerError } from '../ledger/errors.js';
import type { Clock } from '../clock.js';
import type { CustomerService } from './customer-service.js';
import type { OtpService, SmsRequester } from './otp.js';

export class RegistrationService {
  constructor(
    private readonly client: Client,
    private readonly writer: GroupCommitWriter,
    private readonly customers: CustomerService,
    private readonly otp: OtpService,
    private readonly clock: Clock,
  ) {}

  async start(input: { card: CardRef; phone: string; name?: string; kioskId?: string; requester?: SmsRequester }): Promise<{ registrationId: string; expiresAt: string }> {
    const phone = this.customers.phone(input.phone);
    const card = await findCard(this.client, input.card);
    if (!card) throw new LedgerError('card_not_found', 'card not recognised');
    if (card.status === 'blocked') throw new LedgerError('card_blocked', 'this card is blocked; please ask at the service desk');
    if (card.customerId) {
      const owner = await this.customers.get(card.customerId);
      if (owner?.phone !== phone) throw new LedgerError('card_linked_elsewhere', 'this card is registered to someone else; please ask at the service desk');
    }
    const { otpId, expiresAt } = await this.otp.issue({ phone, purpose: 'register_card', binding: `card:${card.number}`, kioskId: input.kioskId, requester: input.requester });
    const registrationId = randomUUID();
    await this.writer.run((tx) =>
      tx.execute({
        sql: `INSERT INTO registrations (id, card_number, phone, name, otp_id, state, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)`,
        args: [registrationId, card.number, phone, input.name ?? null, otpId, this.clock.now().toISOString()],
      }),
    );
    return { registrationId, expiresAt };
  }

  async confirm(input: { registrationId: string; code: string; actor: string }): Promise<{ customerId: string; card: { number: string; status: string } }> {
    const outcome = await this.writer.run(async (tx) => {
      const reg = await this.registration(tx, input.registrationId);
      if (reg.state === 'confirmed') return { ok: true as const, customerId: String(reg.customer_id), number: String(reg.card_number) };
      const check = await this.otp.check(tx, { otpId: String(reg.otp_id), code: input.code, purpose: 'register_card', binding: `card:${String(reg.card_number)}` });
      if (!check.ok) return check;
      return { ok: true as const, ...(await this.link(tx, reg, { actor: input.actor })) };
    });
    if (!outcome.ok) throw outcome.error;
    return { customerId: outcome.customerId, card: { number: outcome.number, status: 'active' } };
  }

  /**
   * At a kiosk, step two of three: the code proves the phone, and only then may the kiosk learn
   * whether that phone already has an account ("add this card to your account") or needs a name.
   */
  async verify(input: { registrationId: string; code: string }): Promise<{ existingCustomer: boolean }> {
    const outcome = await this.writer.run(async (tx) => {
      const reg = await this.registration(tx, input.registrationId);
      if (reg.state !== 'confirmed' && reg.verified_at === null) {
        const check = await this.otp.check(tx, { otpId: String(reg.otp_id), code: input.code, purpose: 'register_card', binding: `card:${String(reg.card_number)}` });
        if (!check.ok) return check;
        await tx.execute({ sql: 'UPDATE registrations SET verified_at = ? WHERE id = ?', args: [this.clock.now().toISOString(), input.registrationId] });
      }
      const existing = (await tx.execute({ sql: 'SELECT 1 FROM customers WHERE phone = ? AND erased_at IS NULL', args: [String(reg.phone)] })).rows.length > 0;
      return { ok: true as const, existingCustomer: reg.state === 'confirmed' || existing };
    });
    if (!outcome.ok) throw outcome.error;
    return { existingCustomer: outcome.existingCustomer };
  }

  /** At a kiosk, step three: a verified registration links the card, to a new customer (name, consent) or the phone's existing one. */
  async complete(input: { registrationId: string; name?: string; marketingConsent?: boolean; actor: string }): Promise<{ customerId: string; number: string; existingCustomer: boolean }> {
    return this.writer.run(async (tx) => {
      const reg = await this.registration(tx, input.registrationId);
      if (reg.state === 'confirmed') return { customerId: String(reg.customer_id), number: String(reg.card_number), existingCustomer: true };
      if (reg.verified_at === null) throw new LedgerError('registration_not_verified', 'the SMS code for this registration has not been entered yet');
      return this.link(tx, reg, input);
    });
  }

  private async registration(tx: Transaction, id: string): Promise<Record<string, unknown>> {
    const reg = (await tx.execute({ sql: 'SELECT * FROM registrations WHERE id = ?', args: [id] })).rows[0];
    if (!reg) throw new LedgerError('registration_not_found', `no registration ${id}`);
    return reg;
  }

  /** The card becomes the customer's (the phone's existing one, or a new one) and active. */
  private async link(tx: Transaction, reg: Record<string, unknown>, input: { name?: string; marketingConsent?: boolean; actor: string }) {
    const at = this.clock.now().toISOString();
    const number = String(reg.card_number);
    const phone = String(reg.phone);
    const existing = (await tx.execute({ sql: 'SELECT id FROM customers WHERE phone = ? AND erased_at IS NULL', args: [phone] })).rows[0];
    const customerId = existing ? String(existing.id) : randomUUID();
    const name = input.name ?? (reg.name === null ? 'Customer' : String(reg.name));
    if (!existing) await this.customers.insert(tx, customerId, { name, phone, marketingConsent: input.marketingConsent ?? false }, at);
    const card = await findCard(tx, { number });
    if (!card || card.status === 'blocked') throw new LedgerError('card_blocked', 'the card was blocked meanwhile; please ask at the service desk');
    await tx.execute({ sql: `UPDATE cards SET customer_id = ?, status = 'active' WHERE number = ?`, args: [customerId, number] });
    await tx.execute({ sql: `UPDATE registrations SET state = 'confirmed', customer_id = ?, confirmed_at = ? WHERE id = ?`, args: [customerId, at, reg.id as string] });
    await recordCardEvent(tx, number, 'registered', { customer: customerId }, input.actor, at);
    // A staff member issuing the card at a kiosk is audited; a customer registering their own card is not.
    await recordAudit(
      tx,
      { actor: input.actor, action: 'card.issue', cardNumber: number, customerId, reason: 'customer_request', detail: { existingCustomer: existing !== undefined }, opKey: String(reg.id) },
      at,
    );
    return { customerId, number, existingCustomer: existing !== undefined };
  }

  /** Step one of "phone number + code" identification at a till or kiosk. */
  async startIdentification(input: { phone: string; kioskId?: string; requester?: SmsRequester }): Promise<{ identificationId: string; expiresAt: string }> {
    const phone = this.customers.phone(input.phone);
    const { otpId, expiresAt } = await this.otp.issue({ phone, purpose: 'identify', binding: `phone:${phone}`, kioskId: input.kioskId, requester: input.requester });
    return { identificationId: otpId, expiresAt };
  }

  /** The customer with cards for an identification whose code was sent to the phone it was started with. */
  async confirmIdentificationById(input: { identificationId: string; code: string }) {
    const row = (await this.client.execute({ sql: `SELECT phone FROM otp_codes WHERE id = ? AND purpose = 'identify'`, args: [input.identificationId] })).rows[0];
    if (!row) throw new LedgerError('otp_invalid', 'no such code was sent; start again');
    return this.confirmIdentification({ identificationId: input.identificationId, phone: String(row.phone), code: input.code });
  }

  async confirmIdentification(input: { identificationId: string; phone: string; code: string }) {
    const phone = this.customers.phone(input.phone);
    const check = await this.writer.run((tx) => this.otp.check(tx, { otpId: input.identificationId, code: input.code, purpose: 'identify', binding: `phone:${phone}` }));
    if (!check.ok) throw check.error;
    const [customer] = await this.customers.findByPhone(phone);
    if (!customer) throw new LedgerError('customer_not_found', 'no customer with this phone number; register a card first');
    return this.customers.details(customer.id);
  }
}
