/**
 * The opt-out link in every reminder (docs/reminders.md "Opting out"): the customer's id with an
 * HMAC keyed from the gateway's key, so the link works without signing in and nobody can make one
 * for someone else. Following it shows a page with one button; the press withdraws the marketing
 * consent (a GET alone changes nothing: mail scanners open links).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export class OptOutLinks {
  constructor(
    private readonly secret: Buffer,
    /** where customers reach the gateway (known once it listens) */
    private readonly baseUrl: () => string,
  ) {}

  url(customerId: string): string {
    return `${this.baseUrl().replace(/\/$/, '')}/my/opt-out?c=${encodeURIComponent(customerId)}&t=${this.token(customerId)}`;
  }

  verify(customerId: string, token: string): boolean {
    const expected = Buffer.from(this.token(customerId));
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private token(customerId: string): string {
    return createHmac('sha256', this.secret).update(`opt-out:${customerId}`).digest('base64url').slice(0, 32);
  }
}
