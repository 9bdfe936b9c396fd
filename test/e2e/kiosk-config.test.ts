/**
 * Desired and reported kiosk configuration over the real broker (docs/fleet.md "Configuration"):
 * a change (screen and request timeouts, log level, printer width) is applied live and reported; an invalid field, and one that only applies at a start,
 * are refused with the reason while the rest is applied; a store's fields reach its kiosks and a
 * kiosk's own fields win; a kiosk offline during a change gets it when it comes back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '@loyalty/gateway';
import { decodeEscPos, receiptText } from '@loyalty/device';
import { callApi, eventually, seed, startGateway, startKiosk, tempDir, type TestKiosk } from '../support/system.js';

describe('desired and reported kiosk configuration', () => {
  const gwDir = tempDir('gw-config');
  const kioskDir = tempDir('kiosk-config');
  let gateway: Gateway;
  let k: TestKiosk;
  let admin = '';

  beforeAll(async () => {
    ({ gateway } = await startGateway(gwDir.path));
    await seed(gateway);
    admin = (await gateway.tokens.create('admin', 'ops')).token;
    k = await startKiosk(gateway, kioskDir.path);
    await eventually(() => k.kiosk.link.connected, 5000, 'online');
  });
  afterAll(async () => {
    await k?.kiosk.stop();
    await gateway.stop();
    gwDir.remove();
    kioskDir.remove();
  });

  const call = (method: string, path: string, body?: unknown) => callApi(gateway.httpUrl, admin, method, path, body);
  const status = async () => (await call('GET', '/kiosks/kiosk-1')).body.config;

  it('applies a change live and reports the version it applied', async () => {
    const patched = await call('PATCH', '/kiosks/kiosk-1/config', { memberScreenMs: 5000, logLevel: 'debug', printer: { columns: 32 } });
    expect(patched).toMatchObject({ status: 200, body: { config: { memberScreenMs: 5000, logLevel: 'debug', printer: { columns: 32 } } } });
    await eventually(() => k.kiosk.agent.timeouts.memberScreenMs === 5000, 5000, 'applied');
    expect(k.log.logger.level).toBe('debug');
    // The next slip is laid out for the narrower roll.
    await k.kiosk.agent.printTestPage();
    const slip = receiptText(decodeEscPos(k.hardware.printer.jobs.at(-1)!));
    expect(slip).toContain('0123456789'.repeat(4).slice(0, 32));
    expect(Math.max(...slip.map((line) => line.length))).toBe(32);
    await eventually(async () => (await status()).reported?.version === patched.body.version, 5000, 'reported');
    expect(await status()).toMatchObject({ desired: { version: patched.body.version }, reported: { refused: [] }, difference: { pending: false, refused: [] } });
  });

  it('refuses an invalid field and one that applies only at a start, with the reason, and applies the rest', async () => {
    const patched = await call('PATCH', '/kiosks/kiosk-1/config', { memberScreenMs: 10, requestTimeoutMs: 2500, mqtt: { host: 'elsewhere' }, colour: 'blue' });
    await eventually(async () => (await status()).reported?.version === patched.body.version, 5000, 'reported');
    expect(k.kiosk.agent.timeouts).toEqual({ memberScreenMs: 5000, requestTimeoutMs: 2500 });
    const { reported, difference } = await status();
    expect(reported.refused).toEqual([
      { field: 'memberScreenMs', reason: expect.stringContaining('1000') },
      { field: 'mqtt', reason: expect.stringContaining('next start') },
      { field: 'colour', reason: 'not a kiosk configuration field' },
    ]);
    expect(difference).toEqual({ pending: false, refused: ['memberScreenMs', 'mqtt', 'colour'] });
    // Removing the bad fields (null) leaves a clean document.
    const cleaned = await call('PATCH', '/kiosks/kiosk-1/config', { memberScreenMs: null, mqtt: null, colour: null });
    expect(cleaned.body.config).toEqual({ logLevel: 'debug', requestTimeoutMs: 2500, printer: { columns: 32 } });
  });

  it('gives a kiosk offline during a store-wide change its configuration when it comes back; its own fields win', async () => {
    await k.kiosk.stop();
    const store = await call('PATCH', '/stores/store-1/kiosk-config', { memberScreenMs: 7000, requestTimeoutMs: 4000 });
    expect(store).toMatchObject({ status: 200, body: { kiosks: ['kiosk-1'], config: { memberScreenMs: 7000, requestTimeoutMs: 4000 } } });
    expect((await status()).difference.pending).toBe(true);
    k = await startKiosk(gateway, kioskDir.path);
    // The store's screen time; the kiosk's own request timeout (2500) wins over the store's.
    await eventually(() => k.kiosk.agent.timeouts.memberScreenMs === 7000, 5000, 'applied after reconnect');
    expect(k.kiosk.agent.timeouts.requestTimeoutMs).toBe(2500);
    await eventually(async () => (await status()).difference.pending === false, 5000, 'reported after reconnect');
    expect((await call('PATCH', '/kiosks/nobody/config', { logLevel: 'info' })).body.error).toBe('kiosk_not_found');
    expect((await call('PATCH', '/stores/nowhere/kiosk-config', { logLevel: 'info' })).body.error).toBe('store_not_found');
    expect((await call('PATCH', '/kiosks/kiosk-1/config', {})).status).toBe(400);
  });
});
