/**
 * The touchscreen page, served by the agent itself on the kiosk's loopback address (Chromium in
 * kiosk mode opens it; docs/kiosk-page.md):
 *
 *   GET  /          the page's shell
 *   GET  /kiosk.js  its script
 *   GET  /events    server-sent events: `view` with the rendered screen, at once and on every change
 *   POST /input     a button: {"action":"done"}, {"action":"language","lang":"ru"}, {"action":"rewards"},
 *                   {"action":"redeem","offer":"reward:coffee"}, {"action":"code","code":"123456"}, {"action":"back"},
 *                   {"action":"register"}, {"action":"phone","phone":"+4915112345678"},
 *                   {"action":"name","name":"Анна Каренина","marketing":false}, {"action":"link"}
 *
 * The page holds no state of its own: it shows what the agent's state machine shows. Bad input
 * gets a named error; the number of open pages is capped, so memory stays bounded.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { Logger } from '@loyalty/protocol/node';
import type { KioskAgent } from '../agent.js';
import { PAGE_SCRIPT, pageShell } from './page-assets.js';
import { renderView } from './page-render.js';
import { LANGUAGES, type Presentation } from './view.js';

const PageInput = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('language'), lang: z.enum(LANGUAGES).optional() }),
  z.strictObject({ action: z.literal('done') }),
  z.strictObject({ action: z.literal('back') }),
  z.strictObject({ action: z.literal('rewards') }),
  z.strictObject({ action: z.literal('redeem'), offer: z.string().regex(/^(reward:[A-Za-z0-9_-]{1,64}|points:\d{1,10})$/, 'an offer shown on the screen') }),
  z.strictObject({ action: z.literal('code'), code: z.string().regex(/^\d{4,8}$/, 'the code from the SMS: 4-8 digits') }),
  z.strictObject({ action: z.literal('register') }),
  z.strictObject({ action: z.literal('phone'), phone: z.string().regex(/^\+?\d{6,16}$/, 'a phone number: digits, optionally after a +') }),
  z.strictObject({ action: z.literal('name'), name: z.string().trim().min(1).max(60), marketing: z.boolean() }),
  z.strictObject({ action: z.literal('link'), marketing: z.boolean().optional() }),
]);

/** Chromium and a technician's laptop on the kiosk's network; more would only be a leak. */
export const MAX_PAGES = 8;

export interface PageServerOptions {
  host: string;
  port: number;
  storeName: string;
  agent: KioskAgent;
  log: Logger;
}

const errorBody = (code: string, message: string) => ({ error: { code, message } });

export class PageServer {
  private server: ServerType | null = null;
  private pages = 0;

  constructor(private readonly options: PageServerOptions) {}

  /** Where the page is, once started (http://127.0.0.1:8090/). */
  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('the kiosk page is not started');
    return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`;
  }

  async start(): Promise<void> {
    const app = this.app();
    this.server = await new Promise<ServerType>((resolve, reject) => {
      const server = serve({ fetch: app.fetch, port: this.options.port, hostname: this.options.host }, () => resolve(server));
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new Error(`the kiosk page's port ${this.options.host}:${this.options.port} is in use; set page.port`) : error),
      );
    });
    this.options.log.info({ url: this.url }, 'kiosk page served');
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    // Open event streams would keep close() waiting for ever.
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private app(): Hono {
    const { agent, storeName, log } = this.options;
    const app = new Hono();
    app.onError((error, c) => {
      log.warn({ err: error.message }, 'kiosk page request failed');
      return c.json(errorBody('internal', 'the kiosk could not answer'), 500);
    });
    app.get('/', (c) => c.html(pageShell(storeName)));
    app.get('/kiosk.js', (c) => c.body(PAGE_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }));
    app.get('/events', (c) => {
      if (this.pages >= MAX_PAGES) return c.json(errorBody('too_many_pages', `at most ${MAX_PAGES} pages may watch this kiosk at once`), 503);
      this.pages += 1;
      return streamSSE(c, async (stream) => {
        let closed = false;
        // Only the newest view matters: a page that fell behind skips to it.
        let sending = Promise.resolve();
        const send = (p: Presentation) => {
          sending = sending.then(async () => {
            if (closed || p.seq < agent.current.seq) return;
            const data = JSON.stringify({ html: await renderView(p, storeName), lang: p.lang, screen: p.view.screen, seq: p.seq, now: Date.now() });
            await stream.writeSSE({ event: 'view', data, id: String(p.seq) });
          });
        };
        agent.on('view', send);
        const done = new Promise<void>((resolve) =>
          stream.onAbort(() => {
            closed = true;
            resolve();
          }),
        );
        send(agent.current);
        await done;
        agent.off('view', send);
        this.pages -= 1;
      });
    });
    app.post('/input', bodyLimit({ maxSize: 1024, onError: (c) => c.json(errorBody('payload_too_large', 'a button press is a few bytes'), 413) }), async (c) => {
      // Only this page may press the kiosk's buttons, not a page from elsewhere in the browser.
      if (!sameOrigin(c.req.header('origin'), c.req.header('host'))) return c.json(errorBody('forbidden', 'input from another origin'), 403);
      const body = await c.req.json().catch(() => undefined);
      const input = PageInput.safeParse(body);
      if (!input.success) return c.json(errorBody('invalid_input', input.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')), 400);
      agent.pageInput(input.data);
      return c.json({ accepted: true }, 202);
    });
    app.notFound((c) => c.json(errorBody('not_found', `no ${c.req.method} ${c.req.path} on the kiosk page`), 404));
    return app;
  }
}

function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true; // not sent by a browser page: a local tool
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
