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
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { Logger } from '@loyalty/protocol/node';
import type { KioskAgent } from '../agent.js';
import { PAGE_SCRIPT, pageShell } from './page-assets.js';
import { renderView } from './page-render.js';
import { LANGUAGES, STAFF_ACTIONS, type Presentation } from './view.js';

const PageInput = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('language'), lang: z.enum(LANGUAGES).optional() }),
  z.strictObject({ action: z.literal('done') }),
  z.strictObject({ action: z.literal('back') }),
  z.strictObject({ action: z.literal('rewards') }),
  z.strictObject({ action: z.literal('redeem'), offer: z.string().regex(/^(reward:[A-Za-z0-9_-]{1,64}|points:\d{1,10})$/, 'an offer shown on the screen') }),
  z.strictObject({ action: z.literal('code'), code: z.string().regex(/^\d{4,8}$/, 'the code from the SMS: 4-8 digits') }),
  z.strictObject({ action: z.literal('register') }),
  z.strictObject({ action: z.literal('byPhone') }),
  z.strictObject({ action: z.literal('phone'), phone: z.string().regex(/^\+?\d{6,16}$/, 'a phone number: digits, optionally after a +') }),
  z.strictObject({ action: z.literal('name'), name: z.string().trim().min(1).max(60), marketing: z.boolean() }),
  z.strictObject({ action: z.literal('link'), marketing: z.boolean().optional() }),
  // Staff mode (docs/staff.md): acted on only while a staff card has it open.
  z.strictObject({ action: z.literal('staff'), value: z.enum(STAFF_ACTIONS) }),
  z.strictObject({ action: z.literal('staffNumber'), staffNumber: z.string().regex(/^\d{5,19}$/, 'a card number: 5-19 digits') }),
  z.strictObject({ action: z.literal('staffFind') }),
  z.strictObject({ action: z.literal('staffPhone'), staffPhone: z.string().regex(/^\+?\d{6,16}$/, 'a phone number: digits, optionally after a +') }),
  z.strictObject({ action: z.literal('staffCode'), staffCode: z.string().regex(/^\d{4,8}$/, 'the code from the SMS: 4-8 digits') }),
  z.strictObject({ action: z.literal('staffPick'), value: z.string().regex(/^\d{5,19}$/, 'a card number shown on the screen') }),
  z.strictObject({ action: z.literal('staffReason'), value: z.string().regex(/^[a-z_]{1,32}$/, 'a reason shown on the screen') }),
  z.strictObject({
    action: z.literal('staffNote'),
    staffNote: z
      .string()
      .trim()
      .min(3)
      .max(200)
      .refine((text) => !/\p{Cc}/u.test(text), 'no control characters'),
  }),
  z.strictObject({ action: z.literal('staffPoints'), staffPoints: z.string().regex(/^\d{1,7}$/, 'points: 1-7 digits'), value: z.enum(['+', '-']) }),
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

/** What an event stream may hold unsent for a page that does not read (a screen is a few KiB). */
const MAX_BUFFERED_BYTES = 256 * 1024;

/** A press is a few bytes: anything bigger is not from the page. */
const MAX_INPUT_BYTES = 1024;

class PageRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Node's own HTTP server rather than hono on @hono/node-server (as the gateway): four routes, and
 * the adapter's web-standard request and stream machinery cost ~12 MiB resident on a kiosk that
 * idles at 90 (docs/benchmarks.md "kiosk").
 */
export class PageServer {
  private server: Server | null = null;
  private pages = 0;

  constructor(private readonly options: PageServerOptions) {}

  /** Where the page is, once started (http://127.0.0.1:8090/). */
  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('the kiosk page is not started');
    return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: Error) => {
        if (error instanceof PageRequestError) return send(res, error.status, { error: { code: error.code, message: error.message } });
        this.options.log.warn({ err: error.message }, 'kiosk page request failed');
        send(res, 500, { error: { code: 'internal', message: 'the kiosk could not answer' } });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new Error(`the kiosk page's port ${this.options.host}:${this.options.port} is in use; set page.port`) : error),
      );
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    this.server = server;
    this.options.log.info({ url: this.url }, 'kiosk page served');
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    // Open event streams would keep close() waiting for ever.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const route = `${req.method} ${path}`;
    switch (route) {
      case 'GET /':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }).end(pageShell(this.options.storeName));
        return;
      case 'GET /kiosk.js':
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }).end(PAGE_SCRIPT);
        return;
      case 'GET /events':
        return this.events(req, res);
      case 'POST /input':
        return this.input(req, res);
      default:
        throw new PageRequestError(404, 'not_found', `no ${req.method} ${path} on the kiosk page`);
    }
  }

  /** The screen now, then every change, as server-sent events. */
  private events(req: IncomingMessage, res: ServerResponse): void {
    const { agent, storeName } = this.options;
    if (this.pages >= MAX_PAGES) throw new PageRequestError(503, 'too_many_pages', `at most ${MAX_PAGES} pages may watch this kiosk at once`);
    this.pages += 1;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let closed = false;
    // Only the newest view matters: a page that fell behind skips to it.
    let sending = Promise.resolve();
    const send = (p: Presentation) => {
      sending = sending
        .then(async () => {
          if (closed || p.seq < agent.current.seq) return;
          // A page that stopped reading (a hung browser) is let go rather than buffered for.
          if (res.writableLength > MAX_BUFFERED_BYTES) {
            res.destroy();
            return;
          }
          // `now` is when this view was taken up, before it was rendered: the page's clock offset, and where a transition starts (bench page).
          const now = Date.now();
          const data = JSON.stringify({ html: await renderView(p, storeName), lang: p.lang, screen: p.view.screen, seq: p.seq, now });
          res.write(`event: view\nid: ${p.seq}\ndata: ${data}\n\n`);
        })
        .catch((error: Error) => this.options.log.warn({ err: error.message }, 'kiosk page not updated'));
    };
    agent.on('view', send);
    req.on('close', () => {
      closed = true;
      agent.off('view', send);
      this.pages -= 1;
    });
    send(agent.current);
  }

  private async input(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Only this page may press the kiosk's buttons, not a page from elsewhere in the browser.
    if (!sameOrigin(req.headers.origin, req.headers.host)) throw new PageRequestError(403, 'forbidden', 'input from another origin');
    const body = await readBody(req, MAX_INPUT_BYTES);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new PageRequestError(400, 'invalid_input', 'the body is not JSON');
    }
    const input = PageInput.safeParse(json);
    if (!input.success) throw new PageRequestError(400, 'invalid_input', input.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
    this.options.agent.pageInput(input.data);
    send(res, 202, { accepted: true });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** The body as text, refused by name when it passes `limit` bytes (what is over is read and dropped, never kept). */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => (size > limit ? reject(new PageRequestError(413, 'payload_too_large', 'a button press is a few bytes')) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true; // not sent by a browser page: a local tool
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
