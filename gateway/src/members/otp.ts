/**
 * SMS one-time codes (docs/customers-and-cards.md, docs/security.md): 6 digits from the CSPRNG, valid 10 minutes, single
 * use, at most 5 attempts; a resend invalidates the previous code; at most 3 sends per phone per
 * 10 minutes and a daily cap per kiosk. A code is bound to its purpose and to what it confirms
 * (this card for this phone, this hold), so a code for one thing never confirms another.
 * Codes are stored as an HMAC, never in clear.
 */
import { createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { SqlTransaction as Transaction } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import { LedgerError } from '../ledger/errors.js';
import type { Clock } from '../clock.js';
import type { SmsProvider } from './sms.js';
import { consumeRates, type RateRule } from '../ledger/rate-limits.js';

export type OtpPurpose = 'register_card' | 'identify' | 'confirm_hold' | 'self_service';

export interface OtpOptions {
  ttlMs: number;
  maxAttempts: number;
  maxSendsPerPhone: number;
  sendWindowMs: number;
  kioskDailyCap: number;
  /** caps across phones: per API token per hour, per store per day, for the whole gateway per hour (0: none) */
  smsPerTokenPerHour: number;
  smsPerStorePerDay: number;
  smsPerHour: number;
  /** keys the code HMAC; from the gateway's key so a copied database does not reveal codes */
  secret: Buffer;
}

export const DEFAULT_OTP_OPTIONS: Omit<OtpOptions, 'secret'> = {
  ttlMs: 10 * 60_000,
  maxAttempts: 5,
  maxSendsPerPhone: 3,
  sendWindowMs: 10 * 60_000,
  kioskDailyCap: 100,
  smsPerTokenPerHour: 20,
  smsPerStorePerDay: 500,
  smsPerHour: 1000,
};

const HOUR_MS = 3_600_000;

const TEXT: Record<OtpPurpose, (code: string) => string> = {
  register_card: (code) => `Your loyalty card code is ${code}. It is valid for 10 minutes. Do not share it.`,
  identify: (code) => `Your loyalty sign-in code is ${code}. It is valid for 10 minutes. Do not share it.`,
  confirm_hold: (code) => `Your code to confirm the redemption is ${code}. Do not share it.`,
  self_service: (code) => `Your code to sign in to your loyalty account is ${code}. It is valid for 10 minutes. Do not share it.`,
};

/** Who asked for a code: the API token and the store, for the caps across phones. */
export interface SmsRequester {
  tokenId?: string;
  storeId?: string;
  /** the client address of a browser on the customers' page (capped like an API token) */
  address?: string;
}

export type OtpCheck = { ok: true } | { ok: false; error: LedgerError };

export class OtpService {
  constructor(
    private readonly writer: GroupCommitWriter,
    private readonly sms: SmsProvider,
    private readonly clock: Clock,
    private readonly options: OtpOptions,
  ) {}

  /** Sends a new code; any earlier code for the same purpose and binding stops working. */
  async issue(input: { phone: string; purpose: OtpPurpose; binding: string; kioskId?: string; requester?: SmsRequester }): Promise<{ otpId: string; expiresAt: string }> {
    const otpId = randomUUID();
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const expiresAt = await this.writer.run(async (tx) => {
      const now = this.clock.now();
      const at = now.toISOString();
      const since = new Date(now.getTime() - this.options.sendWindowMs).toISOString();
      const sends = Number((await tx.execute({ sql: 'SELECT count(*) AS n FROM otp_codes WHERE phone = ? AND created_at > ?', args: [input.phone, since] })).rows[0]!.n);
      if (sends >= this.options.maxSendsPerPhone) {
        throw new LedgerError('otp_rate_limited', `at most ${this.options.maxSendsPerPhone} codes per phone number in ${this.options.sendWindowMs / 60_000} minutes; please wait and try again`, {
          retryAfterSeconds: Math.ceil(this.options.sendWindowMs / 1000),
        });
      }
      if (input.kioskId) {
        const day = new Date(now.getTime() - 86_400_000).toISOString();
        const kioskSends = Number((await tx.execute({ sql: 'SELECT count(*) AS n FROM otp_codes WHERE kiosk_id = ? AND created_at > ?', args: [input.kioskId, day] })).rows[0]!.n);
        if (kioskSends >= this.options.kioskDailyCap) throw new LedgerError('otp_rate_limited', 'this kiosk has sent its codes for today; please ask staff', { retryAfterSeconds: 86_400 });
      }
      // Caps across phones, counted with the send: one token cannot pump SMS to many numbers.
      await consumeRates(tx, 'otp_rate_limited', this.smsRates(input.requester), now);
      await tx.execute({
        sql: 'UPDATE otp_codes SET superseded_at = ? WHERE phone = ? AND purpose = ? AND binding = ? AND consumed_at IS NULL AND superseded_at IS NULL',
        args: [at, input.phone, input.purpose, input.binding],
      });
      const expiresAt = new Date(now.getTime() + this.options.ttlMs).toISOString();
      await tx.execute({
        sql: 'INSERT INTO otp_codes (id, phone, purpose, binding, code_hash, kiosk_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        args: [otpId, input.phone, input.purpose, input.binding, this.hash(otpId, code), input.kioskId ?? null, at, expiresAt],
      });
      return expiresAt;
    });
    await this.sms.send({ to: input.phone, text: TEXT[input.purpose](code) });
    return { otpId, expiresAt };
  }

  /**
   * Checks a code inside the caller's write transaction. A wrong code counts an attempt and
   * returns the refusal instead of throwing, so the count commits with the transaction.
   */
  async check(tx: Transaction, input: { otpId: string; code: string; purpose: OtpPurpose; binding: string }): Promise<OtpCheck> {
    const refuse = (code: 'otp_invalid' | 'otp_expired' | 'otp_locked', message: string, details?: { triesLeft: number }): OtpCheck => ({
      ok: false,
      error: new LedgerError(code, message, details),
    });
    const row = (await tx.execute({ sql: 'SELECT * FROM otp_codes WHERE id = ?', args: [input.otpId] })).rows[0];
    // Purpose and binding mismatches look like a wrong code: they reveal nothing.
    if (!row || row.purpose !== input.purpose || row.binding !== input.binding) return refuse('otp_invalid', 'the code is not right');
    const at = this.clock.now().toISOString();
    if (row.consumed_at !== null) return refuse('otp_invalid', 'this code was already used; ask for a new one');
    if (row.superseded_at !== null) return refuse('otp_expired', 'a newer code was sent; use the latest one');
    if (String(row.expires_at) <= at) return refuse('otp_expired', 'the code has expired; ask for a new one');
    if (Number(row.attempts) >= this.options.maxAttempts) return refuse('otp_locked', 'too many wrong codes; ask for a new one');
    const expected = Buffer.from(String(row.code_hash), 'hex');
    const given = Buffer.from(this.hash(input.otpId, /^\d{6}$/.test(input.code) ? input.code : 'x'), 'hex');
    if (!timingSafeEqual(expected, given)) {
      await tx.execute({ sql: 'UPDATE otp_codes SET attempts = attempts + 1 WHERE id = ?', args: [input.otpId] });
      const left = this.options.maxAttempts - Number(row.attempts) - 1;
      return left > 0
        ? refuse('otp_invalid', `the code is not right; ${left} ${left === 1 ? 'try' : 'tries'} left`, { triesLeft: left })
        : refuse('otp_locked', 'too many wrong codes; ask for a new one');
    }
    await tx.execute({ sql: 'UPDATE otp_codes SET consumed_at = ? WHERE id = ?', args: [at, input.otpId] });
    return { ok: true };
  }

  private smsRates(requester: SmsRequester = {}): Array<{ rule: RateRule; key: string }> {
    const { smsPerTokenPerHour, smsPerStorePerDay, smsPerHour } = this.options;
    return [
      ...(requester.tokenId
        ? [{ rule: { bucket: 'sms_token', limit: smsPerTokenPerHour, windowMs: HOUR_MS, message: `at most ${smsPerTokenPerHour} codes per hour from one API token` }, key: requester.tokenId }]
        : []),
      ...(requester.address
        ? [{ rule: { bucket: 'sms_address', limit: smsPerTokenPerHour, windowMs: HOUR_MS, message: `at most ${smsPerTokenPerHour} codes per hour from one address` }, key: requester.address }]
        : []),
      ...(requester.storeId
        ? [{ rule: { bucket: 'sms_store', limit: smsPerStorePerDay, windowMs: 24 * HOUR_MS, message: `at most ${smsPerStorePerDay} codes per day for one store` }, key: requester.storeId }]
        : []),
      { rule: { bucket: 'sms_all', limit: smsPerHour, windowMs: HOUR_MS, message: 'the gateway has sent its codes for this hour' }, key: '*' },
    ];
  }

  private hash(otpId: string, code: string): string {
    return createHmac('sha256', this.options.secret).update(`${otpId}:${code}`).digest('hex');
  }
}
