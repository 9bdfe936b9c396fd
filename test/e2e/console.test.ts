/**
 * The operators' console at /admin in Debian's headless Chromium (docs/console.md), against a
 * real gateway with a kiosk connected over MQTT: sign-in and its cookie, the live fleet, a
 * kiosk's configuration, commands, pairing and revocation, the reports, a viewer's limits, forged
 * form posts, English and Russian, and an axe-core check of every page. Screenshots of each page
 * go to test-output/console/ (docs/operator-guide.md shows them).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Gateway } from '@loyalty/gateway';
import { ANNA, BORIS, STORE, eventually, seed, startGateway, startKiosk, tempDir, type TestKiosk } from '../support/system.js';
import { describeWithSystem } from '../support/system-deps.js';
import { POINTS_DOC } from '../support/programs.js';
import { CHROMIUM, expectAccessible, launchChromium, screenshot } from '../support/browser.js';

const SHOTS = join(process.cwd(), 'test-output', 'console');

describeWithSystem('the operators’ console in Chromium', [CHROMIUM], () => {
  let browser: Browser;
  let dirs: Array<{ path: string; remove: () => void }> = [];
  let gateway: Gateway;
  let k: TestKiosk | null;
  let context: BrowserContext;
  let page: Page;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    dirs = [tempDir('gw-console'), tempDir('kiosk-console')];
    ({ gateway } = await startGateway(dirs[0]!.path));
    await gateway.directory.ensureStore({ ...STORE, timezone: 'Europe/Moscow' });
    await gateway.directory.ensureStore({ id: 'store-2', name: 'Второй магазин', timezone: 'Europe/Berlin' });
    await seed(gateway);
    for (const role of ['admin', 'viewer', 'pos'] as const) tokens[role] = (await gateway.tokens.create(role, role)).token;
    k = await startKiosk(gateway, dirs[1]!.path);
    await eventually(() => k!.kiosk.link.connected, 5000, 'kiosk online');
    await eventually(async () => (await gateway.registry.list({ id: 'kiosk-1' }))[0]?.telemetry !== null, 5000, 'first heartbeat');
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    page = await context.newPage();
  });
  afterEach(async (c) => {
    if (c.task.result?.state === 'fail' && page) await screenshot(page, c.task.name).catch(() => undefined);
    await context?.close();
    await k?.kiosk.stop();
    await gateway?.stop();
    for (const d of dirs) d.remove();
  });

  const url = (path: string) => `${gateway.httpUrl}${path}`;
  async function signIn(role: string): Promise<void> {
    await page.goto(url('/admin'));
    await page.waitForSelector('input[name="token"]');
    await page.fill('input[name="token"]', tokens[role]!);
    await page.click('button[type="submit"]');
  }
  const accessible = (name: string) => expectAccessible(page, name, SHOTS);

  it('signs in with an admin token into a session cookie scripts cannot read, signs out, and refuses POS and unknown tokens', async () => {
    await page.goto(url('/admin/kiosks'));
    await page.waitForSelector('h1:text("Sign in")');
    await accessible('sign-in');
    await page.fill('input[name="token"]', tokens.pos!);
    await page.click('button[type="submit"]');
    await page.waitForSelector('.flash.error:text("A POS token cannot sign in to the console")');
    await page.fill('input[name="token"]', 'lk_not-a-token');
    await page.click('button[type="submit"]');
    await page.waitForSelector('.flash.error:text("unknown or revoked")');

    await signIn('admin');
    await page.waitForSelector('h1:text("Kiosks")');
    expect(await page.evaluate(() => document.cookie)).not.toContain('lk_console=');
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'lk_console');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });
    // The token is in no URL the browser visited, and not in the page.
    expect(page.url()).not.toContain(tokens.admin!);
    expect(await page.content()).not.toContain(tokens.admin!);

    await page.click('button:text("Sign out")');
    await page.waitForSelector('h1:text("Sign in")');
    await page.goto(url('/admin/kiosks'));
    await page.waitForSelector('h1:text("Sign in")');

    // A revoked token ends its sessions at once.
    await signIn('admin');
    await page.waitForSelector('h1:text("Kiosks")');
    const id = (await gateway.db.execute({ sql: 'SELECT token_id FROM console_sessions LIMIT 1' })).rows[0]!.token_id as string;
    await gateway.tokens.revoke(id);
    await page.goto(url('/admin/reports'));
    await page.waitForSelector('h1:text("Sign in")');
  });

  it('shows the fleet with versions, devices and outbox, filters it, and updates it live when a kiosk goes offline', async () => {
    await signIn('admin');
    const row = page.locator('tr[data-kiosk="kiosk-1"]');
    await row.waitFor();
    expect(await row.locator('[data-field="status"]').innerText()).toBe('online');
    const text = await row.innerText();
    expect(text).toContain('store-1');
    expect(text).toMatch(/Reader: ok/);
    expect(text).toMatch(/Printer: ok/);
    await accessible('fleet');

    // No reload: the event stream replaces the table.
    await k!.kiosk.stop();
    k = null;
    await page.waitForSelector('tr[data-kiosk="kiosk-1"] [data-field="status"]:text("offline")', { timeout: 10_000 });
    await page.selectOption('select[name="status"]', 'online');
    await page.click('button:text("Show")');
    await page.waitForSelector('p:text("No kiosks match.")');
    await page.goto(url('/admin/kiosks?status=offline&storeId=store-1'));
    await page.locator('tr[data-kiosk="kiosk-1"]').waitFor();
  });

  it('edits a kiosk’s desired configuration with field errors, sends commands, makes a pairing code and revokes with a typed confirmation', async () => {
    await signIn('admin');
    await page.goto(url('/admin/kiosks/kiosk-1'));
    await page.waitForSelector('h1:text("Kiosk kiosk-1")');
    await accessible('kiosk');

    await page.fill('textarea[name="patch"]', '{"memberScreenMs": 15000,');
    await page.click('button:text("Save desired configuration")');
    await page.waitForSelector('#patch-errors li:text("Not JSON")');
    await page.fill('textarea[name="patch"]', '{"member screen": 15000}');
    await page.click('button:text("Save desired configuration")');
    await page.waitForSelector('#patch-errors li:text("a field of the kiosk config file")');
    await page.fill('textarea[name="patch"]', '{"memberScreenMs": 15000}');
    await page.click('button:text("Save desired configuration")');
    await page.waitForSelector('.flash.ok:text("Saved as version")');
    expect(await page.innerText('[data-field="desired"]')).toContain('"memberScreenMs": 15000');
    await eventually(() => k!.kiosk.agent.timeouts.memberScreenMs === 15_000, 5000, 'the kiosk applied it');

    await page.click('button:text("Print test page")');
    await page.waitForSelector('.flash.ok:text("Print test page sent.")');
    await eventually(async () => (await gateway.commands.list('kiosk-1'))[0]?.state === 'succeeded', 5000, 'test page printed');
    await page.reload();
    expect(await page.innerText('tr[data-command="print_test_page"] [data-field="state"]')).toBe('succeeded');
    expect(await page.innerText('tr[data-command="print_test_page"] td:first-child')).toBe('test page');
    await page.click('button:text("Restart agent")');
    await page.waitForSelector('.flash.ok:text("Restart agent sent.")');
    await eventually(async () => (await gateway.commands.list('kiosk-1')).find((c) => c.type === 'restart_agent')?.state === 'succeeded', 5000, 'restart acknowledged');

    await page.goto(url('/admin/kiosks'));
    await page.selectOption('#pairing ~ form select[name="storeId"], section[aria-labelledby="pairing"] select[name="storeId"]', 'store-2');
    await page.click('button:text("New pairing code")');
    const code = await page.innerText('[data-field="pairing-code"]');
    expect(code).toMatch(/^[A-Z0-9]{5}-[A-Z0-9]{5}$/);
    expect((await gateway.db.execute({ sql: `SELECT store_id FROM enrollments ORDER BY created_at DESC LIMIT 1` })).rows[0]!.store_id).toBe('store-2');

    await page.goto(url('/admin/kiosks/kiosk-1'));
    await page.fill('input[name="reason"]', 'stolen from the store');
    await page.fill('input[name="confirm"]', 'kiosk-2');
    await page.click('button.danger');
    await page.waitForSelector('.flash.error:text("does not match")');
    expect(gateway.registry.get('kiosk-1')?.status).toBe('active');
    await page.fill('input[name="reason"]', 'stolen from the store');
    await page.fill('input[name="confirm"]', 'kiosk-1');
    await page.click('button.danger');
    await page.waitForSelector('[data-field="status"]:text("revoked")');
    expect(gateway.registry.get('kiosk-1')?.status).toBe('revoked');
  });

  it('lets a viewer look but not change, and refuses forged form posts', async () => {
    await signIn('viewer');
    await page.goto(url('/admin/kiosks/kiosk-1'));
    await page.waitForSelector('h1:text("Kiosk kiosk-1")');
    expect(await page.locator('form[action$="/config"], form[action$="/commands"], form[action$="/revoke"]').count()).toBe(0);
    expect(await page.locator('section[aria-labelledby="pairing"]').count()).toBe(0);
    // The viewer's own session and CSRF token, posted anyway: refused by role.
    const viewerCsrf = await page.getAttribute('input[name="_csrf"]', 'value');
    const asViewer = await page.evaluate(async (csrf) => {
      const body = new URLSearchParams({ _csrf: csrf ?? '', type: 'restart_agent' });
      return (await fetch('/admin/kiosks/kiosk-1/commands', { method: 'POST', body })).status;
    }, viewerCsrf);
    expect(asViewer).toBe(403);
    // Every form that changes something, posted by a viewer: refused, whatever its target.
    const writes = [
      '/admin/kiosks/kiosk-1/config',
      '/admin/kiosks/kiosk-1/revoke',
      '/admin/enrollments',
      '/admin/programs/points',
      '/admin/programs/points/publish',
      '/admin/programs/points/rollback',
      '/admin/programs/points/quote',
      `/admin/cards/${ANNA.number}/block`,
      `/admin/cards/${ANNA.number}/adjust`,
      `/admin/cards/${ANNA.number}/replace`,
      '/admin/cards/batches',
      '/admin/customers/x/reveal',
    ];
    const statuses = await page.evaluate(
      async ({ paths, csrf }) =>
        Promise.all(
          paths.map((path) =>
            fetch(path, { method: 'POST', body: new URLSearchParams({ _csrf: csrf ?? '', reason: 'viewer tries', confirm: 'kiosk-1', points: '5', count: '1', storeId: 'store-1' }) }).then(
              (r) => r.status,
            ),
          ),
        ),
      { paths: writes, csrf: viewerCsrf },
    );
    expect(statuses).toEqual(writes.map(() => 403));
    expect(gateway.registry.get('kiosk-1')?.status).toBe('active');
    expect((await gateway.ledger.findCard({ number: ANNA.number }))?.status).toBe('active');

    await page.click('button:text("Sign out")');
    await signIn('admin');
    await page.goto(url('/admin/kiosks/kiosk-1'));
    await page.waitForSelector('h1:text("Kiosk kiosk-1")');
    // Without the CSRF token, or with another one: refused, nothing sent.
    const forged = await page.evaluate(async () => {
      const post = (body: Record<string, string>) => fetch('/admin/kiosks/kiosk-1/commands', { method: 'POST', body: new URLSearchParams(body) }).then((r) => r.status);
      return [await post({ type: 'restart_agent' }), await post({ type: 'restart_agent', _csrf: 'x'.repeat(32) })];
    });
    expect(forged).toEqual([403, 403]);
    // The right token from another site (its Origin): refused too.
    const csrf = (await page.getAttribute('input[name="_csrf"]', 'value'))!;
    const session = (await context.cookies()).find((c) => c.name === 'lk_console')!.value;
    const crossSite = await fetch(url('/admin/kiosks/kiosk-1/commands'), {
      method: 'POST',
      headers: { cookie: `lk_console=${session}`, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, type: 'restart_agent' }),
    });
    expect(crossSite.status).toBe(403);
    expect(await gateway.commands.list('kiosk-1')).toEqual([]);
  });

  it('shows the liability, a store-local day and the points per day, in Russian, with CSV downloads', async () => {
    const purchase = (amount: number, opId: string) =>
      gateway.ledger.purchase({
        opId,
        card: { number: ANNA.number },
        storeId: STORE.id,
        currency: 'EUR',
        items: [{ sku: 'BREAD', category: 'bakery', quantity: 1, unitPrice: amount }],
        source: 'test',
      });
    await purchase(4200, '0190b5a0-0000-7000-8000-0000000c0001');
    await purchase(800, '0190b5a0-0000-7000-8000-0000000c0002');
    await signIn('viewer');
    await page.click('a.lang');
    await page.waitForSelector('h1:text("Киоски")');
    await accessible('fleet-ru');
    await page.click('nav a:text("Отчёты")');
    await page.waitForSelector('h1:text("Отчёты")');
    expect(await page.innerText('[data-field="total-points"]')).toBe('50');
    // All stores open on the latest day begun in each (store-1 counts days in Moscow, store-2 in Berlin).
    const dayIn = (timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date());
    expect(await page.inputValue('input[name="date"]')).toBe([dayIn('Europe/Moscow'), dayIn('Europe/Berlin')].sort()[0]);
    expect(await page.locator('svg rect.c-earned').count()).toBe(14);
    await accessible('reports-ru');
    await page.goto(url('/admin/reports?days=30&storeId=store-2'));
    expect(await page.locator('svg rect.c-earned').count()).toBe(30);
    expect(await page.inputValue('select[name="storeId"]')).toBe('store-2');

    // One store opens on its own today, where the two purchases are, and downloads that day.
    await page.goto(url('/admin/reports?storeId=store-1'));
    expect(await page.inputValue('input[name="date"]')).toBe(dayIn('Europe/Moscow'));
    const download = page.waitForEvent('download');
    await page.click('a[href^="/admin/reports/daily.csv"]');
    const csv = readFileSync((await (await download).path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/^date,storeId,kioskId,pointsEarned,/);
    expect(csv).toContain(`${dayIn('Europe/Moscow')},store-1,TOTAL,50,0,0,0,0,0,2,`);
    const liability = await page.request.get(url('/admin/reports/liability.csv'));
    expect(liability.headers()['content-type']).toContain('text/csv');
    expect(await liability.text()).toContain('points,TOTAL,points,50\r\n');
  });

  it('edits a program with the gateway’s field errors, publishes a version to one store, rolls it back and quotes what-if', async () => {
    await gateway.programs.put('points', POINTS_DOC, 'test');
    await gateway.programs.publish('points', undefined, 'test');
    await signIn('admin');
    await page.click('nav a:text("Programs")');
    await page.waitForSelector('tr[data-program="points"]');
    await accessible('programs');
    await page.click('tr[data-program="points"] a');
    await page.waitForSelector('h1:text("Store Points")');
    expect(await page.innerText('tr[data-store="store-1"] [data-field="version"]')).toBe('1');
    expect(await page.innerText('tr[data-store="store-2"] [data-field="version"]')).toBe('1');
    await accessible('program');

    // A bad field: listed with its path, the text kept for fixing.
    const document = JSON.parse(await page.inputValue('textarea[name="document"]')) as typeof POINTS_DOC;
    await page.fill('textarea[name="document"]', JSON.stringify({ ...document, earn: { ...document.earn, rate: { ...document.earn.rate, per: -5 } } }, null, 2));
    await page.click('button:text("Save as draft")');
    await page.waitForSelector('#document-errors code:text("earn.rate.per")');
    expect(await page.inputValue('textarea[name="document"]')).toContain('"per": -5');
    await page.fill('textarea[name="document"]', JSON.stringify({ ...document, name: 'Store Points Plus' }, null, 2));
    await page.click('button:text("Save as draft")');
    await page.waitForSelector('.flash.ok:text("Saved as draft version 2")');

    // Version 2 to store-1 only: store-2 keeps version 1 and its bundle.
    const store2Bundle = (await gateway.programs.bundleFor('store-2'))!.version;
    await page.selectOption('select[name="version"]', '2');
    await page.check('input[name="stores"][value="store-1"]');
    await page.click('form[action$="/publish"] button');
    await page.waitForSelector('.flash.ok:text("Version 2 published: 1 store bundle(s) sent.")');
    expect(await page.innerText('tr[data-store="store-1"] [data-field="version"]')).toBe('2');
    expect(await page.innerText('tr[data-store="store-2"] [data-field="version"]')).toBe('1');
    expect((await gateway.programs.bundleFor('store-2'))!.version).toBe(store2Bundle);
    expect((await gateway.programs.bundleFor('store-1'))!.programs[0]!.document.name).toBe('Store Points Plus');

    await page.click('tr[data-store="store-1"] button:text("Roll back")');
    await page.waitForSelector('.flash.ok:text("Store store-1 is back on its previous rules")');
    expect(await page.innerText('tr[data-store="store-1"] [data-field="version"]')).toBe('1');
    expect((await gateway.programs.bundleFor('store-1'))!.programs[0]!.document.name).toBe('Store Points');

    // What if: the explained lines for a described member, as the API's quote gives them.
    await page.selectOption('form[action$="/quote"] select[name="storeId"]', 'store-1');
    await page.fill('input[name="at"]', '2026-11-30T10:00');
    await page.fill('textarea[name="items"]', 'MILK,dairy,2,199\nBREAD,bakery,1,349');
    await page.fill('input[name="tier"]', 'gold');
    await page.click('button:text("Quote")');
    await page.waitForSelector('#quote-result');
    const expected = await gateway.ledger.quote({
      storeId: 'store-1',
      currency: 'EUR',
      at: '2026-11-30T10:00:00.000Z',
      items: [
        { sku: 'MILK', category: 'dairy', quantity: 2, unitPrice: 199 },
        { sku: 'BREAD', category: 'bakery', quantity: 1, unitPrice: 349 },
      ],
      member: {
        cardProgramId: 'points',
        availablePoints: 0,
        tier: { id: 'gold', reviewAt: null },
        qualifyingSpend: 0,
        purchases: 1,
        birthday: null,
        birthdayBonusYear: null,
        referrerId: null,
        memberships: [],
        earnedToday: 0,
      },
    });
    expect(expected.pointsEarned).toBeGreaterThan(0);
    expect(await page.innerText('[data-field="points-earned"]')).toBe(String(expected.pointsEarned));
    for (const line of expected.lines) expect(await page.innerText('section[aria-labelledby="quote-result"]')).toContain(line.text);
    await page.fill('textarea[name="items"]', 'MILK;dairy;2;199');
    await page.click('button:text("Quote")');
    await page.waitForSelector('.flash.error:text("Basket line 1")');

    // A viewer sees the rollout and the document, and none of the forms.
    await page.click('button:text("Sign out")');
    await signIn('viewer');
    await page.goto(url('/admin/programs/points'));
    await page.waitForSelector('h1:text("Store Points")');
    expect(await page.locator('form[action^="/admin/programs/"]').count()).toBe(0);
  });

  it('lists the erasures customers asked for, declines one with its reason and carries out the other, audited; a viewer only sees them', async () => {
    const customerOf = async (number: string) => String((await gateway.db.execute({ sql: 'SELECT customer_id FROM cards WHERE number = ?', args: [number] })).rows[0]!.customer_id);
    const [anna, boris] = [await customerOf(ANNA.number), await customerOf(BORIS.number)];
    const annaRequest = await gateway.dataRequests.requestErasure(anna);
    const borisRequest = await gateway.dataRequests.requestErasure(boris);
    // Asking twice while one is open is the same request.
    expect((await gateway.dataRequests.requestErasure(anna)).id).toBe(annaRequest.id);

    await signIn('viewer');
    await page.goto(url('/admin/cards'));
    await page.waitForSelector('[data-field="data-requests"]');
    expect(await page.locator('[data-field="data-requests"] tbody tr').count()).toBe(2);
    expect(await page.locator('[data-field="data-requests"] button').count()).toBe(0);
    await page.click('button:text("Sign out")');

    await signIn('admin');
    await page.goto(url('/admin/cards'));
    await page.waitForSelector(`tr[data-request="${borisRequest.id}"]`);
    await accessible('data-requests');
    await page.fill(`tr[data-request="${borisRequest.id}"] input[name="note"]`, 'a refund is still open on this card');
    await page.click(`tr[data-request="${borisRequest.id}"] button:text("Decline")`);
    await page.waitForSelector('[role="status"]:text("The request is declined.")');
    await page.click(`tr[data-request="${annaRequest.id}"] button:text("Erase now")`);
    await page.waitForSelector('[role="status"]:text("Done: the customer is erased")');
    expect(await page.locator('[data-field="data-requests"]').count()).toBe(0);

    expect(await gateway.customers.get(anna)).toMatchObject({ erased: true, name: null });
    expect(await gateway.customers.get(boris)).toMatchObject({ erased: false, name: BORIS.name });
    const closed = await gateway.dataRequests.list({ limit: 10 });
    expect(closed.map((r) => [r.customerId, r.state, r.note])).toEqual([
      [anna, 'done', null],
      [boris, 'declined', 'a refund is still open on this card'],
    ]);
    const audit = await gateway.db.execute({ sql: `SELECT action, customer_id, actor_role FROM audit_log WHERE action LIKE 'data_request.%' OR action = 'customer.erase' ORDER BY id` });
    expect(audit.rows.map((r) => [r.action, r.customer_id, r.actor_role])).toEqual([
      ['data_request.declined', boris, 'admin'],
      ['customer.erase', anna, 'admin'],
      ['data_request.done', anna, 'admin'],
    ]);
  });

  it('finds cards and customers, hides personal data until an admin asks (audited), and blocks, adjusts, replaces and makes a batch', async () => {
    const anna = String((await gateway.db.execute({ sql: 'SELECT customer_id FROM cards WHERE number = ?', args: [ANNA.number] })).rows[0]!.customer_id);
    await gateway.db.execute({ sql: 'UPDATE customers SET phone = ? WHERE id = ?', args: ['+4915100000009', anna] });
    await signIn('admin');
    await page.click('nav a:text("Customers and cards")');
    await page.waitForSelector('h1:text("Customers and cards")');
    await accessible('cards');
    await page.fill('input[name="q"]', ANNA.number);
    await page.click('button:text("Find")');
    await page.waitForSelector(`h1:text("Card ${ANNA.number}")`);

    // Adjust: the balance, the statement and the audit log say it.
    await page.fill('form[action$="/adjust"] input[name="points"]', '+75');
    await page.fill('form[action$="/adjust"] input[name="reason"]', 'goodwill: late delivery');
    await page.click('form[action$="/adjust"] button');
    await page.waitForSelector('.flash.ok:text("Adjusted: the balance is 75.")');
    expect(await page.innerText('[data-field="balance"]')).toBe('75');
    expect(await page.innerText('tr[data-audit="points.adjust"]')).toContain('goodwill: late delivery');
    expect(await page.innerText('table[aria-labelledby="statement"] tbody')).toContain('adjustment');
    await accessible('card');

    // Replace: the points move to the next card number; the old card is blocked.
    await page.fill('form[action$="/replace"] input[name="reason"]', 'lost on the bus');
    await page.click('form[action$="/replace"] button');
    const replaced = await (await page.waitForSelector('.flash.ok:text("Replaced")')).innerText();
    const newNumber = /card (\d+)/.exec(replaced)![1]!;
    expect((await gateway.ledger.findCard({ number: newNumber }))?.balance).toBe(75);
    expect((await gateway.ledger.findCard({ number: ANNA.number }))?.status).toBe('blocked');

    // Block another card.
    await page.goto(url(`/admin/cards/${BORIS.number}`));
    await page.fill('form[action$="/block"] input[name="reason"]', 'fraud suspected');
    await page.click('button.danger');
    await page.waitForSelector('[data-field="status"]:text("blocked")');
    expect(await page.innerText('tr[data-audit="card.block"]')).toContain('fraud suspected');

    // The customer by phone: masked until asked, and asking is in the audit log.
    await page.goto(url('/admin/cards'));
    await page.selectOption('select[name="by"]', 'phone');
    await page.fill('input[name="q"]', '+4915100000009');
    await page.click('button:text("Find")');
    await page.waitForSelector('[data-field="name"]');
    expect(await page.innerText('[data-field="name"]')).toBe('A*** K***');
    expect(await page.innerText('[data-field="phone"]')).toBe('+49 ••• 0009');
    await accessible('customer');
    await page.click('button:text("Show personal data")');
    await page.waitForSelector('[data-field="name"]:text("Anna Karenina")');
    expect(await page.innerText('[data-field="phone"]')).toBe('+4915100000009');
    const shown = (await gateway.db.execute({ sql: `SELECT actor, customer_id, detail FROM audit_log WHERE action = 'customer.personal_data_shown'` })).rows;
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({ customer_id: anna, detail: '{}' });
    expect(String(shown[0]!.actor)).toMatch(/^api:/);
    // A part of a number finds nobody.
    await page.goto(url('/admin/cards?by=phone&q=0009'));
    await page.waitForSelector('p:text("Nothing found.")');

    // A batch for the print shop, downloaded as CSV.
    const download = page.waitForEvent('download');
    await page.fill('input[name="count"]', '3');
    await page.click('button:text("Make and download CSV")');
    const csv = readFileSync((await (await download).path())!, 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('number');
    expect(csv.slice(1)).toHaveLength(3);
    for (const number of csv.slice(1)) expect((await gateway.ledger.findCard({ number }))?.status).toBe('unlinked');

    // A viewer finds the same, and sees no action and no personal data.
    await page.click('button:text("Sign out")');
    await signIn('viewer');
    await page.goto(url(`/admin/customers/${anna}`));
    await page.waitForSelector('[data-field="name"]');
    expect(await page.innerText('[data-field="name"]')).toBe('A*** K***');
    expect(await page.locator('form[action$="/reveal"]').count()).toBe(0);
    await page.goto(url(`/admin/cards/${newNumber}`));
    expect(await page.locator('form[action^="/admin/cards/"]').count()).toBe(0);
  });
});
