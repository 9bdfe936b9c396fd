/**
 * The customers' own page at /my (docs/self-service.md): sign in with a phone number and an SMS
 * code, then points, the digital card, the history and one's details, in English or Russian, on
 * the gateway's own Hono app and port. Pages are server-rendered and work without script; forms
 * that change something carry the session's CSRF token and must come from this origin.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { maskCardNumber } from '@loyalty/protocol';
import type { Logger } from '@loyalty/protocol/node';
import { isHttps, sameOrigin, sameToken } from '../http/browser-forms.js';
import { clientAddress, MinuteCounter } from '../http/rate-limit.js';
import { LedgerError } from '../ledger/errors.js';
import { displayName } from '../ledger/cards.js';
import type { CardService } from '../members/card-service.js';
import { accountView, customerTimeZone, type AccountDeps } from './account.js';
import type { DataRequests } from './data-requests.js';
import type { OptOutLinks } from '../reminders/opt-out.js';
import { html } from 'hono/html';
import { MY_ICON, MY_SCRIPT, MY_STYLE, myPage, notice, type MyContext, type Section } from './layout.js';
import { CARD_VIEW_HEADER, manifest, SERVICE_WORKER } from './offline-card.js';
import { accountBody, cardViewBody, profileBody, signInBody, statementBody } from './pages.js';
import { CUSTOMER_SESSION_MS, type CustomerSession, type CustomerSessions } from './sessions.js';
import type { SelfServiceSignIn } from './sign-in.js';
import { MY_LANGS, MY_WORDS, type MyLang } from './words.js';

const SESSION_COOKIE = 'lk_my';
const LANG_COOKIE = 'lk_my_lang';
const STATEMENT_PAGE = 20;

export interface SelfServiceDeps extends AccountDeps {
  cards: CardService;
  sessions: CustomerSessions;
  signIn: SelfServiceSignIn;
  dataRequests: DataRequests;
  /** the signed opt-out links of reminders */
  optOut: OptOutLinks;
  log: Logger;
  /** the program of a digital card for a customer who never had a card (config customers.digitalCardProgram) */
  digitalCardProgram?: string;
  /** sign-in forms per client address per minute (codes asked for and codes typed) */
  signInsPerMinute?: number;
}

type MyEnv = { Variables: { session: CustomerSession; ctx: MyContext; form: Record<string, string | File> } };
type Message = { kind: 'ok' | 'error'; text: string } | null;

export function selfServiceApp(deps: SelfServiceDeps): Hono<MyEnv> {
  const app = new Hono<MyEnv>();
  const attempts = new MinuteCounter(deps.signInsPerMinute ?? 10);

  app.use('*', async (c, next) => {
    await next();
    // Nothing from elsewhere; the page's own script and service worker only.
    c.header(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    );
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'same-origin');
    if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
  });

  const asset = (body: string, type: string) => (c: Context) => c.body(body, 200, { 'content-type': type, 'cache-control': 'max-age=300' });
  app.get('/my.css', asset(MY_STYLE, 'text/css; charset=utf-8'));
  app.get('/my.js', asset(MY_SCRIPT, 'text/javascript; charset=utf-8'));
  app.get('/icon.svg', asset(MY_ICON, 'image/svg+xml'));
  // Always checked for a newer version: a fixed worker reaches every phone at its next visit.
  app.get('/sw.js', (c) => c.body(SERVICE_WORKER, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }));
  app.get('/manifest.webmanifest', (c) => {
    const { lang, words } = context(c, null);
    return c.body(manifest(words, lang), 200, { 'content-type': 'application/manifest+json; charset=utf-8', 'cache-control': 'max-age=300' });
  });

  app.get('/lang/:lang', (c) => {
    const lang = c.req.param('lang');
    if ((MY_LANGS as readonly string[]).includes(lang)) setCookie(c, LANG_COOKIE, lang, { path: '/my', sameSite: 'Strict', httpOnly: true, maxAge: 365 * 86_400 });
    const back = c.req.query('back') ?? '/my';
    // Only back into this page: never an open redirect.
    return c.redirect(/^\/my(\/[A-Za-z0-9/_.-]*)?(\?[A-Za-z0-9=&_-]*)?$/.test(back) && !back.includes('..') ? back : '/my', 303);
  });

  // ---- sign-in ---------------------------------------------------------------------------------

  app.get('/sign-in', async (c) => {
    if (await deps.sessions.find(getCookie(c, SESSION_COOKIE))) return c.redirect('/my', 303);
    const ctx = context(c, null);
    const problem = c.req.query('expired') === '1' ? ctx.words.signIn.expired : null;
    return c.html(await myPage(ctx, ctx.words.signIn.title, null, signInBody(ctx, { step: 'phone', problem })));
  });

  app.post('/sign-in/code', async (c) => {
    const ctx = context(c, null);
    const w = ctx.words.signIn;
    const show = async (status: 200 | 403 | 422 | 429, state: Parameters<typeof signInBody>[1]) => c.html(await myPage(ctx, w.title, null, signInBody(ctx, state)), status);
    if (!sameOrigin(c)) return show(403, { step: 'phone', problem: ctx.words.errors.csrf });
    if (attempts.take(clientAddress(c)) !== null) return show(429, { step: 'phone', problem: w.tooMany });
    const form = await c.req.parseBody();
    const phone = typeof form.phone === 'string' ? form.phone.slice(0, 40) : '';
    try {
      const started = await deps.signIn.start({ phone, address: clientAddress(c) });
      return show(200, { step: 'code', signInId: started.signInId, phoneMasked: started.phoneMasked });
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      if (error.code === 'otp_rate_limited') return show(429, { step: 'phone', phone, problem: w.rateLimited });
      return show(422, { step: 'phone', phone, problem: w.wrongPhone });
    }
  });

  app.post('/sign-in', async (c) => {
    const ctx = context(c, null);
    const w = ctx.words.signIn;
    const form = await c.req.parseBody();
    const signInId = typeof form.signInId === 'string' ? form.signInId : '';
    const again = async (status: 403 | 422 | 429, problem: string, step: 'phone' | 'code' = 'code') =>
      c.html(await myPage(ctx, w.title, null, signInBody(ctx, { step, signInId, phoneMasked: '', problem })), status);
    if (!sameOrigin(c)) return again(403, ctx.words.errors.csrf, 'phone');
    if (attempts.take(clientAddress(c)) !== null) return again(429, w.tooMany);
    try {
      const id = await deps.signIn.confirm({ signInId, code: typeof form.code === 'string' ? form.code.trim() : '' });
      setCookie(c, SESSION_COOKIE, id, { path: '/my', httpOnly: true, sameSite: 'Strict', secure: isHttps(c), maxAge: CUSTOMER_SESSION_MS / 1000 });
      return c.redirect('/my', 303);
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      if (error.code === 'otp_locked') return again(422, w.locked, 'phone');
      if (error.code === 'otp_expired') return again(422, w.codeExpired, 'phone');
      if (error.code === 'customer_not_found') return again(422, w.erased, 'phone');
      const left = (error.details as { triesLeft?: number } | undefined)?.triesLeft ?? null;
      return again(422, w.wrongCode(left));
    }
  });

  // The opt-out link of a reminder works without signing in: the link's token is the credential.
  const optOutParams = (c: Context) => ({ customerId: (c.req.query('c') ?? '').slice(0, 64), token: (c.req.query('t') ?? '').slice(0, 64) });
  app.get('/opt-out', async (c) => {
    const ctx = context(c, null);
    const w = ctx.words.optOut;
    const { customerId, token } = optOutParams(c);
    // A GET changes nothing (mail scanners open links): the page has one button.
    if (!deps.optOut.verify(customerId, token)) return c.html(await myPage(ctx, w.title, null, html`<h1>${w.title}</h1>${notice('error', w.invalid)}`), 404);
    return c.html(
      await myPage(
        ctx,
        w.title,
        null,
        html`<h1>${w.title}</h1><p>${w.hint}</p>
          <form method="post" action="/my/opt-out?c=${encodeURIComponent(customerId)}&t=${token}" class="box"><button type="submit">${w.confirm}</button></form>`,
      ),
    );
  });
  // Also the one-click unsubscribe of mail apps (RFC 8058), which posts from elsewhere.
  app.post('/opt-out', async (c) => {
    const ctx = context(c, null);
    const w = ctx.words.optOut;
    const { customerId, token } = optOutParams(c);
    if (!deps.optOut.verify(customerId, token)) return c.html(await myPage(ctx, w.title, null, html`<h1>${w.title}</h1>${notice('error', w.invalid)}`), 404);
    await deps.customers.withdrawConsent(customerId);
    deps.log.info({ customer: customerId }, 'customer opted out of reminders and offers');
    return c.html(await myPage(ctx, w.title, null, html`<h1>${w.title}</h1>${notice('ok', w.done)}`));
  });

  // Everything below needs a session; a form also its CSRF token and this origin.
  app.use('*', async (c, next) => {
    const cookie = getCookie(c, SESSION_COOKIE);
    const session = await deps.sessions.find(cookie);
    if (!session) {
      if (c.req.method === 'GET') return c.redirect(cookie ? '/my/sign-in?expired=1' : '/my/sign-in', 303);
      const ctx = context(c, null);
      return c.html(await myPage(ctx, ctx.words.signIn.title, null, signInBody(ctx, { step: 'phone', problem: ctx.words.signIn.expired })), 401);
    }
    const ctx = { ...context(c, session), timeZone: await customerTimeZone(deps, session.customerId) };
    c.set('session', session);
    c.set('ctx', ctx);
    if (c.req.method === 'POST') {
      const form = await c.req.parseBody();
      c.set('form', form);
      if (!sameOrigin(c) || !sameToken(typeof form._csrf === 'string' ? form._csrf : '', session.csrf)) {
        deps.log.warn({ path: c.req.path }, 'customer page form refused: CSRF token or origin');
        return c.html(await myPage(ctx, ctx.words.title, null, notice('error', ctx.words.errors.csrf)), 403);
      }
    }
    await next();
  });

  const render = async (c: Context<MyEnv>, section: Section, title: string, body: Parameters<typeof myPage>[3], status: 200 | 422 = 200) =>
    c.html(await myPage(c.get('ctx'), title, section, body), status);

  const showAccount = async (c: Context<MyEnv>, message: Message, status: 200 | 422 = 200) => {
    const ctx = c.get('ctx');
    return render(c, 'account', ctx.words.nav.account, accountBody(ctx, await accountView(deps, c.get('session').customerId), message), status);
  };
  const showProfile = async (c: Context<MyEnv>, message: Message, status: 200 | 422 = 200) => {
    const ctx = c.get('ctx');
    return render(c, 'profile', ctx.words.profile.title, profileBody(ctx, await accountView(deps, c.get('session').customerId), message), status);
  };

  app.get('/', (c) => showAccount(c, null));

  app.get('/card', async (c) => {
    const ctx = c.get('ctx');
    const account = await accountView(deps, c.get('session').customerId);
    const card = account.cards.find((k) => k.status === 'active');
    c.header(CARD_VIEW_HEADER, 'card');
    // The masked name only: this view is kept on the phone (docs/self-service.md "Digital card").
    return render(c, 'card', ctx.words.card.title, cardViewBody(ctx, card ? { number: card.number, name: displayName(account.customer.name) } : null));
  });

  app.get('/statement', async (c) => {
    const ctx = c.get('ctx');
    const account = await accountView(deps, c.get('session').customerId);
    const card = account.cards.find((k) => k.status === 'active') ?? account.cards[0] ?? null;
    const before = c.req.query('before');
    const cursor = before && /^\d{1,15}$/.test(before) ? Number(before) : undefined;
    const page = card ? await deps.ledger.statement(card.number, STATEMENT_PAGE, cursor) : { items: [], nextCursor: null };
    return render(c, 'statement', ctx.words.statement.title, statementBody(ctx, card, page, cursor === undefined));
  });

  app.get('/profile', (c) => showProfile(c, null));

  app.post('/profile', async (c) => {
    const w = c.get('ctx').words.profile;
    const form = c.get('form');
    const name = typeof form.name === 'string' ? form.name.trim() : '';
    const birthday = typeof form.birthday === 'string' && form.birthday !== '' ? form.birthday : null;
    if (name.length < 1 || name.length > 200) return showProfile(c, { kind: 'error', text: w.nameRequired }, 422);
    if (birthday !== null && !validBirthday(birthday, deps.clock.now())) return showProfile(c, { kind: 'error', text: w.badBirthday }, 422);
    try {
      await deps.customers.updateOwnDetails(c.get('session').customerId, { name, birthday, marketingConsent: form.marketingConsent === 'yes' });
    } catch (error) {
      if (error instanceof LedgerError && error.code === 'invalid_request') return showProfile(c, { kind: 'error', text: w.birthdayFixed }, 422);
      throw error;
    }
    return showProfile(c, { kind: 'ok', text: w.saved });
  });

  app.get('/export', async (c) => {
    const customerId = c.get('session').customerId;
    const data = await deps.customers.export(customerId);
    deps.log.info({ customer: customerId }, 'customer downloaded their data from the customers page');
    return c.body(JSON.stringify(data, null, 2), 200, { 'content-type': 'application/json; charset=utf-8', 'content-disposition': 'attachment; filename="my-loyalty-data.json"' });
  });

  app.post('/erasure', async (c) => {
    const w = c.get('ctx').words.profile;
    if (c.get('form').confirm !== 'yes') return showProfile(c, { kind: 'error', text: w.erasureNeedsConfirm }, 422);
    const request = await deps.dataRequests.requestErasure(c.get('session').customerId);
    deps.log.info({ customer: request.customerId, request: request.id }, 'customer asked for erasure; queued for an operator');
    return showProfile(c, null);
  });

  app.post('/digital-card', async (c) => {
    const w = c.get('ctx').words.account;
    const customerId = c.get('session').customerId;
    try {
      const card = await deps.cards.issueDigital({ customerId, programId: deps.digitalCardProgram, actor: `customer:${customerId}` });
      return showAccount(c, { kind: 'ok', text: w.cardIssued(maskCardNumber(card.number)) });
    } catch (error) {
      if (error instanceof LedgerError && error.code === 'digital_card_unavailable') return showAccount(c, { kind: 'error', text: w.cardUnavailable }, 422);
      throw error;
    }
  });

  app.post('/sign-out', async (c) => {
    await deps.sessions.close(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: '/my' });
    // The stored card view and the service worker go too: a shared phone keeps nothing.
    c.header('clear-site-data', '"cache", "storage"');
    return c.redirect('/my/sign-in', 303);
  });

  return app;

  function context(c: Context, session: CustomerSession | null): MyContext {
    const chosen = getCookie(c, LANG_COOKIE);
    const lang: MyLang = chosen === 'ru' || chosen === 'en' ? chosen : /^ru\b/i.test(c.req.header('accept-language') ?? '') ? 'ru' : 'en';
    const url = new URL(c.req.url);
    return { lang, words: MY_WORDS[lang], csrf: session?.csrf ?? null, path: `${url.pathname}${url.search}`, timeZone: 'UTC' };
  }
}

/** A real date, in the past, and not more than 120 years ago. */
function validBirthday(value: string, now: Date): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const at = Date.parse(`${value}T00:00:00Z`);
  return Number.isFinite(at) && new Date(at).toISOString().slice(0, 10) === value && at < now.getTime() && now.getUTCFullYear() - Number(value.slice(0, 4)) <= 120;
}
