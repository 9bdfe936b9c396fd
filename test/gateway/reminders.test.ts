/**
 * Reminders (docs/reminders.md) over a real ledger file shared by two gateway replicas, with a
 * fake clock walked hour by hour through December in a Moscow store: points and a coupon about to
 * expire, a tier its review would lower, a birthday bonus waiting. Every reminder goes once, to
 * consenting customers only, in the store's daytime, by e-mail to a local SMTP server (smtp-server)
 * or by SMS; a second replica running at the same time and a restart send nothing twice; the
 * opt-out link works without signing in; the runs are in the metrics.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import type { Gateway } from '@loyalty/gateway';
import { localParts } from '@loyalty/protocol';
import { STORE, startGateway, tempDir, type CapturedLog } from '../support/system.js';
import { POINTS_DOC } from '../support/programs.js';

const HOUR = 3_600_000;
const MOSCOW = 'Europe/Moscow';
const SHARED = { sharedSecret: 'a-shared-secret-for-both-replicas-0123456789' };

interface Mail {
  to: string;
  raw: string;
}

describe('reminders', () => {
  const dirs = [tempDir('gw-rem-a'), tempDir('gw-rem-b')];
  let at = Date.parse('2026-01-10T09:00:00.000Z');
  const clock = { now: () => new Date(at) };
  const mails: Mail[] = [];
  let smtp: SMTPServer;
  let a: { gateway: Gateway; log: CapturedLog };
  let b: { gateway: Gateway; log: CapturedLog };
  const ids: Record<string, string> = {};
  let config: Record<string, unknown>;

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, done) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          for (const rcpt of session.envelope.rcptTo) mails.push({ to: rcpt.address, raw: unfoldQuotedPrintable(Buffer.concat(chunks).toString('latin1')) });
          done();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
    config = { ...SHARED, reminders: { enabled: false }, email: { smtpUrl, from: 'Store <loyalty@store.example>' } };
    a = await startGateway(dirs[0]!.path, config, clock);
    const g = a.gateway;
    await g.directory.ensureStore({ ...STORE, timezone: MOSCOW });
    await g.programs.put('points', POINTS_DOC, 'test');
    await g.programs.publish('points', undefined, 'test');
    const people: Array<[string, string, Record<string, unknown>]> = [
      ['anna', '10009', { phone: '+4915100000009', email: 'anna@example.test', birthday: '1990-12-20', marketingConsent: true }],
      ['boris', '10017', { phone: '+4915100000017', marketingConsent: true }],
      ['clara', '10025', { phone: '+4915100000025', email: 'clara@example.test', birthday: '1991-12-15', marketingConsent: false }],
      ['dmitri', '10033', { phone: '+4915100000033', marketingConsent: true }],
    ];
    for (const [name, number, extra] of people) {
      ids[name] = (await g.customers.create({ name, ...extra })).id;
      await g.directory.issueCard({ number, programId: 'points', customerId: ids[name] });
    }
    // January purchases: their points expire at the end of December (POINTS_DOC: end of the 11th month).
    const buy = (number: string, opId: string) =>
      g.ledger.purchase({ opId, card: { number }, storeId: STORE.id, currency: 'EUR', items: [{ sku: 'bread', category: 'bakery', quantity: 1, unitPrice: 1000 }], source: 'test' });
    await buy('10009', '0190b5a0-0000-7000-8000-0000000e0001');
    await buy('10025', '0190b5a0-0000-7000-8000-0000000e0002');
    await buy('10033', '0190b5a0-0000-7000-8000-0000000e0003');
    // Boris: a coupon bought on 5 December (14 days), and a Gold tier reviewed at the end of the year with nothing spent this year.
    at = Date.parse('2026-12-05T09:00:00.000Z');
    await g.ledger.adjust({ opId: '0190b5a0-0000-7000-8000-0000000e0004', card: { number: '10017' }, points: 600, reason: 'test', actor: 'test' });
    await g.ledger.redeem({ opId: '0190b5a0-0000-7000-8000-0000000e0005', card: { number: '10017' }, storeId: STORE.id, source: 'test', currency: 'EUR', rewardId: 'coffee' });
    const boris = (await g.ledger.findCard({ number: '10017' }))!;
    await g.db.execute({
      sql: `INSERT INTO member_state (account_id, tier, tier_review_at) VALUES (?, 'gold', '2026-12-31T21:00:00.000Z') ON CONFLICT (account_id) DO UPDATE SET tier = 'gold', tier_review_at = '2026-12-31T21:00:00.000Z'`,
      args: [boris.accountId],
    });
    at = Date.parse('2026-11-30T00:00:00.000Z');
    b = await startGateway(dirs[1]!.path, { ...config, ledgerUrl: `file:${dirs[0]!.path}/gateway.db` }, clock);
  });
  afterAll(async () => {
    await a?.gateway.stop();
    await b?.gateway.stop();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    for (const d of dirs) d.remove();
  });

  const smsSent = () => [...a.log.lines, ...b.log.lines].filter((l) => typeof l.sms === 'string' && String(l.sms).includes('No more reminders'));

  it('walks December hour by hour with two replicas and a restart: each reminder once, consenting customers only, in Moscow daytime', async () => {
    const runs = { a: 0, b: 0 };
    for (; at < Date.parse('2027-01-01T00:00:00.000Z'); at += HOUR) {
      // Both replicas run at the same moment: one holds the lease, the other stands by.
      const [ra, rb] = await Promise.all([a.gateway.reminders.runOnce(), b.gateway.reminders.runOnce()]);
      runs.a += Number(ra.ran);
      runs.b += Number(rb.ran);
      if (at === Date.parse('2026-12-10T12:00:00.000Z')) {
        // Replica A restarts mid-month: its lease goes with it, and B takes over.
        await a.gateway.stop();
        a = await startGateway(dirs[0]!.path, config, clock);
      }
      if (at === Date.parse('2026-12-01T10:00:00.000Z')) {
        // Dmitri follows the opt-out link of an earlier message before his points reminder is due.
        const link = `${b.gateway.httpUrl}/my/opt-out?c=${ids.dmitri}&t=${optOutToken(b.gateway, ids.dmitri!)}`;
        expect((await fetch(link)).status).toBe(200);
        expect((await a.gateway.customers.get(ids.dmitri!))?.marketingConsent).toBe(true);
        expect((await fetch(link, { method: 'POST' })).status).toBe(200);
        expect((await a.gateway.customers.get(ids.dmitri!))?.marketingConsent).toBe(false);
      }
    }
    expect(runs.a + runs.b).toBeGreaterThan(24 * 31);
    expect(runs.b).toBeGreaterThan(0);

    const sent = await a.gateway.db.execute(`SELECT key, customer_id, kind, channel, state, attempts, done_at FROM reminders ORDER BY key`);
    const byKind = sent.rows.map((r) => [r.kind, r.customer_id, r.channel, r.state, r.attempts]);
    expect(byKind).toEqual([
      ['birthday_bonus', ids.anna, 'email', 'sent', 1],
      ['coupon_expiring', ids.boris, 'sms', 'sent', 1],
      ['points_expiring', ids.anna, 'email', 'sent', 1],
      ['tier_review', ids.boris, 'sms', 'sent', 1],
    ]);
    // Sent in the store's daytime (09:00-20:00 Moscow), on the first daytime hour each was due.
    for (const row of sent.rows) {
      const hour = localParts(Date.parse(String(row.done_at)), MOSCOW).hour;
      expect(hour, String(row.key)).toBeGreaterThanOrEqual(9);
      expect(hour, String(row.key)).toBeLessThan(20);
    }
    const doneAt = Object.fromEntries(sent.rows.map((r) => [r.kind, String(r.done_at)]));
    expect(doneAt.birthday_bonus).toBe('2026-12-13T06:00:00.000Z');
    expect(doneAt.coupon_expiring).toBe('2026-12-16T09:00:00.000Z');

    // What arrived: two e-mails at the SMTP server, two SMS in the provider's log; nothing to Clara or Dmitri.
    expect(mails.map((m) => m.to).sort()).toEqual(['anna@example.test', 'anna@example.test']);
    const points = mails.find((m) => m.raw.includes('points on your card'))!;
    // Lots end at local midnight: named by their last day, as the kiosk and the customers' page say it.
    expect(points.raw).toMatch(/Subject: 200 points expire on 31 December/);
    expect(points.raw).toMatch(/List-Unsubscribe:\s+<http:\/\/127\.0\.0\.1:\d+\/my\/opt-out\?c=/);
    expect(points.raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    const birthday = mails.find((m) => m.raw.includes('Happy birthday'))!;
    expect(birthday.raw).toContain('250 bonus points are waiting for you with a purchase until 27 December');
    const sms = smsSent();
    expect(sms.map((l) => l.to).sort()).toEqual(['+49 ••• 0017', '+49 ••• 0017']);
    expect(sms.some((l) => String(l.sms).startsWith('Your Gold level is reviewed on 1 January. Spend 500.00 EUR more by then to keep it'))).toBe(true);
    expect(sms.some((l) => String(l.sms).startsWith('Your Free coffee ('))).toBe(true);

    // The runs in the metrics: the stand-by replica's refusals, and the four sends between the two.
    const texts = await Promise.all([a, b].map(async (r) => (await fetch(`${r.gateway.httpUrl}/metrics`)).text()));
    const sum = (pattern: RegExp) => texts.reduce((total, text) => total + [...text.matchAll(pattern)].reduce((s, m) => s + Number(m[1]), 0), 0);
    expect(sum(/^loyalty_reminder_runs_total\{outcome="not_leader"\} (\d+)$/gm)).toBeGreaterThan(0);
    expect(sum(/^loyalty_reminders_sent_total\{[^}]*\} (\d+)$/gm)).toBe(4);
  });

  it('never sends a claim left by a crash mid-send again, and retries a refused send twice at most', async () => {
    at = Date.parse('2027-02-10T10:00:00.000Z');
    const anna = (await a.gateway.ledger.findCard({ number: '10009' }))!;
    await a.gateway.ledger.adjust({ opId: '0190b5a0-0000-7000-8000-0000000e0006', card: { number: '10009' }, points: 500, reason: 'test', actor: 'test' });
    await a.gateway.ledger.redeem({ opId: '0190b5a0-0000-7000-8000-0000000e0007', card: { number: '10009' }, storeId: STORE.id, source: 'test', currency: 'EUR', rewardId: 'coffee' });
    const [coupon] = (await a.gateway.db.execute({ sql: 'SELECT code FROM coupons WHERE account_id = ? AND used_at IS NULL', args: [anna.accountId] })).rows;
    // A replica crashed between its claim and the send's outcome.
    await a.gateway.db.execute({
      sql: `INSERT INTO reminders (key, customer_id, kind, channel, state, claimed_at) VALUES (?, ?, 'coupon_expiring', 'email', 'sending', ?)`,
      args: [`coupon_expiring:${String(coupon!.code)}`, ids.anna!, new Date(at).toISOString()],
    });
    at = Date.parse('2027-02-22T10:00:00.000Z');
    const before = mails.length;
    await a.gateway.reminders.runOnce();
    expect(mails.length).toBe(before);

    // The SMTP server refuses: failed, then tried at the next runs, three tries in all.
    await a.gateway.db.execute({ sql: `UPDATE reminders SET state = 'failed' WHERE kind = 'coupon_expiring' AND customer_id = ?`, args: [ids.anna!] });
    smtp.onRcptTo = (_address, _session, done) => done(new Error('mailbox unavailable'));
    for (let i = 0; i < 4; i++) await a.gateway.reminders.runOnce();
    const row = (await a.gateway.db.execute({ sql: `SELECT state, attempts, error FROM reminders WHERE kind = 'coupon_expiring' AND customer_id = ?`, args: [ids.anna!] })).rows[0]!;
    expect(row).toMatchObject({ state: 'failed', attempts: 3 });
    expect(String(row.error)).not.toContain('anna@example.test');
  });
});

/** The token of a customer's opt-out link, as the gateway puts it in every reminder. */
function optOutToken(gateway: Gateway, customerId: string): string {
  return new URL(gateway.optOutUrl(customerId)).searchParams.get('t')!;
}

/** The message as a reader sees it: the body's quoted-printable soft breaks and escapes undone (UTF-8); headers as sent. */
function unfoldQuotedPrintable(raw: string): string {
  const split = raw.indexOf('\r\n\r\n');
  const [head, body] = split < 0 ? ['', raw] : [raw.slice(0, split + 4), raw.slice(split + 4)];
  const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return head + Buffer.from(bytes, 'latin1').toString('utf8');
}
