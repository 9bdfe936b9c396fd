/** The console's sign-in sessions over a libSQL file (docs/console.md): hash-only, ended by sign-out, expiry and token revocation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '@loyalty/gateway';
import { startGateway, tempDir } from '../support/system.js';

describe('console sessions', () => {
  const dir = tempDir('console-sessions');
  let gateway: Gateway;
  let now = new Date('2026-11-30T08:00:00Z');

  beforeAll(async () => {
    ({ gateway } = await startGateway(dir.path, {}, { now: () => now }));
  });
  afterAll(async () => {
    await gateway.stop();
    dir.remove();
  });

  const signIn = async (role: 'admin' | 'viewer') => {
    const { token } = await gateway.tokens.create(role, 'test');
    const response = await fetch(`${gateway.httpUrl}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: gateway.httpUrl, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    expect(response.status).toBe(303);
    return /lk_console=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')![1]!;
  };
  const fleet = (session: string) => fetch(`${gateway.httpUrl}/admin/kiosks`, { redirect: 'manual', headers: { cookie: `lk_console=${session}` } });

  it('keeps only the hash of the session id, and the session ends after 12 hours', async () => {
    const session = await signIn('viewer');
    expect((await fleet(session)).status).toBe(200);
    const stored = (await gateway.db.execute('SELECT id_hash FROM console_sessions')).rows.map((r) => String(r.id_hash));
    expect(stored).not.toContain(session);
    expect(stored.every((h) => /^[0-9a-f]{64}$/.test(h))).toBe(true);
    now = new Date(now.getTime() + 12 * 3_600_000 + 1000);
    const expired = await fleet(session);
    expect(expired.status).toBe(303);
    expect(expired.headers.get('location')).toBe('/admin/login');
  });

  it('refuses a sign-in posted from another site, and a made-up session cookie', async () => {
    const { token } = await gateway.tokens.create('admin', 'test');
    const crossSite = await fetch(`${gateway.httpUrl}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get('set-cookie')).toBeNull();
    expect((await fleet('A'.repeat(43))).status).toBe(303);
    expect((await fleet('not even the right shape')).status).toBe(303);
    // The pages say what they may load: nothing from elsewhere, no inline script.
    const page = await fetch(`${gateway.httpUrl}/admin/login`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('switches the language and goes back only within the console (no open redirect)', async () => {
    const to = async (back: string) => (await fetch(`${gateway.httpUrl}/admin/lang/ru?back=${encodeURIComponent(back)}`, { redirect: 'manual' })).headers.get('location');
    expect(await to('/admin/reports?date=2026-11-29')).toBe('/admin/reports?date=2026-11-29');
    expect(await to('https://evil.example/')).toBe('/admin/kiosks');
    expect(await to('//evil.example/admin')).toBe('/admin/kiosks');
    expect(await to('/api/v1/cards')).toBe('/admin/kiosks');
    expect(await to('/admin/../api/v1/cards')).toBe('/admin/kiosks');
    expect(await to('/admin/kiosks?x=1\r\nset-cookie: a=b')).toBe('/admin/kiosks');
  });
});
