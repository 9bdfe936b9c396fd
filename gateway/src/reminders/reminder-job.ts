/**
 * The reminder job (docs/reminders.md): every few minutes the replica holding the job's lease
 * looks for reminders due, and sends each one that falls in the store's daytime to a customer who
 * consented, by e-mail or SMS. A reminder is claimed in the database (its key is unique) before
 * it is sent and marked sent after: a restart or a second replica never sends it again. A send
 * the provider refused is tried again at the next runs, twice; a claim left by a crash mid-send
 * is not (at most once, never twice).
 */
import type { RuleSet } from '@loyalty/protocol';
import type { Logger } from '@loyalty/protocol/node';
import type { SqlClient } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import type { Clock } from '../clock.js';
import type { GatewayConfig } from '../config.js';
import type { JobLease } from '../jobs/job-lease.js';
import type { GatewayMetrics } from '../metrics.js';
import type { SmsProvider } from '../members/sms.js';
import type { ProgramService } from '../programs/program-service.js';
import { rulesOfProgram } from '../programs/program-rules.js';
import { dueReminders, inDaytime, type DueReminder } from './due-reminders.js';
import type { EmailSender } from './email.js';
import { reminderText } from './messages.js';
import type { OptOutLinks } from './opt-out.js';

const MAX_ATTEMPTS = 3;

export interface ReminderRun {
  /** false when another replica held the lease */
  ran: boolean;
  sent: number;
  failed: number;
  /** due but outside the store's daytime: sent at a later run */
  quiet: number;
}

export interface ReminderJobDeps {
  db: SqlClient;
  writer: GroupCommitWriter;
  clock: Clock;
  programs: ProgramService;
  sms: SmsProvider;
  email: EmailSender | null;
  optOut: OptOutLinks;
  lease: JobLease;
  metrics: GatewayMetrics;
  log: Logger;
  options: GatewayConfig['reminders'];
}

export class ReminderJob {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<ReminderRun> | null = null;

  constructor(private readonly deps: ReminderJobDeps) {}

  start(): void {
    const every = this.deps.options.intervalMinutes * 60_000;
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.current?.catch(() => undefined);
    await this.deps.lease.release().catch(() => undefined);
    this.deps.email?.close();
  }

  /** One run now (the timer's, or a test's); runs never overlap within a process. */
  runOnce(): Promise<ReminderRun> {
    this.current ??= this.run().finally(() => {
      this.current = null;
    });
    return this.current;
  }

  private async tick(): Promise<void> {
    try {
      await this.runOnce();
    } catch (error) {
      this.deps.metrics.reminderRuns.inc({ outcome: 'failed' });
      this.deps.log.warn({ err: (error as Error).message }, 'reminder run failed; will try again at the next run');
    }
  }

  private async run(): Promise<ReminderRun> {
    const { lease, clock, options, metrics } = this.deps;
    const report: ReminderRun = { ran: false, sent: 0, failed: 0, quiet: 0 };
    if (!(await lease.acquire())) {
      metrics.reminderRuns.inc({ outcome: 'not_leader' });
      return report;
    }
    report.ran = true;
    const nowMs = clock.now().getTime();
    const rules = new Map<string, RuleSet | null>();
    const due = await dueReminders(this.deps.db, nowMs, {
      pointsExpiringDays: options.pointsExpiringDays,
      couponExpiringDays: options.couponExpiringDays,
      tierReviewDays: options.tierReviewDays,
      rulesFor: async (programId) => {
        if (!rules.has(programId)) rules.set(programId, await rulesOfProgram(this.deps.db, this.deps.programs, programId));
        return rules.get(programId)!;
      },
    });
    for (const reminder of due) {
      if (report.sent + report.failed >= options.batchSize) break;
      if (!inDaytime(nowMs, reminder.timeZone, options.daytime)) {
        report.quiet += 1;
        continue;
      }
      const channel = this.channelFor(reminder);
      if (!channel) continue;
      if (!(await this.claim(reminder, channel))) continue;
      try {
        await this.send(reminder, channel);
        await this.finish(reminder.key, 'sent', null);
        metrics.remindersSent.inc({ kind: reminder.kind, channel });
        report.sent += 1;
      } catch (error) {
        await this.finish(reminder.key, 'failed', (error as Error).message.slice(0, 200));
        metrics.reminderFailures.inc({ kind: reminder.kind, channel });
        this.deps.log.warn({ kind: reminder.kind, channel, customer: reminder.customerId, err: (error as Error).message }, 'reminder not sent; tried again at a later run');
        report.failed += 1;
      }
      // A long run keeps its lease.
      if ((report.sent + report.failed) % 50 === 0) await lease.acquire();
    }
    metrics.reminderRuns.inc({ outcome: 'ran' });
    if (report.sent || report.failed) this.deps.log.info({ ...report }, 'reminders sent');
    return report;
  }

  private channelFor(reminder: DueReminder): 'email' | 'sms' | null {
    const { channel } = this.deps.options;
    const email = this.deps.email && reminder.email ? 'email' : null;
    const sms = reminder.phone ? 'sms' : null;
    if (channel === 'email') return email;
    if (channel === 'sms') return sms;
    return email ?? sms;
  }

  /**
   * Claims the reminder for this send: a new key, or one whose earlier sends the provider refused
   * (up to three tries), and only while the customer still consents.
   */
  private async claim(reminder: DueReminder, channel: string): Promise<boolean> {
    const at = this.deps.clock.now().toISOString();
    const result = await this.deps.writer.run((tx) =>
      tx.execute({
        sql: `INSERT INTO reminders (key, customer_id, kind, channel, state, claimed_at)
              SELECT ?1, ?2, ?3, ?4, 'sending', ?5 WHERE EXISTS (SELECT 1 FROM customers WHERE id = ?2 AND marketing_consent = 1 AND erased_at IS NULL)
              ON CONFLICT (key) DO UPDATE SET state = 'sending', channel = excluded.channel, claimed_at = excluded.claimed_at, attempts = reminders.attempts + 1, error = NULL
              WHERE reminders.state = 'failed' AND reminders.attempts < ?6`,
        args: [reminder.key, reminder.customerId, reminder.kind, channel, at, MAX_ATTEMPTS],
      }),
    );
    return result.rowsAffected === 1;
  }

  private async send(reminder: DueReminder, channel: 'email' | 'sms'): Promise<void> {
    const optOutUrl = this.deps.optOut.url(reminder.customerId);
    const text = reminderText(reminder.facts, { lang: this.deps.options.language, timeZone: reminder.timeZone, cardMasked: reminder.cardMasked, optOutUrl });
    if (channel === 'email') {
      await this.deps.email!.send({ to: reminder.email!, subject: text.subject, text: `${text.text}\n\n${text.optOut}\n`, unsubscribeUrl: optOutUrl });
    } else {
      await this.deps.sms.send({ to: reminder.phone!, text: `${text.text} ${text.optOut}` });
    }
  }

  private async finish(key: string, state: 'sent' | 'failed', error: string | null): Promise<void> {
    const at = this.deps.clock.now().toISOString();
    await this.deps.writer.run((tx) => tx.execute({ sql: 'UPDATE reminders SET state = ?, done_at = ?, error = ? WHERE key = ?', args: [state, at, error, key] }));
  }
}
