/**
 * The operators' console at /admin (docs/console.md): server-rendered pages on the gateway's own
 * Hono app and port. Sign-in exchanges an admin or viewer API token for a session cookie
 * (HttpOnly, SameSite=Strict); every form that changes something carries the session's CSRF
 * token and must come from this origin. Writes go through the same services as the API, with the
 * token as the actor, so they are audited and checked the same way.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { AppDeps } from '../http/deps.js';
import { clientAddress, MinuteCounter } from '../http/rate-limit.js';
import { isHttps, sameOrigin, sameToken } from '../http/browser-forms.js';
import { ConfigPatch } from '../http/routes/kiosks.js';
import { LedgerError } from '../ledger/errors.js';
import { dailyCsv, dailyReport, liabilityCsv, liabilityReport } from '../reports/reports.js';
import { fleetBody, fleetTable, kioskBody, type FleetData, type FleetStatus, type KioskData } from './fleet.js';
import { CONSOLE_SCRIPT, CONSOLE_STYLE, flash, page, type PageContext } from './layout.js';
import { reportsBody } from './reports-page.js';
import { programBody, programsBody, type ProgramPageData } from './programs-page.js';
import { cardBody, customerBody, searchBody, type CardPageData, type SearchKind } from './cards-page.js';
import { readAudit } from '../audit/audit-log.js';
import { cardDetails } from '../members/card-details.js';
import { isValidCardNumber, localDate } from '@loyalty/protocol';
import { SESSION_MS, type ConsoleSession } from './sessions.js';
import { CONSOLE_LANGS, CONSOLE_WORDS, type ConsoleLang } from './words.js';
import { html } from 'hono/html';

const SESSION_COOKIE = 'lk_console';
const LANG_COOKIE = 'lk_console_lang';
/** Live fleet views open at once; more get 503 (each polls the registry). */
const MAX_STREAMS = 50;
const STREAM_POLL_MS = 2000;
const CHART_DAYS = 14;

export type ConsoleEnv = { Variables: { session: ConsoleSession; ctx: PageContext; form: Record<string, unknown> } };
type ConsoleDeps = Pick<
  AppDeps,
  | 'registry'
  | 'alarms'
  | 'commands'
  | 'kioskConfig'
  | 'enrollments'
  | 'directory'
  | 'revokeKiosk'
  | 'tokens'
  | 'db'
  | 'clock'
  | 'log'
  | 'consoleSessions'
  | 'programs'
  | 'ledger'
  | 'cards'
  | 'customers'
  | 'dataRequests'
>;

export function consoleApp(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  const signInAttempts = new MinuteCounter(20);
  let streams = 0;

  app.use('*', async (c, next) => {
    await next();
    // The pages load nothing from elsewhere and run only this console's own script.
    c.header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
    c.header('x-content-type-options', 'nosniff');
    // same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on the console's own form posts.
    c.header('referrer-policy', 'same-origin');
    if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
  });

  app.get('/console.css', (c) => c.body(CONSOLE_STYLE, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=300' }));
  app.get('/console.js', (c) => c.body(CONSOLE_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=300' }));

  app.get('/lang/:lang', (c) => {
    const lang = c.req.param('lang');
    if ((CONSOLE_LANGS as readonly string[]).includes(lang)) setCookie(c, LANG_COOKIE, lang, { path: '/admin', sameSite: 'Strict', httpOnly: true, maxAge: 365 * 86_400 });
    const back = c.req.query('back') ?? '/admin/kiosks';
    // Only back into the console: never an open redirect.
    return c.redirect(/^\/admin(\/[A-Za-z0-9/_.-]*)?(\?[^\s\\]*)?$/.test(back) && !back.includes('..') ? back : '/admin/kiosks', 303);
  });

  app.get('/login', async (c) => c.html(await signInPage(context(c, null), null)));
  app.post('/login', async (c) => {
    const ctx = context(c, null);
    if (!sameOrigin(c)) return c.html(await signInPage(ctx, ctx.words.errors.csrf), 403);
    if (signInAttempts.take(clientAddress(c)) !== null) return c.html(await signInPage(ctx, ctx.words.signIn.tooMany), 429);
    const form = await c.req.parseBody();
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    const caller = token ? await deps.tokens.identify(token) : null;
    if (!caller) return c.html(await signInPage(ctx, ctx.words.signIn.unknown), 401);
    if (caller.role === 'pos') return c.html(await signInPage(ctx, ctx.words.signIn.pos), 403);
    const id = await deps.consoleSessions.open(caller.id);
    setCookie(c, SESSION_COOKIE, id, { path: '/admin', httpOnly: true, sameSite: 'Strict', secure: isHttps(c), maxAge: SESSION_MS / 1000 });
    deps.log.info({ tokenId: caller.id, role: caller.role }, 'console sign-in');
    return c.redirect('/admin/kiosks', 303);
  });

  // Everything below needs a session; writes also its CSRF token and this origin.
  app.use('*', async (c, next) => {
    const session = await deps.consoleSessions.find(getCookie(c, SESSION_COOKIE));
    if (!session) return c.req.method === 'GET' ? c.redirect('/admin/login', 303) : c.html(await signInPage(context(c, null), null), 401);
    const ctx = context(c, session);
    c.set('session', session);
    c.set('ctx', ctx);
    if (c.req.method === 'POST') {
      // Read once here: the body is a stream, and the handlers get what was read (repeated fields as arrays).
      const form = await c.req.parseBody({ all: true });
      c.set('form', form);
      if (!sameOrigin(c) || !sameToken(typeof form._csrf === 'string' ? form._csrf : '', session.csrf)) {
        deps.log.warn({ path: c.req.path }, 'console form refused: CSRF token or origin');
        return c.html(await page(ctx, ctx.words.title, null, flash('error', ctx.words.errors.csrf)), 403);
      }
      // Anyone may sign out; every other form changes something and needs an admin.
      if (session.role !== 'admin' && c.req.path !== '/admin/logout') return c.html(await page(ctx, ctx.words.title, null, flash('error', ctx.words.errors.forbidden)), 403);
    }
    await next();
  });

  app.get('/', (c) => c.redirect('/admin/kiosks', 303));

  app.post('/logout', async (c) => {
    await deps.consoleSessions.close(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: '/admin' });
    return c.redirect('/admin/login', 303);
  });

  // ---- fleet ----------------------------------------------------------------------------------

  const fleetFilter = (c: Context) => {
    const status = c.req.query('status') ?? '';
    return { storeId: c.req.query('storeId') ?? '', status: (['online', 'offline', 'alarm'].includes(status) ? status : '') as FleetStatus };
  };
  const fleetData = async (filter: FleetData['filter']): Promise<Pick<FleetData, 'kiosks' | 'alarms'>> => {
    const kiosks = await deps.registry.list(filter.storeId ? { storeId: filter.storeId } : {});
    const alarms = await deps.alarms.list({ active: true });
    const inAlarm = new Set(alarms.map((a) => a.kioskId));
    const shown = kiosks.filter((k) =>
      filter.status === 'online' ? k.online : filter.status === 'offline' ? !k.online && k.status === 'active' : filter.status === 'alarm' ? inAlarm.has(k.id) : true,
    );
    return { kiosks: shown, alarms };
  };
  const fleetPage = async (c: Context<ConsoleEnv>, extra: Partial<FleetData> = {}, status: 200 | 400 = 200) => {
    const ctx = c.get('ctx');
    const filter = fleetFilter(c);
    const data: FleetData = { stores: await deps.directory.stores(), ...(await fleetData(filter)), filter, ...extra };
    return c.html(await page(ctx, ctx.words.fleet.title, 'fleet', fleetBody(ctx, data)), status);
  };

  app.get('/kiosks', (c) => fleetPage(c));

  app.get('/events', async (c) => {
    if (streams >= MAX_STREAMS) return c.text('too many live views; reload later', 503);
    const ctx = c.get('ctx');
    const filter = fleetFilter(c);
    streams += 1;
    return streamSSE(c, async (stream) => {
      let last = '';
      let quietFor = 0;
      try {
        while (!stream.aborted && !stream.closed) {
          // A session signed out or revoked meanwhile stops getting updates.
          if (!(await deps.consoleSessions.find(getCookie(c, SESSION_COOKIE)))) break;
          const table = String(await fleetTable(ctx, await fleetData(filter)));
          quietFor += STREAM_POLL_MS;
          if (table !== last) {
            await stream.writeSSE({ event: 'fleet', data: JSON.stringify({ html: table }) });
            last = table;
            quietFor = 0;
          } else if (quietFor >= 15_000) {
            // A comment now and then: proxies close a stream that stays silent.
            await stream.write(': keep-alive\n\n');
            quietFor = 0;
          }
          await stream.sleep(STREAM_POLL_MS);
        }
      } finally {
        streams -= 1;
      }
    });
  });

  const kioskPage = async (c: Context<ConsoleEnv>, id: string, extra: Partial<KioskData> = {}, status: 200 | 400 | 404 | 409 = 200) => {
    const ctx = c.get('ctx');
    const [kiosk] = await deps.registry.list({ id });
    if (!kiosk) return c.html(await page(ctx, ctx.words.errors.notFound, 'fleet', flash('error', ctx.words.errors.notFound)), 404);
    await deps.commands.expire();
    const data: KioskData = {
      kiosk,
      config: await deps.kioskConfig.status(kiosk),
      commands: await deps.commands.list(id, 20),
      alarms: await deps.alarms.list({ kioskId: id, active: true }),
      message: okMessage(c, ctx),
      ...extra,
    };
    return c.html(await page(ctx, ctx.words.kiosk.title(id), 'fleet', kioskBody(ctx, data)), status);
  };

  app.get('/kiosks/:id', (c) => kioskPage(c, c.req.param('id')));

  app.post('/kiosks/:id/config', async (c) => {
    const ctx = c.get('ctx');
    const id = c.req.param('id');
    const form = c.get('form');
    const text = typeof form.patch === 'string' ? form.patch : '';
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      return kioskPage(c, id, { draft: { text, errors: [ctx.words.kiosk.badJson((error as Error).message)] } }, 400);
    }
    const patch = ConfigPatch.safeParse(json);
    if (!patch.success) return kioskPage(c, id, { draft: { text, errors: patch.error.issues.map(fieldError) } }, 400);
    try {
      const saved = await deps.kioskConfig.patchKiosk(id, patch.data, actor(c));
      return c.redirect(`/admin/kiosks/${encodeURIComponent(id)}?ok=config&v=${saved.version}`, 303);
    } catch (error) {
      return kioskPage(c, id, { draft: { text, errors: [refusal(error)] } }, 409);
    }
  });

  app.post('/kiosks/:id/commands', async (c) => {
    const id = c.req.param('id');
    const form = c.get('form');
    const type = form.type === 'print_test_page' || form.type === 'restart_agent' ? form.type : null;
    if (!type) return kioskPage(c, id, { message: { kind: 'error', text: c.get('ctx').words.errors.failed('unknown command') } }, 400);
    try {
      await deps.commands.create(id, { type }, actor(c));
      return c.redirect(`/admin/kiosks/${encodeURIComponent(id)}?ok=${type}`, 303);
    } catch (error) {
      return kioskPage(c, id, { message: { kind: 'error', text: c.get('ctx').words.errors.failed(refusal(error)) } }, 409);
    }
  });

  app.post('/kiosks/:id/revoke', async (c) => {
    const ctx = c.get('ctx');
    const id = c.req.param('id');
    const form = c.get('form');
    const reason = typeof form.reason === 'string' ? form.reason.trim() : '';
    if (form.confirm !== id || reason.length < 3) return kioskPage(c, id, { message: { kind: 'error', text: ctx.words.kiosk.wrongConfirm } }, 400);
    try {
      await deps.revokeKiosk(id, reason.slice(0, 200));
      return c.redirect(`/admin/kiosks/${encodeURIComponent(id)}?ok=revoked`, 303);
    } catch (error) {
      return kioskPage(c, id, { message: { kind: 'error', text: ctx.words.errors.failed(refusal(error)) } }, 409);
    }
  });

  app.post('/enrollments', async (c) => {
    const ctx = c.get('ctx');
    const form = c.get('form');
    const storeId = typeof form.storeId === 'string' ? form.storeId : '';
    try {
      const { code, expiresAt } = await deps.enrollments.create(storeId);
      deps.log.info({ storeId, tokenId: c.get('session').tokenId }, 'pairing code made in the console');
      // Shown once, never redirected through a URL.
      return fleetPage(c, { pairing: { storeId, code, expiresAt } });
    } catch (error) {
      return fleetPage(c, { message: { kind: 'error', text: ctx.words.errors.failed(refusal(error)) } }, 400);
    }
  });

  // ---- customers and cards --------------------------------------------------------------------

  const programIds = async () => (await deps.programs.list()).map((p) => p.id);

  app.get('/cards', async (c) => {
    const ctx = c.get('ctx');
    const kind: SearchKind = c.req.query('by') === 'phone' ? 'phone' : c.req.query('by') === 'customer' ? 'customer' : 'card';
    const query = (c.req.query('q') ?? '').trim().slice(0, 64);
    if (query) {
      if (kind === 'card' && /^\d{5,19}$/.test(query) && (await deps.ledger.findCard({ number: query }))) return c.redirect(`/admin/cards/${query}`, 303);
      if (kind === 'phone') {
        // A whole number only: no listing of customers by part of a phone number.
        const found = await deps.customers.findByPhone(query).catch((error: unknown) => {
          if (error instanceof LedgerError) return [];
          throw error;
        });
        if (found.length) return c.redirect(`/admin/customers/${encodeURIComponent(found[0]!.id)}`, 303);
      }
      if (kind === 'customer' && /^[A-Za-z0-9-]{1,64}$/.test(query) && (await deps.customers.get(query))) return c.redirect(`/admin/customers/${query}`, 303);
    }
    const ok = c.req.query('ok');
    const message = ok === 'erased' ? { kind: 'ok' as const, text: ctx.words.cards.requestErased } : ok === 'declined' ? { kind: 'ok' as const, text: ctx.words.cards.requestDeclined } : undefined;
    return c.html(await page(ctx, ctx.words.cards.title, 'cards', searchBody(ctx, { kind, query, none: query !== '' }, await programIds(), await openRequests(), message)));
  });

  const openRequests = () => deps.dataRequests.list({ state: 'queued', limit: 100 });
  const requestAction = (name: 'complete' | 'decline', act: (c: Context<ConsoleEnv>, id: string) => Promise<unknown>) =>
    app.post(`/data-requests/:id/${name}`, async (c) => {
      const ctx = c.get('ctx');
      try {
        await act(c, c.req.param('id'));
        return c.redirect(`/admin/cards?ok=${name === 'complete' ? 'erased' : 'declined'}`, 303);
      } catch (error) {
        const message = { kind: 'error' as const, text: ctx.words.errors.failed(refusal(error)) };
        return c.html(await page(ctx, ctx.words.cards.title, 'cards', searchBody(ctx, { kind: 'card', query: '', none: false }, await programIds(), await openRequests(), message)), 409);
      }
    });
  requestAction('complete', (c, id) => deps.dataRequests.complete(id, actor(c)));
  requestAction('decline', (c, id) => {
    const note = field(c, 'note').trim();
    if (note.length < 3 || note.length > 500) throw new LedgerError('invalid_request', c.get('ctx').words.cards.declineNote);
    return deps.dataRequests.decline(id, actor(c), note);
  });

  const cardPage = async (c: Context<ConsoleEnv>, number: string, message?: CardPageData['message'], status: 200 | 400 | 409 = 200) => {
    const ctx = c.get('ctx');
    const card = isValidCardNumber(number) || /^\d{5,19}$/.test(number) ? await deps.ledger.findCard({ number }) : null;
    if (!card) return c.html(await page(ctx, ctx.words.errors.notFound, 'cards', flash('error', ctx.words.errors.notFound)), 404);
    const cursor = /^\d{1,15}$/.test(c.req.query('cursor') ?? '') ? c.req.query('cursor')! : null;
    const { lots, wallet, nextExpiry: _next, ...details } = await cardDetails(deps.ledger, card);
    const data: CardPageData = {
      card: details,
      lots,
      wallet,
      statement: { ...(await deps.ledger.statement(card.number, 20, cursor === null ? undefined : Number(cursor))), cursor },
      events: await deps.cards.events(card.number),
      audit: (await readAudit(deps.db, { cardNumber: card.number, limit: 50 })).items,
      message: message ?? cardMessage(c, ctx),
    };
    return c.html(await page(ctx, ctx.words.cards.card(card.number), 'cards', cardBody(ctx, data)), status);
  };

  app.get('/cards/:number', (c) => cardPage(c, c.req.param('number')));

  const cardAction = (name: 'block' | 'replace' | 'adjust', act: (c: Context<ConsoleEnv>, number: string, reason: string) => Promise<string>) =>
    app.post(`/cards/:number/${name}`, async (c) => {
      const number = c.req.param('number');
      const reason = field(c, 'reason').trim();
      if (reason.length < 3 || reason.length > 200) return cardPage(c, number, { kind: 'error', text: c.get('ctx').words.errors.failed(c.get('ctx').words.cards.blockReason) }, 400);
      try {
        const query = await act(c, number, reason);
        return c.redirect(`/admin/cards/${encodeURIComponent(number)}?ok=${name}${query}`, 303);
      } catch (error) {
        return cardPage(c, number, { kind: 'error', text: c.get('ctx').words.errors.failed(refusal(error)) }, 409);
      }
    });
  cardAction('block', async (c, number, reason) => {
    await deps.cards.block({ number, reason, actor: actor(c) });
    return '';
  });
  cardAction('adjust', async (c, number, reason) => {
    const points = Number(field(c, 'points').replace(/^\+/, ''));
    if (!Number.isSafeInteger(points) || points === 0) throw new LedgerError('invalid_request', 'points: a whole number other than 0, with - to take away');
    const done = await deps.ledger.adjust({ opId: `console:${randomUUID()}`, card: { number }, points, reason, actor: actor(c) });
    return `&b=${done.balance}`;
  });
  cardAction('replace', async (c, number, reason) => {
    const newNumber = field(c, 'newNumber').trim();
    const newUid = field(c, 'newUid').trim();
    if (newNumber && !isValidCardNumber(newNumber)) throw new LedgerError('invalid_request', 'the new card number is not valid: its check digit does not match');
    const done = await deps.cards.replace({ opId: `console:${randomUUID()}`, number, ...(newNumber ? { newNumber } : {}), ...(newUid ? { newUid } : {}), reason, actor: actor(c) });
    return `&n=${done.new.number}`;
  });

  app.post('/cards/batches', async (c) => {
    const ctx = c.get('ctx');
    const count = Number(field(c, 'count'));
    const programId = field(c, 'programId');
    try {
      if (!Number.isInteger(count) || count < 1 || count > 10_000) throw new LedgerError('invalid_request', 'between 1 and 10000 cards at a time');
      const batch = await deps.cards.batch({ programId, count, actor: actor(c) });
      return c.body(`number\n${batch.numbers.join('\n')}\n`, 201, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="cards-${batch.numbers[0]}.csv"` });
    } catch (error) {
      const message = { kind: 'error' as const, text: ctx.words.errors.failed(refusal(error)) };
      return c.html(await page(ctx, ctx.words.cards.title, 'cards', searchBody(ctx, { kind: 'card', query: '', none: false }, await programIds(), await openRequests(), message)), 400);
    }
  });

  const customerPage = async (c: Context<ConsoleEnv>, id: string, shown: boolean) => {
    const ctx = c.get('ctx');
    const details = await deps.customers.details(id).catch((error: unknown) => {
      if (error instanceof LedgerError) return null;
      throw error;
    });
    if (!details) return c.html(await page(ctx, ctx.words.errors.notFound, 'cards', flash('error', ctx.words.errors.notFound)), 404);
    const { cards, tier: _tier, memberships: _memberships, ...customer } = details;
    if (shown) await deps.customers.recordDisclosure(id, actor(c));
    const body = customerBody(ctx, { customer, cards: cards.map((k) => ({ number: k.number, status: k.status, balance: k.balance })), shown });
    return c.html(await page(ctx, ctx.words.cards.customer, 'cards', body));
  };

  app.get('/customers/:id', (c) => customerPage(c, c.req.param('id'), false));
  // Shown in the answer to the POST, never through a URL: a reload or a shared link shows it hidden again.
  app.post('/customers/:id/reveal', (c) => customerPage(c, c.req.param('id'), true));

  // ---- programs -------------------------------------------------------------------------------

  app.get('/programs', async (c) => {
    const ctx = c.get('ctx');
    return c.html(await page(ctx, ctx.words.programs.title, 'programs', programsBody(ctx, await deps.programs.list())));
  });

  const programPage = async (c: Context<ConsoleEnv>, id: string, extra: Partial<ProgramPageData> = {}, status: 200 | 400 | 409 = 200) => {
    const ctx = c.get('ctx');
    const program = await deps.programs.get(id).catch((error: unknown) => {
      if (error instanceof LedgerError && error.code === 'program_not_found') return null;
      throw error;
    });
    if (!program) return c.html(await page(ctx, ctx.words.errors.notFound, 'programs', flash('error', ctx.words.errors.notFound)), 404);
    const data: ProgramPageData = { program, stores: await deps.directory.stores(), message: programMessage(c, ctx), ...extra };
    return c.html(await page(ctx, program.name, 'programs', programBody(ctx, data)), status);
  };

  app.get('/programs/:id', (c) => programPage(c, c.req.param('id')));

  app.post('/programs/:id', async (c) => {
    const ctx = c.get('ctx');
    const id = c.req.param('id');
    const text = field(c, 'document');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      return programPage(c, id, { draft: { text, errors: [{ field: '(document)', message: ctx.words.programs.badJson((error as Error).message) }] } }, 400);
    }
    try {
      const saved = await deps.programs.put(id, json, actor(c));
      return c.redirect(`/admin/programs/${encodeURIComponent(id)}?ok=saved&v=${saved.version}`, 303);
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      const details = Array.isArray(error.details) ? (error.details as Array<{ field?: string; message?: string }>) : [];
      const errors = details.length ? details.map((d) => ({ field: String(d.field ?? '(document)'), message: String(d.message ?? '') })) : [{ field: '(document)', message: error.message }];
      return programPage(c, id, { draft: { text, errors } }, 400);
    }
  });

  app.post('/programs/:id/publish', async (c) => {
    const ctx = c.get('ctx');
    const id = c.req.param('id');
    const version = Number(field(c, 'version')) || undefined;
    const stores = fields(c, 'stores');
    try {
      const done = await deps.programs.publish(id, stores.length ? stores : undefined, actor(c), { version });
      return c.redirect(`/admin/programs/${encodeURIComponent(id)}?ok=published&v=${done.version}&n=${done.bundles.length}`, 303);
    } catch (error) {
      return programPage(c, id, { message: { kind: 'error', text: ctx.words.errors.failed(refusal(error)) } }, 409);
    }
  });

  app.post('/programs/:id/rollback', async (c) => {
    const ctx = c.get('ctx');
    const id = c.req.param('id');
    const storeId = field(c, 'storeId');
    try {
      const done = await deps.programs.rollback(storeId, { programId: id }, actor(c));
      return c.redirect(`/admin/programs/${encodeURIComponent(id)}?ok=rolledback&store=${encodeURIComponent(done.storeId)}&v=${done.version}`, 303);
    } catch (error) {
      return programPage(c, id, { message: { kind: 'error', text: ctx.words.errors.failed(refusal(error)) } }, 409);
    }
  });

  app.post('/programs/:id/quote', async (c) => {
    const ctx = c.get('ctx');
    const id = c.req.param('id');
    const names = ['storeId', 'currency', 'at', 'items', 'availablePoints', 'tier', 'qualifyingSpend', 'purchases', 'birthday'] as const;
    const input = Object.fromEntries(names.map((n) => [n, field(c, n)])) as Record<(typeof names)[number], string>;
    const items = [];
    const lines = input.items.split(/\r?\n/).filter((l) => l.trim());
    for (const [index, line] of lines.entries()) {
      const [sku, category, quantity, unitPrice] = line.split(',').map((p) => p.trim());
      if (!sku || !category || !/^\d+$/.test(quantity ?? '') || !/^\d+$/.test(unitPrice ?? '')) return programPage(c, id, { whatIf: { input, error: ctx.words.programs.badItems(index + 1) } }, 400);
      items.push({ sku, category, quantity: Number(quantity), unitPrice: Number(unitPrice) });
    }
    const whole = (v: string) => (/^\d{1,12}$/.test(v) ? Number(v) : 0);
    const member = {
      cardProgramId: id,
      availablePoints: whole(input.availablePoints),
      tier: { id: input.tier.trim() || null, reviewAt: null },
      qualifyingSpend: whole(input.qualifyingSpend),
      purchases: whole(input.purchases),
      birthday: /^\d{4}-\d{2}-\d{2}$/.test(input.birthday) ? input.birthday : null,
      birthdayBonusYear: null,
      referrerId: null,
      memberships: [],
      earnedToday: 0,
    };
    // datetime-local has no zone: it is read as UTC, and the page says so.
    const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(input.at) ? `${input.at}:00.000Z` : undefined;
    try {
      if (!items.length) throw new LedgerError('invalid_request', ctx.words.programs.badItems(1));
      const quote = await deps.ledger.quote({ storeId: input.storeId, currency: /^[A-Z]{3}$/.test(input.currency) ? input.currency : 'EUR', items, member, ...(at ? { at } : {}) });
      const result = { pointsEarned: quote.pointsEarned, discount: quote.discount, payable: quote.payable, currency: quote.currency, lines: quote.lines };
      return programPage(c, id, { whatIf: { input, result } });
    } catch (error) {
      return programPage(c, id, { whatIf: { input, error: ctx.words.errors.failed(refusal(error)) } }, 400);
    }
  });

  // ---- reports --------------------------------------------------------------------------------

  const DateQuery = z.iso.date();
  /**
   * The day asked for, or today as the stores count days: a chosen store's local date; for all
   * stores the latest day that has begun in every one of them (after midnight in Moscow, Berlin's
   * day is still running and Moscow's new one has hardly begun), never a day still to come.
   */
  const reportQuery = (c: Context, stores: ReadonlyArray<{ id: string; timezone: string }>) => {
    const storeId = c.req.query('storeId') ?? '';
    const asked = c.req.query('date');
    if (DateQuery.safeParse(asked).success) return { date: asked!, storeId };
    const nowMs = deps.clock.now().getTime();
    const chosen = stores.filter((s) => !storeId || s.id === storeId);
    const days = (chosen.length ? chosen.map((s) => s.timezone) : ['UTC']).map((zone) => localDate(nowMs, zone));
    return { date: days.sort()[0]!, storeId };
  };

  app.get('/reports', async (c) => {
    const ctx = c.get('ctx');
    const stores = await deps.directory.stores();
    const { date, storeId } = reportQuery(c, stores);
    const known = stores.some((s) => s.id === storeId) ? storeId : '';
    const daily = await dailyReport(deps.db, { date, ...(known ? { storeId: known } : {}) });
    const days = [7, 14, 30, 90].includes(Number(c.req.query('days'))) ? Number(c.req.query('days')) : CHART_DAYS;
    const series = [];
    for (let i = days - 1; i >= 0; i--) {
      const day = new Date(Date.parse(`${date}T00:00:00Z`) - i * 86_400_000).toISOString().slice(0, 10);
      const report = i === 0 ? daily : await dailyReport(deps.db, { date: day, ...(known ? { storeId: known } : {}) });
      const sum = (k: 'pointsEarned' | 'pointsRedeemed' | 'pointsExpired') => report.stores.reduce((n, s) => n + s.totals[k], 0);
      series.push({ date: day, earned: sum('pointsEarned'), redeemed: sum('pointsRedeemed'), expired: sum('pointsExpired') });
    }
    const body = reportsBody(ctx, { stores, liability: await liabilityReport(deps.db, deps.clock.now()), daily, storeId: known, series, days });
    return c.html(await page(ctx, ctx.words.reports.title, 'reports', body));
  });

  app.get('/reports/liability.csv', async (c) => {
    const report = await liabilityReport(deps.db, deps.clock.now());
    return c.body(liabilityCsv(report), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="liability-${report.asOf.slice(0, 10)}.csv"` });
  });

  app.get('/reports/daily.csv', async (c) => {
    const { date, storeId } = reportQuery(c, await deps.directory.stores());
    try {
      const report = await dailyReport(deps.db, { date, ...(storeId ? { storeId } : {}) });
      return c.body(dailyCsv(report), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="daily-${date}${storeId ? `-${storeId}` : ''}.csv"` });
    } catch (error) {
      return c.text(refusal(error), 404);
    }
  });

  app.notFound(async (c) => {
    const ctx = c.get('ctx') ?? context(c, null);
    return c.html(await page(ctx, ctx.words.errors.notFound, null, flash('error', ctx.words.errors.notFound)), 404);
  });

  return app;

  function context(c: Context, session: ConsoleSession | null): PageContext {
    const chosen = getCookie(c, LANG_COOKIE);
    const lang: ConsoleLang = chosen === 'ru' || chosen === 'en' ? chosen : /^ru\b/i.test(c.req.header('accept-language') ?? '') ? 'ru' : 'en';
    const url = new URL(c.req.url);
    return { lang, words: CONSOLE_WORDS[lang], role: session?.role ?? null, csrf: session?.csrf ?? null, path: `${url.pathname}${url.search}` };
  }
}

/** The API token behind the session, as audit records and card events name it. */
function actor(c: Context<ConsoleEnv>): string {
  return `api:${c.get('session').tokenId}`;
}

/** A field's problem as the editor lists it: the field, then what is wrong (a bad field name says why, not just "invalid key"). */
function fieldError(issue: z.core.$ZodIssue): string {
  const inner = issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;
  return `${issue.path.map(String).join('.') || '(document)'}: ${inner ?? issue.message}`;
}

function refusal(error: unknown): string {
  if (error instanceof LedgerError) return error.message;
  throw error;
}

function cardMessage(c: Context<ConsoleEnv>, ctx: PageContext): CardPageData['message'] {
  const ok = c.req.query('ok');
  const w = ctx.words.cards;
  if (ok === 'block') return { kind: 'ok', text: w.blocked };
  if (ok === 'adjust') return { kind: 'ok', text: w.adjusted(Number(c.req.query('b')) || 0) };
  const n = c.req.query('n') ?? '';
  if (ok === 'replace' && /^\d{5,19}$/.test(n)) return { kind: 'ok', text: w.replaced(n) };
  return undefined;
}

/** One field of the form the middleware read (the last, if it was repeated). */
function field(c: Context<ConsoleEnv>, name: string): string {
  const value = c.get('form')[name];
  const last = Array.isArray(value) ? value.at(-1) : value;
  return typeof last === 'string' ? last : '';
}

/** Every value of a repeated field (checkboxes). */
function fields(c: Context<ConsoleEnv>, name: string): string[] {
  const value = c.get('form')[name];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string' && v !== '');
}

function programMessage(c: Context<ConsoleEnv>, ctx: PageContext): ProgramPageData['message'] {
  const ok = c.req.query('ok');
  const w = ctx.words.programs;
  const v = Number(c.req.query('v')) || 0;
  if (ok === 'saved') return { kind: 'ok', text: w.saved(v) };
  if (ok === 'published') {
    const n = Number(c.req.query('n')) || 0;
    return { kind: 'ok', text: n ? w.published(v, n) : w.nothingChanged };
  }
  const store = c.req.query('store') ?? '';
  if (ok === 'rolledback' && /^[A-Za-z0-9_-]{1,64}$/.test(store)) return { kind: 'ok', text: w.rolledBack(store, v) };
  return undefined;
}

/** A success the page says after the redirect that followed a form (keys only, never text from the URL). */
function okMessage(c: Context<ConsoleEnv>, ctx: PageContext): KioskData['message'] {
  const ok = c.req.query('ok');
  const w = ctx.words.kiosk;
  if (ok === 'config') return { kind: 'ok', text: w.saved(Number(c.req.query('v')) || 0) };
  if (ok === 'print_test_page') return { kind: 'ok', text: w.sent(w.testPage) };
  if (ok === 'restart_agent') return { kind: 'ok', text: w.sent(w.restart) };
  if (ok === 'revoked') return { kind: 'ok', text: w.revokedDone };
  return undefined;
}

/** A form must come from this console: the browser's Origin (or Sec-Fetch-Site) says so. */
async function signInPage(ctx: PageContext, problem: string | null): Promise<string> {
  const w = ctx.words;
  return page(
    ctx,
    w.signIn.title,
    null,
    html`<h1>${w.signIn.title}</h1>
      ${flash('error', problem)}
      <form method="post" action="/admin/login" class="card signin">
        <label for="token">${w.signIn.token}</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required>
        <p class="hint">${w.signIn.hint}</p>
        <button type="submit">${w.signIn.submit}</button>
      </form>`,
  );
}
