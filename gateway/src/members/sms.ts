/**
 * Where one-time codes go. `log` is for development: it writes the message (with the code) to
 * the gateway's log and is the only place a code is ever logged. `webhook` posts to a real SMS
 * gateway: URL, an optional Authorization header and a JSON body template with {{to}} and
 * {{text}} placeholders, all from config.
 */
import type { Logger } from '@loyalty/protocol/node';
import { maskPhone } from './phone.js';

export interface SmsProvider {
  readonly name: string;
  send(message: { to: string; text: string }): Promise<void>;
}

export class SmsError extends Error {
  override readonly name = 'SmsError';
}

export class LogSmsProvider implements SmsProvider {
  readonly name = 'log';
  constructor(private readonly log: Logger) {}
  async send(message: { to: string; text: string }): Promise<void> {
    this.log.info({ to: maskPhone(message.to), sms: message.text }, 'SMS (development log provider: not sent to a phone)');
  }
}

export interface WebhookSmsOptions {
  url: string;
  authHeader?: string;
  /** JSON with {{to}} and {{text}}, e.g. {"recipient":"{{to}}","message":"{{text}}"} */
  bodyTemplate: string;
  timeoutMs: number;
}

export class WebhookSmsProvider implements SmsProvider {
  readonly name = 'webhook';
  constructor(private readonly options: WebhookSmsOptions) {}

  async send(message: { to: string; text: string }): Promise<void> {
    // Placeholders are replaced by JSON-escaped strings (without their quotes), so a message can
    // never break out of the template's JSON.
    const jsonText = (value: string) => JSON.stringify(value).slice(1, -1);
    const body = this.options.bodyTemplate.replaceAll('{{to}}', jsonText(message.to)).replaceAll('{{text}}', jsonText(message.text));
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.options.authHeader ? { authorization: this.options.authHeader } : {}) },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new SmsError(`the SMS gateway at ${new URL(this.options.url).host} did not answer: ${(error as Error).message}`);
    }
    if (!response.ok) throw new SmsError(`the SMS gateway at ${new URL(this.options.url).host} refused the message: HTTP ${response.status}`);
  }
}
