/**
 * Metrics an operator can alert on (docs/operator-guide.md "Metrics"): after real traffic (a tap,
 * an earn, HTTP calls, a refused broker login, a kiosk heartbeat), GET /metrics has each family
 * with the samples that traffic made, and the whole page passes `promtool check metrics`.
 */
import { execFile } from 'node:child_process';
import { receiptCode } from '@loyalty/protocol';
import type { Gateway } from '@loyalty/gateway';
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithSystem } from '../support/system-deps.js';
import { ANNA, eventually, registerSale, seed, startGateway, startKiosk, STORE, tempDir, type TestKiosk } from '../support/system.js';

/** The sample lines of one family (name{labels} value), without HELP and TYPE. */
const samples = (page: string, name: string) => page.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
const value = (page: string, series: string) =>
  Number(
    page
      .split('\n')
      .find((line) => line.startsWith(`${series} `))
      ?.split(' ')[1],
  );

function promtool(page: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('promtool', ['check', 'metrics'], (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }));
    child.stdin!.end(page);
  });
}

describeWithSystem('metrics', ['promtool'], () => {
  const dirs = [tempDir('metrics-gw'), tempDir('metrics-kiosk')];
  let gateway: Gateway;
  let k: TestKiosk;
  let page = '';

  beforeAll(async () => {
    ({ gateway } = await startGateway(dirs[0]!.path));
    await seed(gateway);
    k = await startKiosk(gateway, dirs[1]!.path, { config: { heartbeatIntervalMs: 1000 } });
    await eventually(() => k.kiosk.link.connected, 5000, 'kiosk connected');

    k.hardware.reader.present(ANNA.uid);
    await eventually(() => k.kiosk.agent.state === 'member', 5000, 'member shown');
    const receipt = { id: 'M1', total: { amount: 1250, currency: 'EUR' } };
    await registerSale(gateway, receipt);
    k.hardware.scanner.scan(receiptCode(receipt));
    await eventually(() => k.hardware.display.current.lines[0] === '+12 points', 5000, 'earn shown');
    // The heartbeat that reports the outbox depth, and its write.
    await eventually(async () => (await gateway.registry.healthSummaries()).some((s) => s.outboxDepth === 0), 5000, 'heartbeat');

    const { token } = await gateway.tokens.create('viewer', 'metrics test');
    const headers = { authorization: `Bearer ${token}` };
    expect((await fetch(`${gateway.httpUrl}/api/v1/cards/${ANNA.number}`, { headers })).status).toBe(200);
    expect((await fetch(`${gateway.httpUrl}/api/v1/cards/99990`, { headers })).status).toBe(404);
    expect((await fetch(`${gateway.httpUrl}/api/v1/cards/${ANNA.number}`)).status).toBe(401);
    expect((await fetch(`${gateway.httpUrl}/no/such/page`)).status).toBe(404);

    // A login with a wrong password is refused at the broker.
    const intruder = mqtt.connect({ host: '127.0.0.1', port: gateway.mqttEndpoint.port, clientId: 'kiosk-1', username: 'kiosk-1', password: 'wrong', reconnectPeriod: 0 });
    await new Promise<void>((resolve) => {
      intruder.once('error', () => resolve());
      intruder.once('close', () => resolve());
    });
    intruder.end(true);

    page = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
  }, 30_000);

  afterAll(async () => {
    await k?.kiosk.stop();
    await gateway?.stop();
    for (const dir of dirs) dir.remove();
  });

  it('passes promtool check metrics', async () => {
    const { code, output } = await promtool(page);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('counts HTTP requests by method, route pattern and status, with a latency histogram', () => {
    expect(value(page, `loyalty_http_requests_total{method="GET",route="/api/v1/cards/:number",status="200"}`)).toBe(1);
    expect(value(page, `loyalty_http_requests_total{method="GET",route="/api/v1/cards/:number",status="404"}`)).toBe(1);
    // Refused by the token check before the handler: still counted under the route it asked for.
    expect(value(page, `loyalty_http_requests_total{method="GET",route="/api/v1/cards/:number",status="401"}`)).toBe(1);
    expect(value(page, `loyalty_http_requests_total{method="GET",route="unmatched",status="404"}`)).toBe(1);
    // Never the path a client sent: a card number in a label would be personal data.
    expect(page).not.toContain(`/cards/${ANNA.number}`);
    expect(value(page, `loyalty_http_request_duration_seconds_count{method="GET",route="/api/v1/cards/:number"}`)).toBe(3);
  });

  it('times kiosk requests by kind and counts their outcomes', () => {
    expect(value(page, `loyalty_kiosk_request_duration_seconds_count{kind="identify"}`)).toBeGreaterThanOrEqual(1);
    expect(value(page, `loyalty_kiosk_request_duration_seconds_count{kind="earn"}`)).toBe(1);
    expect(value(page, `loyalty_kiosk_requests_total{kind="earn",code="ok"}`)).toBe(1);
    const earnBuckets = samples(page, 'loyalty_kiosk_request_duration_seconds_bucket').filter((line) => line.includes('kind="earn"'));
    expect(earnBuckets.at(-1)).toMatch(/le="\+Inf".* 1$/);
  });

  it('reports ledger commit batches and their duration', () => {
    const commits = value(page, 'loyalty_ledger_commit_batch_operations_count');
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(value(page, 'loyalty_ledger_commit_batch_operations_sum')).toBeGreaterThanOrEqual(commits);
    expect(value(page, 'loyalty_ledger_commit_duration_seconds_count')).toBe(commits);
    expect(value(page, 'loyalty_ledger_commit_duration_seconds_sum')).toBeGreaterThan(0);
  });

  it('shows kiosks connected and the outbox depth they report', () => {
    expect(value(page, 'loyalty_kiosks_connected')).toBe(1);
    expect(value(page, `loyalty_kiosks{store="${STORE.id}",state="online"}`)).toBe(1);
    expect(value(page, `loyalty_kiosk_outbox_operations{store="${STORE.id}"}`)).toBe(0);
    expect(value(page, `loyalty_kiosk_outbox_operations_max{store="${STORE.id}"}`)).toBe(0);
  });

  it('counts MQTT refusals by reason', () => {
    const refusals = samples(page, 'loyalty_mqtt_refusals_total');
    expect(refusals.length).toBeGreaterThanOrEqual(1);
    expect(value(page, `loyalty_mqtt_refusals_total{reason="bad_credentials"}`)).toBe(1);
  });
});
