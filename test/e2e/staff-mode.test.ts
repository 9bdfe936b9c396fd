/**
 * Staff mode end to end (docs/staff.md): a real gateway over MQTT, a kiosk with emulated devices,
 * and its page in Debian's headless Chromium. Staff tap their NFC card and work through the
 * page's buttons; every action is checked in the ledger and once in the audit log with its actor.
 * A failed test leaves a screenshot in test-output/screenshots.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Gateway } from '@loyalty/gateway';
import { decodeEscPos, receiptText } from '@loyalty/device';
import { ANNA, BORIS, STORE, eventually, seed, startGateway, startKiosk, tempDir, type CapturedLog, type TestKiosk } from '../support/system.js';
import { POINTS_DOC } from '../support/programs.js';
import { describeWithSystem } from '../support/system-deps.js';
import { answerLate } from '../support/late.js';
import { overflowsOf, watchOverflow, CHROMIUM, launchChromium, screenshot } from '../support/browser.js';

const OLGA = { name: 'Olga Petrova', uid: '04AA0000000C01' };
const MARAT = { name: 'Marat Ivanov', uid: '04AA0000000A01' };

describeWithSystem('staff mode at the kiosk, in Chromium', [CHROMIUM], () => {
  let browser: Browser;
  let dirs: Array<{ path: string; remove: () => void }> = [];
  let gateway: Gateway;
  let gatewayLog: CapturedLog;
  let k: TestKiosk;
  let page: Page;
  const staffIds: Record<string, string> = {};

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(() => {
    dirs = [];
  });
  afterEach(async (context) => {
    // Every screen the test went through fits the Raspberry Pi's 7" touchscreen (800x480) without scrolling.
    const overflows = context.task.result?.state !== 'fail' && page ? await overflowsOf(page) : [];
    if (context.task.result?.state === 'fail' && page) await screenshot(page, context.task.name).catch(() => undefined);
    await page?.close();
    await k?.kiosk.stop();
    await gateway?.stop();
    for (const d of dirs) d.remove();
    expect(overflows, 'screens taller than 800x480').toEqual([]);
  });

  async function setUp(config: Record<string, unknown> = {}): Promise<void> {
    dirs = [tempDir('gw-staff'), tempDir('kiosk-staff')];
    ({ gateway, log: gatewayLog } = await startGateway(dirs[0]!.path, { staff: { adjustmentLimitPoints: 500, dailyAdjustmentLimitPoints: 2000 } }));
    await gateway.directory.ensureStore(STORE);
    await seed(gateway);
    await gateway.programs.put('points', POINTS_DOC, 'test');
    await gateway.programs.publish('points', undefined, 'test');
    staffIds.olga = (await gateway.staff.create({ ...OLGA, cardUid: OLGA.uid, role: 'cashier', storeId: STORE.id, actor: 'test' })).id;
    staffIds.marat = (await gateway.staff.create({ ...MARAT, cardUid: MARAT.uid, role: 'manager', actor: 'test' })).id;
    k = await startKiosk(gateway, dirs[1]!.path, { config });
    await eventually(() => k.kiosk.link.connected && k.kiosk.rules.version !== null && k.kiosk.staff.byCard(MARAT.uid) !== null, 5000, 'kiosk online with its rules and staff list');
    page = await browser.newPage({ viewport: { width: 800, height: 480 } });
    await watchOverflow(page);
    await page.goto(k.kiosk.pageUrl!);
    await page.waitForSelector('main[data-screen="welcome"]');
  }

  const tap = async (uid: string) => {
    k.hardware.reader.remove();
    k.hardware.reader.present(uid);
  };
  const menu = () => page.waitForSelector('main[data-screen="staff"] .staff-menu button[data-value="issue"]');
  /** The result shown above the menu: waits for this one (the previous action's may still be up). */
  const expectMessage = async (expected: string | RegExp) => {
    const matches = (text: string) => (typeof expected === 'string' ? text === expected : expected.test(text));
    const shown = await eventually(
      async () => {
        const text = await page.innerText('[data-field="staff-message"]', { timeout: 1000 }).catch(() => '');
        return matches(text) ? text : null;
      },
      5000,
      `staff message ${expected}`,
    );
    expect(matches(shown ?? '')).toBe(true);
  };
  const choose = (action: string) => page.click(`button[data-action="staff"][data-value="${action}"]`);
  /**
   * Chooses an action that asks for a card, and waits for its screen: the click reaches the kiosk
   * over HTTP, so a card tapped at once could otherwise arrive while the kiosk is still at the menu.
   */
  const chooseThenCard = async (action: string) => {
    await choose(action);
    await page.waitForSelector('main[data-screen="staff"] h1');
  };
  async function typeEntry(text: string, submit: string): Promise<void> {
    for (const ch of text) await page.click(`[data-key="${ch}"]`);
    await page.click(submit);
  }
  const audit = async (where: string, args: Array<string>) =>
    (await gateway.db.execute({ sql: `SELECT actor, actor_role, place, action, reason, card_number, detail FROM audit_log WHERE ${where} ORDER BY id`, args })).rows.map((r) => ({
      actor: String(r.actor),
      role: String(r.actor_role),
      place: String(r.place),
      action: String(r.action),
      reason: r.reason === null ? null : String(r.reason),
      card: r.card_number === null ? null : String(r.card_number),
    }));

  it('opens on a staff card and says who, closes on a second tap, on Done and by itself, and a customer card at the menu starts the customer’s journey', async () => {
    await setUp({ staffIdleMs: 5000 });
    await tap(OLGA.uid);
    await menu();
    expect(await page.innerText('[data-field="staff"]')).toBe('Staff mode · Olga P. · Cashier');
    expect(k.hardware.display.current.lines.slice(0, 2)).toEqual(['Staff: Olga P.', 'Cashier']);
    await tap(OLGA.uid);
    await page.waitForSelector('main[data-screen="welcome"]');

    await tap(OLGA.uid);
    await menu();
    await page.click('button.done');
    await page.waitForSelector('main[data-screen="welcome"]');

    // Left alone, staff mode closes by itself (staffIdleMs).
    await tap(OLGA.uid);
    await menu();
    await page.waitForSelector('main[data-screen="welcome"]', { timeout: 8000 });

    await tap(OLGA.uid);
    await menu();
    await tap(ANNA.uid);
    await page.waitForSelector('main[data-screen="member"]');
    // Anna's balance slip, reprinted by staff as a copy.
    await eventually(() => k.hardware.printer.jobs.length === 1, 5000, 'balance slip');
    await tap(OLGA.uid);
    await menu();
    await choose('reprint');
    await page.waitForSelector('[data-field="staff-message"]:text("Last slip printed again")');
    expect(receiptText(decodeEscPos(k.hardware.printer.jobs[1]!))[0]).toContain('*** COPY ***');
    await tap(OLGA.uid);
    await page.waitForSelector('main[data-screen="welcome"]');
    // Each session is in the audit log, opened and closed, with the kiosk; the reprint too.
    await eventually(async () => (await audit('actor = ?', [`staff:${staffIds.olga}`])).length === 11, 5000, 'sessions audited');
    const sessions = await audit('actor = ?', [`staff:${staffIds.olga}`]);
    expect(sessions.map((s) => s.action)).toEqual([...[...Array(4)].flatMap(() => ['kiosk.session_start', 'kiosk.session_end']), 'kiosk.session_start', 'kiosk.reprint', 'kiosk.session_end']);
    expect(sessions[0]).toMatchObject({ role: 'cashier', place: 'kiosk:kiosk-1' });
  });

  it('blocks a card with a reason, once in the audit log even when the kiosk had to send it again', async () => {
    await setUp();
    await tap(OLGA.uid);
    await menu();
    await choose('block');
    await page.waitForSelector('main[data-screen="staff"] h1:text("Tap or scan the card to block")');
    // The answer is held back: the kiosk resends from its journal meanwhile.
    const late = answerLate(gateway.cards, 'block');
    await tap(BORIS.uid);
    await page.click('button[data-action="staffReason"][data-value="stolen"]');
    await expectMessage('Saved: card •••5566 will be blocked when the kiosk is back online');
    await eventually(() => late.calls >= 2, 5000, 'a resend');
    late.open();
    await eventually(async () => (await gateway.ledger.findCard({ number: BORIS.number }))?.status === 'blocked', 5000, 'card blocked');
    await eventually(async () => k.kiosk.hotlist.isBlocked({ uid: BORIS.uid }), 5000, 'hotlist on the kiosk');
    const entries = await audit('card_number = ?', [BORIS.number]);
    expect(entries).toEqual([{ actor: `staff:${staffIds.olga}`, role: 'cashier', place: 'kiosk:kiosk-1', action: 'card.block', reason: 'stolen', card: BORIS.number }]);

    // A card typed by its number works too, and a second block says so.
    await choose('block');
    await typeEntry(BORIS.number, 'button[data-action="staffNumber"]');
    await page.click('button[data-action="staffReason"][data-value="lost"]');
    await page.waitForSelector('[data-field="staff-message"]:text("was already blocked")');
  });

  it('replaces a lost card found by the customer’s phone: points move to the tapped new card, the old one is hotlisted', async () => {
    await setUp();
    const customer = await gateway.db.execute({ sql: 'SELECT customer_id FROM cards WHERE number = ?', args: [ANNA.number] });
    await gateway.db.execute({ sql: 'UPDATE customers SET phone = ? WHERE id = ?', args: ['+4915100000009', String(customer.rows[0]!.customer_id)] });
    await gateway.ledger.adjust({ opId: '0190b5a0-0000-7000-8000-00000000a001', card: { number: ANNA.number }, points: 340, reason: 'test points', actor: 'test' });
    await tap(OLGA.uid);
    await menu();
    await choose('replace');
    await page.click('button[data-action="staffFind"]');
    await typeEntry('+4915100000009', 'button[data-action="staffPhone"]');
    await page.waitForSelector('main[data-screen="staff"] h1:text("The code from the SMS")');
    const code = await eventually(() => /(\d{6})/.exec(String(gatewayLog.find((l) => String(l.to).endsWith('0009')).at(-1)?.sms))?.[1] ?? '', 5000, 'SMS code');
    await typeEntry(code === '000000' ? '111111' : '000000', 'button[data-action="staffCode"]');
    await page.waitForSelector('.problem:text("Wrong code, try again")');
    await typeEntry(code, 'button[data-action="staffCode"]');
    await page.click(`button[data-action="staffPick"][data-value="${ANNA.number}"]`);
    await page.click('button[data-action="staffReason"][data-value="lost"]');
    await page.waitForSelector('main[data-screen="staff"] h1:text("Tap or scan the new card")');
    // A blank card: it gets the next number.
    await tap('04BB0000000001');
    await expectMessage(/^Card .* replaced by .*: 340 points moved$/);
    const newCard = await gateway.ledger.findCard({ uid: '04BB0000000001' });
    expect(newCard).toMatchObject({ status: 'active', balance: 340 });
    expect((await gateway.ledger.findCard({ number: ANNA.number }))?.status).toBe('blocked');
    await eventually(() => k.kiosk.hotlist.isBlocked({ number: ANNA.number }), 5000, 'old card hotlisted');
    expect(await audit('action = ?', ['card.replace'])).toEqual([
      { actor: `staff:${staffIds.olga}`, role: 'cashier', place: 'kiosk:kiosk-1', action: 'card.replace', reason: 'lost', card: ANNA.number },
    ]);
  });

  it('adjusts points for a manager who confirms with a second tap, within the limits; a cashier is told a manager card is needed', async () => {
    await setUp();
    await tap(OLGA.uid);
    await menu();
    await choose('adjust');
    await expectMessage('Manager card needed');
    await tap(MARAT.uid);
    await menu();
    expect(await page.innerText('[data-field="staff"]')).toBe('Staff mode · Marat I. · Manager');
    await chooseThenCard('adjust');
    await tap(BORIS.uid);
    await page.click('button[data-action="staffReason"][data-value="goodwill"]');
    await typeEntry('120', 'button[data-action="staffPoints"][data-value="+"]');
    expect(await page.innerText('[data-field="confirm"]')).toMatch(/^\+120 points on /);
    await tap(MARAT.uid);
    await expectMessage(/^\+120 points on .*; balance 120$/);
    expect((await gateway.ledger.findCard({ number: BORIS.number }))?.balance).toBe(120);

    // Above the per-adjustment limit: refused by the gateway, nothing moves.
    await chooseThenCard('adjust');
    await tap(BORIS.uid);
    await page.click('button[data-action="staffReason"][data-value="correction"]');
    await typeEntry('600', 'button[data-action="staffPoints"][data-value="-"]');
    await page.waitForSelector('[data-field="confirm"]');
    await tap(MARAT.uid);
    await expectMessage(/at most 500 points in one adjustment/);
    expect((await gateway.ledger.findCard({ number: BORIS.number }))?.balance).toBe(120);
    // "Other" asks for the reason in words, kept in the audit log.
    await chooseThenCard('adjust');
    await tap(BORIS.uid);
    await page.click('button[data-action="staffReason"][data-value="other"]');
    for (const ch of 'DOUBLE SCAN') await page.click(`[data-key="${ch === ' ' ? 'space' : ch}"]`);
    await page.click('button[data-action="staffNote"]');
    await typeEntry('20', 'button[data-action="staffPoints"][data-value="-"]');
    await page.waitForSelector('[data-field="confirm"]');
    await tap(MARAT.uid);
    await page.waitForSelector('[data-field="staff-message"]:text("balance 100")');
    const entries = await audit('action = ?', ['points.adjust']);
    expect(entries).toEqual([
      { actor: `staff:${staffIds.marat}`, role: 'manager', place: 'kiosk:kiosk-1', action: 'points.adjust', reason: 'goodwill', card: BORIS.number },
      { actor: `staff:${staffIds.marat}`, role: 'manager', place: 'kiosk:kiosk-1', action: 'points.adjust', reason: 'other: Double Scan', card: BORIS.number },
    ]);
  });

  it('issues a batch card to a new customer with the SMS code, in Russian, and prints the shift report', async () => {
    await setUp({ locale: 'ru' });
    const batch = await gateway.cards.issue({ programId: 'points', actor: 'print-shop' });
    await tap(OLGA.uid);
    await menu();
    expect(await page.innerText('[data-field="staff"]')).toBe('Режим персонала · Olga P. · Кассир');
    await chooseThenCard('issue');
    k.hardware.scanner.scan(batch.number);
    await page.waitForSelector('main[data-screen="enterPhone"]');
    await typeEntry('+4915100000077', 'button.ok');
    await page.waitForSelector('main[data-screen="registerCode"]');
    const code = await eventually(() => /(\d{6})/.exec(String(gatewayLog.find((l) => String(l.to).endsWith('0077')).at(-1)?.sms))?.[1] ?? '', 5000, 'SMS code');
    await typeEntry(code, 'button.ok');
    await page.waitForSelector('main[data-screen="enterName"]');
    for (const ch of 'ИРИНА') await page.click(`[data-key="${ch}"]`);
    await page.click('button[data-action="name"]');
    await expectMessage(/^Карта .* выдана$/);
    expect((await gateway.ledger.findCard({ number: batch.number }))?.status).toBe('active');
    expect(await audit('action = ?', ['card.issue'])).toEqual([
      { actor: `staff:${staffIds.olga}`, role: 'cashier', place: 'kiosk:kiosk-1', action: 'card.issue', reason: 'customer_request', card: batch.number },
    ]);

    const before = k.hardware.printer.jobs.length;
    await choose('shiftReport');
    await expectMessage('Отчёт напечатан; начата новая смена');
    const slip = receiptText(decodeEscPos(k.hardware.printer.jobs[before]!)).join('\n');
    expect(slip).toContain('ОТЧЁТ ЗА СМЕНУ');
    expect(slip).toMatch(/Карт зарегистр\. +1/);
    expect(slip).toMatch(/Сотрудник +Olga P\./);
    await choose('testPage');
    await page.waitForSelector('[data-field="staff-message"]:text("Тестовая страница напечатана")');
  });

  it('stops a blocked staff card: at once at the gateway, and at the kiosk once the new list arrives, also offline', async () => {
    await setUp();
    await tap(OLGA.uid);
    await menu();
    // Blocked behind the kiosk's back (the list is not sent): the gateway refuses her next action.
    await gateway.db.execute({ sql: `UPDATE staff SET status = 'blocked' WHERE id = ?`, args: [staffIds.olga!] });
    await chooseThenCard('block');
    await tap(BORIS.uid);
    await page.click('button[data-action="staffReason"][data-value="lost"]');
    await page.waitForSelector('main[data-screen="notice"]');
    expect(await page.innerText('main')).toContain('Staff card not accepted');
    expect((await gateway.ledger.findCard({ number: BORIS.number }))?.status).toBe('active');
    await gateway.db.execute({ sql: `UPDATE staff SET status = 'active' WHERE id = ?`, args: [staffIds.olga!] });

    // Blocked by an operator: the kiosk's new list leaves her out and her open session ends.
    await page.click('button.done');
    await page.waitForSelector('main[data-screen="welcome"]');
    await tap(OLGA.uid);
    await menu();
    await gateway.staff.block(staffIds.olga!, 'left the company', 'test');
    await page.waitForSelector('main[data-screen="welcome"]');
    expect(k.kiosk.staff.byCard(OLGA.uid)).toBeNull();
    // Offline too: the kiosk keeps the newest list on disk.
    await gateway.stop();
    await eventually(() => !k.kiosk.link.connected, 5000, 'kiosk offline');
    await tap(OLGA.uid);
    await page.waitForSelector('main[data-screen="notice"]');
    expect(await page.innerText('main')).not.toContain('Staff mode');
    // The manager can still open staff mode offline; what needs the gateway says so.
    await tap(MARAT.uid);
    await menu();
    await choose('replace');
    await expectMessage('Kiosk offline: this needs the connection');
    gateway = undefined as unknown as Gateway;
  });
});
