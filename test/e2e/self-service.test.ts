/**
 * The customers' page at /my (docs/self-service.md) in Debian's headless Chromium with a phone's
 * screen, against a real gateway with a kiosk connected over MQTT: sign-in with an SMS code (a
 * wrong code, the lockout, an unknown number), points, tier progress, expiring points, history and
 * coupons in English and Russian; the digital card's barcode and QR code decoded from screenshots
 * and scanned at the kiosk; the card offline from the service worker; details, consent, the data
 * export and an erasure request an operator carries out. Screenshots go to test-output/self-service/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Gateway } from '@loyalty/gateway';
import { ANNA, STORE, callApi, eventually, seed, startGateway, startKiosk, tempDir, type CapturedLog, type TestKiosk } from '../support/system.js';
import { describeWithSystem } from '../support/system-deps.js';
import { POINTS_DOC } from '../support/programs.js';
import { CHROMIUM, expectAccessible, launchChromium, screenshot } from '../support/browser.js';
import { decodeBarcode } from '../support/barcode-decode.js';

const SHOTS = join(process.cwd(), 'test-output', 'self-service');
const ANNA_PHONE = '+4915100000009';
const PHONE_SCREEN = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

describeWithSystem('the customers’ page in Chromium on a phone', [CHROMIUM], () => {
  let browser: Browser;
  let dirs: Array<{ path: string; remove: () => void }> = [];
  let gateway: Gateway;
  let gatewayLog: CapturedLog;
  let k: TestKiosk | null = null;
  let context: BrowserContext;
  let page: Page;
  let admin: string;

  beforeAll(async () => {
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    dirs = [tempDir('gw-my'), tempDir('kiosk-my')];
    ({ gateway, log: gatewayLog } = await startGateway(dirs[0]!.path, { customers: { digitalCardProgram: 'points' } }));
    await gateway.directory.ensureStore({ ...STORE, timezone: 'Europe/Moscow' });
    await seed(gateway);
    await gateway.programs.put('points', POINTS_DOC, 'test');
    await gateway.programs.publish('points', undefined, 'test');
    const anna = await gateway.db.execute({ sql: 'SELECT customer_id FROM cards WHERE number = ?', args: [ANNA.number] });
    await gateway.db.execute({ sql: 'UPDATE customers SET phone = ? WHERE id = ?', args: [ANNA_PHONE, String(anna.rows[0]!.customer_id)] });
    admin = (await gateway.tokens.create('admin', 'admin')).token;
    context = await browser.newContext(PHONE_SCREEN);
    page = await context.newPage();
  });
  afterEach(async (c) => {
    if (c.task.result?.state === 'fail' && page) await screenshot(page, c.task.name).catch(() => undefined);
    await context?.close();
    await k?.kiosk.stop();
    k = null;
    await gateway?.stop();
    for (const d of dirs) d.remove();
  });

  const url = (path: string) => `${gateway.httpUrl}${path}`;
  const smsTo = (phone: string) => gatewayLog.find((l) => typeof l.sms === 'string' && String(l.to).endsWith(phone.slice(-4)));
  const codeFor = (phone: string) => /(\d{6})/.exec(String(smsTo(phone).at(-1)?.sms ?? ''))?.[1] ?? '';

  async function askForCode(phone: string): Promise<void> {
    await page.goto(url('/my'));
    await page.waitForSelector('input[name="phone"]');
    await page.fill('input[name="phone"]', phone);
    await page.click('button[type="submit"]');
    await page.waitForSelector('input[name="code"]');
  }
  async function typeCode(code: string): Promise<void> {
    await page.fill('input[name="code"]', code);
    await page.click('form[action="/my/sign-in"] button[type="submit"]');
  }
  async function signIn(phone: string): Promise<void> {
    const before = smsTo(phone).length;
    await askForCode(phone);
    await eventually(() => smsTo(phone).length > before, 5000, 'SMS sent');
    await typeCode(codeFor(phone));
    await page.waitForSelector('nav a[aria-current="page"]');
  }
  const accessible = (name: string) => expectAccessible(page, name, SHOTS);
  const purchase = (amount: number, opId: string, card = ANNA.number) =>
    gateway.ledger.purchase({ opId, card: { number: card }, storeId: STORE.id, currency: 'EUR', items: [{ sku: 'BREAD', category: 'bakery', quantity: 1, unitPrice: amount }], source: 'test' });

  it('signs in with an SMS code into a cookie scripts cannot read and shows points, tier progress, expiring points, coupons and history, in English and Russian', async () => {
    await purchase(4200, '0190b5a0-0000-7000-8000-00000000a001');
    await gateway.ledger.adjust({ opId: '0190b5a0-0000-7000-8000-00000000a002', card: { number: ANNA.number }, points: 600, reason: 'test points', actor: 'test' });
    const coupon = await gateway.ledger.redeem({ opId: '0190b5a0-0000-7000-8000-00000000a003', card: { number: ANNA.number }, storeId: STORE.id, source: 'test', currency: 'EUR', rewardId: 'coffee' });
    const card = (await gateway.ledger.findCard({ number: ANNA.number }))!;
    const [firstLot] = await gateway.ledger.lots(card.accountId);

    await page.goto(url('/my/statement'));
    await page.waitForSelector('h1:text("Sign in")');
    await accessible('sign-in');
    await askForCode(ANNA_PHONE);
    await accessible('code');
    await eventually(() => codeFor(ANNA_PHONE), 5000, 'SMS code');
    const wrong = codeFor(ANNA_PHONE) === '000000' ? '111111' : '000000';
    await typeCode(wrong);
    await page.waitForSelector('[role="alert"]');
    expect(await page.innerText('[role="alert"]')).toBe('The code is not right. 4 tries left.');
    await typeCode(codeFor(ANNA_PHONE));
    await page.waitForSelector('h1:text("Hello, Anna Karenina")');

    const cookie = (await context.cookies()).find((c) => c.name === 'lk_my')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/my' });
    expect(cookie.expires * 1000 - Date.now()).toBeLessThanOrEqual(30 * 60_000 + 5000);
    expect(await page.evaluate(() => document.cookie)).not.toContain('lk_my');

    expect(await page.innerText('[data-field="balance"]')).toBe(`${card.balance} points`);
    expect(card.balance).toBeGreaterThan(0);
    expect(await page.innerText('[data-field="tier"]')).toBe('Level: Silver');
    expect(await page.innerText('[data-field="next-tier"]')).toBe('Spend 458.00 EUR more to reach Gold');
    // The lot ends at local midnight: the page names its last day, the day before.
    const expiryDate = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'Europe/Moscow' }).format(new Date(Date.parse(firstLot!.expiresAt!) - 1));
    const expiring = (await gateway.ledger.lots(card.accountId)).filter((l) => l.expiresAt === firstLot!.expiresAt).reduce((s, l) => s + l.points, 0);
    expect(await page.innerText('[data-field="expiry"]')).toBe(`${expiring} points expire on ${expiryDate}`);
    const couponItem = page.locator(`[data-coupon="${coupon.coupon.code}"]`);
    expect(await couponItem.innerText()).toContain('Free coffee');
    // The coupon's barcode, read from the screen as a till's scanner would.
    expect(decodeBarcode(await couponItem.locator('.barcode').screenshot(), 'code128')).toBe(coupon.coupon.code);
    await accessible('account');

    await page.click('nav a:text("History")');
    await page.waitForSelector('table[data-field="statement"]');
    const rows = await page.locator('table[data-field="statement"] tbody tr').allInnerTexts();
    const statement = await gateway.ledger.statement(ANNA.number, 20);
    expect(rows).toHaveLength(statement.items.length);
    expect(rows[0]).toContain('-500');
    expect(rows.some((r) => r.includes('correction') && r.includes('+600'))).toBe(true);
    await accessible('statement');

    await page.click('a.lang');
    await page.waitForSelector('h1:text("История")');
    await page.click('nav a:text("Баллы")');
    await page.waitForSelector('h1:text("Здравствуйте, Anna Karenina")');
    expect(await page.innerText('[data-field="next-tier"]')).toBe('Ещё 458,00 EUR покупок до уровня «Gold»');
    expect(await page.innerText('[data-field="balance"]')).toBe(`${new Intl.NumberFormat('ru-RU').format(card.balance)} баллов`);
    await accessible('account-ru');
  });

  it('locks a code after five wrong tries, sends nothing to a number that is no member’s, and refuses what is not a phone number', async () => {
    await askForCode(ANNA_PHONE);
    await eventually(() => codeFor(ANNA_PHONE), 5000, 'SMS code');
    const right = codeFor(ANNA_PHONE);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let left = 4; left >= 1; left--) {
      await typeCode(wrong);
      await page.waitForSelector(`[role="alert"]:text("${left === 1 ? '1 try left' : `${left} tries left`}")`);
    }
    await typeCode(wrong);
    await page.waitForSelector('[role="alert"]:text("Too many wrong codes")');
    // The right code no longer works: the lockout holds.
    const signInId = 'input[name="signInId"]';
    expect(await page.locator(signInId).count()).toBe(0);
    const locked = await gateway.db.execute({ sql: `SELECT attempts, consumed_at FROM otp_codes WHERE purpose = 'self_service'` });
    expect(locked.rows).toEqual([expect.objectContaining({ attempts: 5, consumed_at: null })]);

    const stranger = '+4915100000077';
    await askForCode(stranger);
    expect(await page.innerText('[role="status"]')).toContain('+49 ••• 0077');
    await typeCode('123456');
    await page.waitForSelector('[role="alert"]:text("The code is not right.")');
    expect(smsTo(stranger)).toEqual([]);

    await page.goto(url('/my/sign-in'));
    await page.fill('input[name="phone"]', 'not a number');
    await page.click('button[type="submit"]');
    await page.waitForSelector('[role="alert"]:text("This is not a phone number")');
    await page.goto(url('/my/sign-in'));
    expect(await page.locator('[role="alert"]').count()).toBe(0);
  });

  it('gives a customer without a card a digital card whose barcode and QR code the kiosk scans as the card, and shows it offline until sign-out', async () => {
    const phone = '+4915100000042';
    await gateway.customers.create({ name: 'Олег Новиков', phone });
    k = await startKiosk(gateway, dirs[1]!.path);
    await eventually(() => k!.kiosk.link.connected && k!.kiosk.rules.version !== null, 5000, 'kiosk online with its rules');

    await signIn(phone);
    expect(await page.innerText('main')).toContain('You have no active card.');
    await page.click('button:text("Get a digital card")');
    await page.waitForSelector('[role="status"]:text("Your digital card")');
    const [issued] = (await gateway.db.execute({ sql: `SELECT c.number, c.uid, c.status FROM cards c JOIN customers p ON p.id = c.customer_id WHERE p.phone = ?`, args: [phone] })).rows;
    expect(issued).toMatchObject({ uid: null, status: 'active' });
    const number = String(issued!.number);
    // From the same numbered sequence as the plastic cards, after the seeded ones.
    expect(Number(number)).toBeGreaterThan(Number(ANNA.number));
    // Asking again changes nothing: one card.
    const again = await page.request.post(url('/my/digital-card'), { form: { _csrf: await csrfOf(page) }, headers: { origin: gateway.httpUrl } });
    expect(again.status()).toBe(200);
    expect((await gateway.db.execute({ sql: 'SELECT count(*) AS n FROM cards WHERE customer_id = (SELECT id FROM customers WHERE phone = ?)', args: [phone] })).rows[0]!.n).toBe(1);

    await page.click('a:text("Show my card")');
    await page.waitForSelector('[data-field="digital-card"]');
    expect(await page.innerText('[data-field="card-number"]')).toBe(number);
    const fromQr = decodeBarcode(await page.locator('.qr').screenshot(), 'qr');
    const fromBarcode = decodeBarcode(await page.locator('[data-field="digital-card"] .barcode').screenshot(), 'code128');
    expect([fromQr, fromBarcode]).toEqual([number, number]);
    await accessible('card');

    // The kiosk's scanner reads the phone's screen: the member is shown as with a plastic card.
    k.hardware.scanner.scan(fromQr);
    await eventually(() => k!.hardware.display.current.lines[0] === 'Hello Oleg N.', 5000, 'member shown at the kiosk');

    // Installed: the manifest, and the service worker that keeps the card view.
    const manifest = await (await page.request.get(url('/my/manifest.webmanifest'))).json();
    expect(manifest).toMatchObject({ start_url: '/my/card', scope: '/my/', display: 'standalone' });
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await page.reload();
    await eventually(() => page.evaluate(() => navigator.serviceWorker.controller !== null), 5000, 'page controlled by the service worker');
    await page.goto(url('/my/statement'));
    await page.waitForSelector('table[data-field="statement"], h1:text("History")');

    await context.setOffline(true);
    await page.goto(url('/my/card'));
    expect(await page.innerText('[data-field="card-number"]')).toBe(number);
    expect(decodeBarcode(await page.locator('.qr').screenshot(), 'qr')).toBe(number);
    // Never the history: it was not stored.
    expect(
      await page.evaluate(() =>
        fetch('/my/statement').then(
          (r) => `HTTP ${r.status}`,
          () => 'no connection',
        ),
      ),
    ).toBe('no connection');
    const stored = await page.evaluate(async () => {
      const keys = [];
      for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) keys.push(new URL(request.url).pathname);
      return keys.sort();
    });
    expect(stored).toEqual(['/my/card', '/my/icon.svg', '/my/my.css', '/my/my.js']);

    await context.setOffline(false);
    await page.goto(url('/my/card'));
    await page.click('button:text("Sign out")');
    await page.waitForSelector('input[name="phone"]');
    await eventually(() => page.evaluate(async () => (await caches.keys()).length === 0), 5000, 'stored card cleared at sign-out');
  });

  it('edits name and marketing consent, keeps the birthday once set, hands over the data, and queues an erasure that an operator carries out', async () => {
    await signIn(ANNA_PHONE);
    await page.click('nav a:text("My details")');
    await page.waitForSelector('h1:text("My details")');
    await page.fill('input[name="name"]', 'Анна Аркадьевна Каренина');
    await page.fill('input[name="birthday"]', '1990-03-08');
    await page.check('input[name="marketingConsent"]');
    await page.click('form[action="/my/profile"] button');
    await page.waitForSelector('[role="status"]:text("Saved.")');
    const customerId = String((await gateway.db.execute({ sql: 'SELECT id FROM customers WHERE phone = ?', args: [ANNA_PHONE] })).rows[0]!.id);
    expect(await gateway.customers.get(customerId)).toMatchObject({ name: 'Анна Аркадьевна Каренина', birthday: '1990-03-08', marketingConsent: true });
    expect(await page.locator('[data-field="consent-since"]').count()).toBe(1);
    expect(await page.getAttribute('input[name="birthday"]', 'readonly')).not.toBeNull();
    await accessible('profile');

    // The birthday bonus follows the birthday: a changed one is refused, nothing else changes.
    const csrf = await csrfOf(page);
    const changed = await page.request.post(url('/my/profile'), { form: { _csrf: csrf, name: 'Anna', birthday: '1990-12-07', marketingConsent: 'yes' }, headers: { origin: gateway.httpUrl } });
    expect(changed.status()).toBe(422);
    expect(await gateway.customers.get(customerId)).toMatchObject({ name: 'Анна Аркадьевна Каренина', birthday: '1990-03-08' });
    // A form from elsewhere, or without the session's token, changes nothing.
    const forged = await page.request.post(url('/my/profile'), { form: { _csrf: 'x'.repeat(32), name: 'Mallory' }, headers: { origin: gateway.httpUrl } });
    expect(forged.status()).toBe(403);
    const crossSite = await page.request.post(url('/my/profile'), { form: { _csrf: csrf, name: 'Mallory' }, headers: { origin: 'https://evil.example' } });
    expect(crossSite.status()).toBe(403);

    // Opting out: the consent and its time are gone.
    await page.uncheck('input[name="marketingConsent"]');
    await page.click('form[action="/my/profile"] button');
    await page.waitForSelector('[role="status"]:text("Saved.")');
    expect(await gateway.customers.get(customerId)).toMatchObject({ marketingConsent: false, marketingConsentAt: null });

    const download = page.waitForEvent('download');
    await page.click('a:text("Download my data")');
    const exported = JSON.parse(readFileSync((await (await download).path())!, 'utf8'));
    expect(exported.customer).toMatchObject({ id: customerId, phone: ANNA_PHONE, birthday: '1990-03-08' });
    expect(exported.statements[0].card).toBe(ANNA.number);

    await page.click('button:text("Ask to erase my data")');
    // Required box not ticked: the browser stops the form; nothing is queued.
    expect((await callApi(gateway.httpUrl, admin, 'GET', '/data-requests?state=queued')).body.items).toEqual([]);
    await page.check('input[name="confirm"]');
    await page.click('button:text("Ask to erase my data")');
    await page.waitForSelector('[data-field="erasure-queued"]');
    const queued = await callApi(gateway.httpUrl, admin, 'GET', '/data-requests?state=queued');
    expect(queued.body.items).toEqual([expect.objectContaining({ customerId, kind: 'erasure', state: 'queued' })]);

    // Declined with a reason: the customer reads it on the page and may ask again.
    const declined = await callApi(gateway.httpUrl, admin, 'POST', `/data-requests/${queued.body.items[0].id}/decline`, { note: 'a coupon is still being paid out' });
    expect(declined.body).toMatchObject({ state: 'declined', note: 'a coupon is still being paid out' });
    await page.goto(url('/my/profile'));
    expect(await page.innerText('[data-field="erasure-declined"]')).toContain('declined on');
    expect(await page.innerText('[data-field="erasure-declined"]')).toContain('a coupon is still being paid out');
    await page.check('input[name="confirm"]');
    await page.click('button:text("Ask to erase my data")');
    await page.waitForSelector('[data-field="erasure-queued"]');
    const again = await callApi(gateway.httpUrl, admin, 'GET', '/data-requests?state=queued');
    expect(again.body.items).toHaveLength(1);
    expect(again.body.items[0].id).not.toBe(queued.body.items[0].id);

    const done = await callApi(gateway.httpUrl, admin, 'POST', `/data-requests/${again.body.items[0].id}/complete`);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ state: 'done', doneBy: expect.stringMatching(/^api:/) });
    expect(await gateway.customers.get(customerId)).toMatchObject({ erased: true, name: null, phone: null });
    expect((await callApi(gateway.httpUrl, admin, 'POST', `/data-requests/${again.body.items[0].id}/complete`)).body.error).toBe('data_request_closed');
    // The erased customer's session is over.
    await page.goto(url('/my'));
    await page.waitForSelector('h1:text("Sign in")');
    expect((await callApi(gateway.httpUrl, admin, 'GET', '/ledger/verify')).status).toBe(200);
  });
});

/** The session's CSRF token, as the page's forms carry it. */
async function csrfOf(page: Page): Promise<string> {
  return page.locator('input[name="_csrf"]').first().getAttribute('value') as Promise<string>;
}
