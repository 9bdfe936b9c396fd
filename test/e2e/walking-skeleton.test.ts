/**
 * The walking skeleton end to end over the real stacks: the gateway with aedes on loopback TCP
 * and a libSQL file, a kiosk agent with emulated devices, signed messages both ways.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpIdGenerator, receiptCode, type InvalidRequestReply, type Reply } from '@loyalty/protocol';
import { decodeEscPos, receiptText } from '@loyalty/device';
import type { Gateway } from '@loyalty/gateway';
import { ANNA, eventually, registerSale, seed, startGateway, startKiosk, tempDir, type CapturedLog, type TestKiosk } from '../support/system.js';

const slips = (k: TestKiosk) => k.hardware.printer.jobs.map((job) => receiptText(decodeEscPos(job)));
const lastSlip = (k: TestKiosk) => slips(k).at(-1) ?? [];

async function transfersFor(gateway: Gateway, receiptId: string): Promise<number> {
  const rows = await gateway.db.execute({ sql: "SELECT count(*) AS n FROM transfers WHERE json_extract(refs, '$.receipt') = ?", args: [receiptId] });
  return Number(rows.rows[0]!.n);
}

async function balanceOverHttp(gateway: Gateway, number: string): Promise<number> {
  const { token } = await gateway.tokens.create('viewer', 'test');
  const response = await fetch(`${gateway.httpUrl}/api/v1/cards/${number}`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { balance: number }).balance;
}

describe('walking skeleton: card tap to printed receipt', () => {
  let dirs: Array<{ remove: () => void }> = [];
  let gateway: Gateway;
  let gatewayLog: CapturedLog;
  let k: TestKiosk;
  const cleanups: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    const gwDir = tempDir('gw');
    const kioskDir = tempDir('kiosk');
    dirs = [gwDir, kioskDir];
    ({ gateway, log: gatewayLog } = await startGateway(gwDir.path));
    await seed(gateway);
    k = await startKiosk(gateway, kioskDir.path);
    cleanups.push(
      () => k.kiosk.stop(),
      () => gateway.stop(),
    );
    await eventually(() => k.kiosk.link.connected, 5000, 'kiosk connected');
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
    for (const dir of dirs) dir.remove();
  });

  it('shows the member on the display and prints a balance slip when a card is tapped', async () => {
    k.hardware.reader.present(ANNA.uid);
    await eventually(() => k.kiosk.agent.state === 'member' && k.hardware.printer.jobs.length === 1, 5000, 'member shown and slip printed');
    expect(k.hardware.display.current.lines).toEqual(['Hello Anna K.', 'Points: 0', 'Scan a receipt to', 'collect points']);
    const slip = lastSlip(k);
    expect(slip).toContain('BALANCE');
    expect(slip).toContain('Hello, Anna K.');
    expect(slip.find((l) => l.startsWith('Card'))).toMatch(/\*0009$/);
    expect(slip.find((l) => l.startsWith('Points balance'))).toMatch(/ 0$/);
    // Never the full card number on paper.
    expect(slip.join('\n')).not.toContain(ANNA.number);
  });

  it('earns points for a scanned till receipt and prints them', async () => {
    k.hardware.reader.present(ANNA.uid);
    await eventually(() => k.kiosk.agent.state === 'member');
    const receipt = { id: 'T1001', total: { amount: 2599, currency: 'EUR' } };
    await registerSale(gateway, receipt);
    k.hardware.scanner.scan(receiptCode(receipt));
    await eventually(() => k.hardware.display.current.lines[0] === '+25 points', 5000, 'earn shown');
    expect(k.hardware.display.current.lines[1]).toBe('Balance: 25');
    const slip = lastSlip(k);
    expect(slip.find((l) => l.startsWith('Points earned'))).toMatch(/\+25$/);
    expect(slip.find((l) => l.startsWith('New balance'))).toMatch(/ 25$/);
    expect(await balanceOverHttp(gateway, ANNA.number)).toBe(25);
    expect(await k.kiosk.outbox.depth()).toBe(0);
  });

  it('credits an earn delivered twice exactly once', async () => {
    const request = { kind: 'earn' as const, opId: new OpIdGenerator().next(), card: { number: ANNA.number }, receipt: { id: 'T2002', total: { amount: 1000, currency: 'EUR' } } };
    await registerSale(gateway, request.receipt);
    const replies: Array<Reply | InvalidRequestReply> = [];
    k.kiosk.link.on('reply', (reply) => replies.push(reply));
    expect(await k.kiosk.link.send('req', request)).toBe(true);
    expect(await k.kiosk.link.send('req', request)).toBe(true);
    await eventually(() => replies.length === 2, 5000, 'two replies');
    const results = replies.map((r) => (r.result.status === 'ok' ? (r.result.data as { result: string }).result : r.result.code)).sort();
    expect(results).toEqual(['created', 'exists']);
    expect(await transfersFor(gateway, 'T2002')).toBe(1);
    expect(await balanceOverHttp(gateway, ANNA.number)).toBe(10);

    // The same op id with a different request is refused, and moves nothing.
    k.kiosk.link.send('req', { ...request, receipt: { id: 'T2003', total: { amount: 9900, currency: 'EUR' } } });
    await eventually(() => replies.length === 3);
    expect(replies[2]!.result).toMatchObject({ status: 'error', code: 'exists_with_different_payload' });
    expect(await balanceOverHttp(gateway, ANNA.number)).toBe(10);
  });

  it('keeps an earn made while the gateway is down and lands it exactly once after a restart', async () => {
    const mqttPort = gateway.mqttEndpoint.port;
    const dataDir = (gateway as unknown as { deps: { config: { dataDir: string } } }).deps.config.dataDir;
    k.hardware.reader.present(ANNA.uid);
    await eventually(() => k.kiosk.agent.state === 'member');

    await registerSale(gateway, { id: 'T3003', total: { amount: 4200, currency: 'EUR' } });
    await gateway.stop();
    await eventually(() => !k.kiosk.link.connected, 5000, 'kiosk noticed the gateway is gone');
    const late: Reply[] = [];
    k.kiosk.agent.on('lateResult', (reply) => late.push(reply));
    k.hardware.scanner.scan(receiptCode({ id: 'T3003', total: { amount: 4200, currency: 'EUR' } }));
    await eventually(() => lastSlip(k).includes('PENDING - NOT YET BOOKED'), 5000, 'pending slip');
    expect(k.hardware.display.current.lines).toEqual(['Points saved', 'Will be added when', 'kiosk is online']);
    expect(await k.kiosk.outbox.depth()).toBe(1);

    ({ gateway } = await startGateway(dataDir, { mqtt: { port: mqttPort } }));
    cleanups.push(() => gateway.stop());
    await eventually(async () => (await k.kiosk.outbox.depth()) === 0, 10_000, 'outbox drained');
    expect(late).toHaveLength(1);
    expect(late[0]!.result).toMatchObject({ status: 'ok', data: { pointsEarned: 42, result: 'created' } });
    expect(await transfersFor(gateway, 'T3003')).toBe(1);
    expect(await balanceOverHttp(gateway, ANNA.number)).toBe(42);

    // Resending it again (as a kiosk might after a crash) changes nothing.
    await k.kiosk.requests.resendPending();
    expect(await transfersFor(gateway, 'T3003')).toBe(1);
  });

  it('says "card not recognised" for an unknown card and refuses a wrong check digit', async () => {
    k.hardware.reader.present('04DEADBEEF0000');
    await eventually(() => k.hardware.display.current.lines[0] === 'Card not recognised', 5000, 'not recognised');
    expect(k.hardware.display.signals.at(-1)).toBe('error');
    k.hardware.scanner.scan('10008');
    await eventually(() => k.hardware.display.text().startsWith('Card number not'), 5000, 'wrong check digit');
    expect(k.hardware.printer.jobs).toHaveLength(0);
  });

  it('reports online state and telemetry to the fleet view, and offline when it stops', async () => {
    const view = await eventually(
      async () => {
        const [kiosk] = await gateway.registry.list();
        return kiosk?.online && kiosk.telemetry ? kiosk : null;
      },
      5000,
      'telemetry at the gateway',
    );
    if (!view) throw new Error('unreachable: eventually returns a truthy value');
    expect(view).toMatchObject({ id: 'kiosk-1', storeId: 'store-1', status: 'active', online: true });
    expect(view.telemetry).toMatchObject({ outboxDepth: 0, health: { printer: { state: 'ok' }, reader: { state: 'ok' } }, versions: { agent: expect.any(String) } });
    expect(view.keyFingerprint).toMatch(/^([0-9a-f]{2}:){7}[0-9a-f]{2}$/);
    await k.kiosk.stop();
    await eventually(async () => (await gateway.registry.list())[0]!.online === false, 5000, 'offline after a clean stop');
  });

  it('is reported offline by its last will when its connection dies, and online again after it reconnects', async () => {
    const states = () => gatewayLog.find((l) => l.msg === 'kiosk state').map((l) => l.state);
    await eventually(() => states().includes('online'), 5000, 'online first');
    const before = states().length;
    // Cut the TCP connection under the MQTT client: no DISCONNECT, so the broker sends the will.
    (k.kiosk.link as unknown as { client: { stream: { destroy(): void } } }).client.stream.destroy();
    await eventually(() => states().slice(before).join(',').startsWith('offline') && states().slice(before).includes('online'), 5000, 'offline by will, then online');
    await eventually(() => k.kiosk.link.connected, 5000, 'reconnected');
  });

  it('refuses to collect twice for the same till receipt', async () => {
    k.hardware.scanner.scan(ANNA.number);
    await eventually(() => k.kiosk.agent.state === 'member');
    const receipt = { id: 'T4004', total: { amount: 500, currency: 'EUR' } };
    await registerSale(gateway, receipt);
    const code = receiptCode(receipt);
    k.hardware.scanner.scan(code);
    await eventually(() => k.hardware.display.current.lines[0] === '+5 points');
    k.hardware.scanner.scan(code);
    await eventually(() => k.hardware.display.current.lines[0] === 'Receipt already');
    expect(await balanceOverHttp(gateway, ANNA.number)).toBe(5);
  });
});
