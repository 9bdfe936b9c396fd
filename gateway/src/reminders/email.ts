/**
 * Outgoing e-mail through an SMTP server, by nodemailer (the maintained standard for SMTP in
 * Node: TLS, authentication, pooling and RFC-correct headers we would otherwise write ourselves).
 * Without `email.smtpUrl` the gateway sends no e-mail and reminders go by SMS.
 */
import { createTransport, type Transporter } from 'nodemailer';

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  /** the one-click opt-out (RFC 8058): mail apps show an "Unsubscribe" button */
  unsubscribeUrl: string;
}

export interface EmailSender {
  send(message: EmailMessage): Promise<void>;
  close(): void;
}

export class EmailError extends Error {
  override readonly name = 'EmailError';
}

export class SmtpEmailSender implements EmailSender {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    this.transport = createTransport(smtpUrl, { pool: true, maxConnections: 2 } as never);
  }

  async send(message: EmailMessage): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        list: { unsubscribe: { url: message.unsubscribeUrl, comment: 'No more reminders' } },
        headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      });
    } catch (error) {
      // The server's words, not the address: logs stay free of personal data.
      throw new EmailError(`the SMTP server did not take the message: ${(error as Error).message.replace(/[^\s<>@]+@[^\s<>@]+/g, '…')}`);
    }
  }

  close(): void {
    this.transport.close();
  }
}
