/**
 * The touchscreen page in real headless Chromium (Debian's package, through playwright-core),
 * against a real gateway over MQTT and a kiosk with emulated devices (docs/kiosk-page.md): the
 * journeys as a customer sees them, in English and Russian, with the decoded slips and the LCD's
 * lines beside the page. A failed test leaves a screenshot in test-output/screenshots.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Gateway } from '@loyalty/gateway';
import { receiptCode } from '@loyalty/protocol';
import { decodeEscPos, formatDay, receiptText } from '@loyalty/device';
import { ANNA, STORE, eventually, registerSale, seed, startGateway, startKiosk, tempDir, type TestKiosk } from '../support/system.js';
import { POINTS_DOC } from '../support/programs.js';
import { describeWithSystem } from '../support/system-deps.js';
import { CHROMIUM, launchChromium, screenshot } from '../support/browser.js';

const BERLIN = 'Europe/Berlin';

describeWithSystem('the kiosk page in Chromium', [CHROMIUM], () => {
  let browser: Browser;
  let dirs: Array<{ path: string; remove: () => void }> = [];
  let gateway: Gateway;
  let k: TestKiosk;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function setUp(config: Record<string, unknown> = {}): Promise<void> {
    dirs = [tempDir('gw-page'), tempDir('kiosk-page')];
    ({ gateway } = await startGateway(dirs[0]!.path));
    await gateway.directory.ensureStore({ ...STORE, timezone: BERLIN });
    await seed(gateway);
    await gateway.programs.put('points', POINTS_DOC, 'test');
    await gateway.programs.publish('points', undefined, 'test');
    k = await startKiosk(gateway, dirs[1]!.path, { config });
    await eventually(() => k.kiosk.link.connected && k.kiosk.rules.version !== null, 5000, 'kiosk online with its rules');
    page = await browser.newPage({ viewport: { width: 800, height: 480 } });
    await page.goto(k.kiosk.pageUrl!);
  }

  beforeEach(() => {
    dirs = [];
  });
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && page) await screenshot(page, context.task.name).catch(() => undefined);
    await page?.close();
    await k?.kiosk.stop();
    await gateway?.stop();
    for (const d of dirs) d.remove();
  });

  const screen = () => page.getAttribute('main', 'data-screen');
  const text = () => page.innerText('#app');

  it('shows who the member is, collects points from a receipt and ends the journey on Done', async () => {
    await setUp();
    await page.waitForSelector('main[data-screen="welcome"]');
    expect(await text()).toContain('Tap or scan your loyalty card');

    // Collect: the estimate, then the booked result.
    k.hardware.reader.present(ANNA.uid);
    await page.waitForSelector('main[data-screen="member"]');
    const receipt = { id: 'T-PAGE-1', total: { amount: 1234, currency: 'EUR' } };
    await registerSale(gateway, receipt);
    k.hardware.scanner.scan(receiptCode(receipt));
    await page.waitForSelector('main[data-screen="earned"]');
    expect(await page.innerText('main')).toMatch(/\+223 points[\s\S]*New balance 223 points/);
    expect(k.hardware.display.current.lines.slice(0, 2)).toEqual(['+223 points', 'Balance: 223']);

    await page.click('button.done');
    await page.waitForSelector('main[data-screen="welcome"]');
    expect(await text()).not.toContain('Anna');

    // Who am I: balance, tier and the spend to the next, the points that expire next and when.
    k.hardware.reader.remove();
    k.hardware.reader.present(ANNA.uid);
    await page.waitForSelector('main[data-screen="member"]');
    const { nextExpiry } = await gateway.ledger.identify({ number: ANNA.number });
    expect(nextExpiry?.points).toBe(223);
    const day = formatDay(nextExpiry!.expiresAt, 'en', BERLIN);
    const member = await page.innerText('main');
    expect(member).toContain('Hello, Anna K.');
    expect(await page.innerText('[data-field="balance"]')).toBe('223');
    expect(await page.innerText('[data-field="tier"]')).toBe('Silver');
    // 500.00 EUR for Gold, 12.34 EUR spent.
    expect(await page.innerText('[data-field="next-tier"]')).toBe('Spend 487.66 EUR more to reach Gold');
    expect(await page.innerText('[data-field="expiring"]')).toBe(`223 points expire on ${day}`);
    expect(await page.innerText('#countdown')).toMatch(/^Back to start in \d+ s$/);

    // The balance slip says the same, with the store's local time.
    await eventually(() => k.hardware.printer.jobs.length === 3, 5000, 'balance slip');
    const slip = receiptText(decodeEscPos(k.hardware.printer.jobs[2]!));
    expect(slip.join('\n')).toMatch(new RegExp(`Expire ${day} +223`));
    expect(slip.find((l) => l.startsWith('Time'))).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} CET$/);
  });

  it('switches to Russian with the language button; slips print Cyrillic, the LCD transliterates', async () => {
    await setUp();
    await page.waitForSelector('main[data-screen="welcome"]');
    await page.click('button.lang');
    await page.waitForFunction(() => document.documentElement.lang === 'ru');
    expect(await text()).toContain('Приложите или отсканируйте карту лояльности');
    expect(k.hardware.display.current.lines[0]).toBe('Dobro pozhalovat!');

    k.hardware.reader.present(ANNA.uid);
    await page.waitForSelector('main[data-screen="member"]');
    expect(await page.innerText('main')).toContain('Здравствуйте, Anna K.');
    expect(await page.innerText('button.done')).toBe('Готово');
    expect(k.hardware.display.current.lines.slice(0, 2)).toEqual(['Anna K.', 'Bally: 0']);
    await eventually(() => k.hardware.printer.jobs.length === 1, 5000, 'balance slip');
    const slip = receiptText(decodeEscPos(k.hardware.printer.jobs[0]!)).join('\n');
    expect(slip).toContain('БАЛАНС');
    expect(slip).toMatch(/Баланс баллов +0/);

    // The next customer starts in the store's language again.
    await page.click('button.done');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    expect(await text()).toContain('Welcome!');
  });

  it('returns to the welcome screen by itself, with nothing of the member left, and drops a slip held for them', async () => {
    await setUp({ memberScreenMs: 2500, locale: 'ru' });
    await page.waitForSelector('main[data-screen="welcome"]');
    expect(await text()).toContain('Добро пожаловать!');
    k.hardware.printer.paper = 'out';
    k.hardware.reader.present(ANNA.uid);
    await page.waitForSelector('main[data-screen="member"]');
    await page.waitForSelector('.warning');
    expect(await page.innerText('.warning')).toBe('Проблема с принтером: чек не напечатан');
    expect(await page.innerText('#countdown')).toMatch(/^Возврат на начало через [0-3] с$/);
    expect(k.hardware.printer.held).toBe(1);

    await page.waitForSelector('main[data-screen="welcome"]', { timeout: 5000 });
    expect(await text()).not.toContain('Anna');
    expect(k.hardware.display.text()).not.toContain('Anna');
    expect(k.hardware.printer.held).toBe(0);
    expect(k.kiosk.agent.droppedSlips).toBe(1);
    // Paper back: the dropped slip does not print for whoever stands there now.
    k.hardware.printer.paper = 'ok';
    await k.kiosk.agent.printTestPage();
    expect(k.hardware.printer.jobs).toHaveLength(1);
    expect(receiptText(decodeEscPos(k.hardware.printer.jobs[0]!)).join('\n')).not.toContain('Anna');
  });

  it('says plainly when a card is not known, and refuses bad input to its buttons by name', async () => {
    await setUp();
    await page.waitForSelector('main[data-screen="welcome"]');
    k.hardware.reader.present('04FFFFFFFFFFFF');
    await page.waitForSelector('main[data-screen="notice"]');
    expect(await page.innerText('main')).toContain('Card not recognised');
    expect(await page.getAttribute('main', 'class')).toContain('tone-error');
    expect(await screen()).toBe('notice');

    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(new URL('/input', k.kiosk.pageUrl!), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const bad = await post(JSON.stringify({ action: 'give_points', points: 1000 }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid_input');
    expect((await post('{"action":"done"}', { origin: 'http://evil.example' })).status).toBe(403);
    expect((await post(JSON.stringify({ action: 'done', pad: 'x'.repeat(5000) }))).status).toBe(413);
    expect((await post('not json')).status).toBe(400);
    // Still serving.
    expect((await post('{"action":"done"}')).status).toBe(202);
    await page.waitForSelector('main[data-screen="welcome"]');
  });
});
