/**
 * Signing in to the customers' page (docs/self-service.md): a phone number, then the SMS code sent
 * to it, through the same one-time-code service as the kiosks and tills (its limits per phone,
 * per address, for the whole gateway; five wrong codes lock the code). A number that belongs to no
 * customer gets no SMS but the same answer, so the page does not tell strangers who is a member.
 */
import { randomUUID } from 'node:crypto';
import type { SqlTransaction } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import { LedgerError } from '../ledger/errors.js';
import type { CustomerService } from '../members/customer-service.js';
import type { OtpService } from '../members/otp.js';
import { maskPhone } from '../members/phone.js';
import type { CustomerSessions } from './sessions.js';

export class SelfServiceSignIn {
  constructor(
    private readonly writer: GroupCommitWriter,
    private readonly otp: OtpService,
    private readonly customers: CustomerService,
    private readonly sessions: CustomerSessions,
  ) {}

  /** Sends a code when the number is a customer's; `signInId` goes back with the code. */
  async start(input: { phone: string; address: string }): Promise<{ signInId: string; phoneMasked: string; expiresAt: string | null }> {
    const phone = this.customers.phone(input.phone);
    const [customer] = (await this.customers.findByPhone(phone)).filter((c) => !c.erased);
    if (!customer) return { signInId: randomUUID(), phoneMasked: maskPhone(phone), expiresAt: null };
    const { otpId, expiresAt } = await this.otp.issue({ phone, purpose: 'self_service', binding: `phone:${phone}`, requester: { address: input.address } });
    return { signInId: otpId, phoneMasked: maskPhone(phone), expiresAt };
  }

  /** Checks the code and opens a session in the same transaction; returns the session cookie's value. */
  async confirm(input: { signInId: string; code: string }): Promise<string> {
    const outcome = await this.writer.run(async (tx): Promise<{ session: string } | { error: LedgerError }> => {
      const phone = await this.phoneOf(tx, input.signInId);
      if (!phone) return { error: new LedgerError('otp_invalid', 'the code is not right') };
      // A refusal is returned, not thrown: the wrong attempt it counted must commit.
      const check = await this.otp.check(tx, { otpId: input.signInId, code: input.code, purpose: 'self_service', binding: `phone:${phone}` });
      if (!check.ok) return { error: check.error };
      const customer = (await tx.execute({ sql: 'SELECT id FROM customers WHERE phone = ? AND erased_at IS NULL', args: [phone] })).rows[0];
      if (!customer) return { error: new LedgerError('customer_not_found', 'this account was erased') };
      return { session: await this.sessions.open(tx, String(customer.id)) };
    });
    if ('error' in outcome) throw outcome.error;
    return outcome.session;
  }

  private async phoneOf(tx: SqlTransaction, signInId: string): Promise<string | null> {
    if (!/^[0-9a-f-]{36}$/.test(signInId)) return null;
    const row = (await tx.execute({ sql: `SELECT phone FROM otp_codes WHERE id = ? AND purpose = 'self_service'`, args: [signInId] })).rows[0];
    return row ? String(row.phone) : null;
  }
}
