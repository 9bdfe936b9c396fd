/**
 * Checks for the gateway's own server-rendered pages (the operators' console at /admin and the
 * customers' page at /my): a form that changes something must come from this origin and carry
 * its session's CSRF token; cookies are Secure when the browser reached us over HTTPS.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';

export function sameOrigin(c: Context): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site && site !== 'same-origin') return false;
  const origin = c.req.header('origin');
  if (!origin) return site === 'same-origin';
  // The host, not the whole origin: behind a TLS proxy the browser says https and the gateway sees http.
  try {
    return new URL(origin).host === (c.req.header('host') ?? new URL(c.req.url).host);
  } catch {
    return false;
  }
}

export function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}
