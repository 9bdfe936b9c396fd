/**
 * Request rate limits per API token and per client address (docs/api.md "Conventions"): a
 * fixed one-minute window per key, in memory, answering `429 rate_limited` with `Retry-After`.
 * Memory stays bounded: at most `maxKeys` keys are tracked, and keys of past windows go first.
 * (The limits that must survive a restart — pairing guesses, SMS — are counted in the ledger.)
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { errorBody } from './errors.js';

const WINDOW_MS = 60_000;

export class MinuteCounter {
  private readonly counts = new Map<string, { window: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  /** Counts one request for `key`: null when allowed, else the seconds until the next window. */
  take(key: string): number | null {
    if (this.limit <= 0) return null;
    const now = this.now();
    const window = Math.floor(now / WINDOW_MS);
    let entry = this.counts.get(key);
    if (!entry || entry.window !== window) {
      if (!entry && this.counts.size >= this.maxKeys) this.evict(window);
      entry = { window, count: 0 };
      this.counts.set(key, entry);
    }
    entry.count += 1;
    return entry.count > this.limit ? Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000)) : null;
  }

  get size(): number {
    return this.counts.size;
  }

  private evict(window: number): void {
    for (const [key, entry] of this.counts) if (entry.window !== window) this.counts.delete(key);
    // Still full of this window's keys (a flood of addresses): forget the oldest half.
    if (this.counts.size >= this.maxKeys) for (const key of [...this.counts.keys()].slice(0, this.maxKeys / 2)) this.counts.delete(key);
  }
}

export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // app.request() in tests has no socket
  }
}

export function rateLimit(counter: MinuteCounter, keyOf: (c: Context) => string | null, what: string): MiddlewareHandler {
  return async (c, next) => {
    const key = keyOf(c);
    const wait = key === null ? null : counter.take(key);
    if (wait !== null) {
      c.header('Retry-After', String(wait));
      return c.json(errorBody('rate_limited', `too many requests from this ${what}; try again in ${wait} s`, { retryAfterSeconds: wait }), 429);
    }
    await next();
  };
}
