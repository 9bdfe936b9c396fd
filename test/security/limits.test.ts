/**
 * The attack suite's limits part (docs/security.md "Broker limits", "HTTP limits", "Rate
 * limits"), against a gateway in its own process started through its production entry point, so
 * its resident memory is read from /proc while it is attacked: oversized MQTT packets before and
 * after login, floods of connections that never log in, oversized HTTP bodies, concurrent
 * pairing guesses (counted exactly, and still counted after a restart), SMS pumping from one
 * token and in all, request floods per token; then input hygiene and file modes.
 */
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPublicKey, generateKeyPair } from '@loyalty/protocol';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { eventually, tempDir } from '../support/system.js';

const MiB = 1024 * 1024;
const PENDING_LIMIT = 40;
const CONNECT_TIMEOUT_MS = 1000;
const GUESS_LIMIT = 10;
const SMS_PER_TOKEN = 5;
const SMS_PER_HOUR = 8;

/** An MQTT fixed header: type and flags byte, then the remaining length as MQTT's varint. */
function fixedHeader(typeAndFlags: number, remaining: number): Buffer {
  const bytes = [typeAndFlags];
  do {
    let byte = remaining % 128;
    remaining = Math.floor(remaining / 128);
    if (remaining > 0) byte |= 0x80;
    bytes.push(byte);
  } while (remaining > 0);
  return Buffer.from(bytes);
}

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Writes up to `bytes` as fast as the socket takes them; resolves with how many went before the gateway cut it. */
function stream(socket: Socket, bytes: number): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    const chunk = Buffer.alloc(64 * 1024);
    const done = () => resolve(sent);
    socket.once('close', done);
    socket.on('error', () => {});
    const pump = () => {
      while (sent < bytes && !socket.destroyed) {
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      socket.end();
    };
    pump();
  });
}

const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

describe('no unauthenticated client can grow the gateway’s memory', () => {
  const dir = tempDir('limits-memory');
  let gw: GatewayProcess;

  beforeAll(async () => {
    gw = await startGatewayProcess(dir.path, { mqtt: { limits: { maxPendingConnections: PENDING_LIMIT, connectTimeoutMs: CONNECT_TIMEOUT_MS } } });
    // Warm up what a running gateway has anyway (HTTP, JSON, zod), so growth is the attack's.
    for (let i = 0; i < 20; i += 1) await fetch(`${gw.httpUrl}/healthz`);
  });
  afterAll(async () => {
    await gw.stop();
    dir.remove();
  });

  it('cuts a CONNECT announcing 100 MB as soon as its header is read, and stays small', async () => {
    const before = gw.rssMiB();
    const attacks = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const socket = await openSocket(gw.mqttPort);
        socket.write(fixedHeader(0x10, 100_000_000));
        return stream(socket, 50 * MiB);
      }),
    );
    // Each was cut long before its 50 MiB went through (the kernel buffers a few MiB at most).
    for (const sent of attacks) expect(sent).toBeLessThan(20 * MiB);
    expect(gw.rssMiB() - before).toBeLessThan(25);
    // The child's log reaches us through a pipe: it may arrive a moment after the socket closed.
    await eventually(() => gw.log().includes('connect_too_large'), 3000, 'the cut logged');
  });

  it('closes connections that never log in, and refuses more than the pending limit at once', async () => {
    const before = gw.rssMiB();
    const sockets = await Promise.all(Array.from({ length: PENDING_LIMIT + 20 }, () => openSocket(gw.mqttPort).catch(() => null)));
    const open = sockets.filter((s): s is Socket => s !== null);
    await new Promise((r) => setTimeout(r, 200));
    const stillOpen = open.filter((s) => !s.destroyed && !s.readableEnded);
    expect(stillOpen.length).toBeLessThanOrEqual(PENDING_LIMIT);
    // None of them logs in: the connect timeout closes the rest.
    const started = Date.now();
    await Promise.all(open.map(closed));
    expect(Date.now() - started).toBeLessThan(CONNECT_TIMEOUT_MS + 2000);
    expect(gw.rssMiB() - before).toBeLessThan(15);
    await eventually(() => gw.log().includes('too_many_pending'), 3000, 'the refusals logged');
  });

  it('refuses HTTP bodies over the limit, also on the unauthenticated claim route and when streamed without a length', async () => {
    const before = gw.rssMiB();
    const big = Buffer.alloc(100 * MiB, 0x20);
    const one = await fetch(`${gw.httpUrl}/api/v1/enrollments/claim`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(one.status).toBe(413);
    const ten = await Promise.all(
      Array.from({ length: 10 }, () => fetch(`${gw.httpUrl}/api/v1/enrollments/claim`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big.subarray(0, 10 * MiB) })),
    );
    expect(ten.map((r) => r.status)).toEqual(Array(10).fill(413));
    // Chunked, no content-length: the limit is counted while reading.
    let left = 20;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (left-- <= 0) return controller.close();
        controller.enqueue(new Uint8Array(MiB).fill(0x20));
      },
    });
    const streamed = await fetch(`${gw.httpUrl}/api/v1/enrollments/claim`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ error: 'payload_too_large' });
    await new Promise((r) => setTimeout(r, 500));
    expect(gw.rssMiB() - before).toBeLessThan(40);
    expect((await fetch(`${gw.httpUrl}/healthz`)).status).toBe(200);
  });
});

describe('rate limits that hold', () => {
  const dir = tempDir('limits-rates');
  let gw: GatewayProcess;
  let admin = '';
  const config = { limits: { pairingGuessesPerAddress: GUESS_LIMIT, smsPerTokenPerHour: SMS_PER_TOKEN, smsPerHour: SMS_PER_HOUR, httpPerTokenPerMinute: 30 } };

  beforeAll(async () => {
    gw = await startGatewayProcess(dir.path, config);
    admin = gw.token('admin');
  });
  afterAll(async () => {
    await gw.stop();
    dir.remove();
  });

  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${gw.httpUrl}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });

  it('evaluates exactly the configured number of concurrent pairing guesses from one address, and still after a restart', async () => {
    const key = exportPublicKey(generateKeyPair().publicKey);
    const guess = (code: string) => post('/enrollments/claim', { code, publicKey: key, proof: 'A'.repeat(86) });
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => guess(`WRONG-${String(i).padStart(5, '0')}`)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 400)).toHaveLength(GUESS_LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(200 - GUESS_LIMIT);
    const limited = answers.find((r) => r.status === 429)!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ error: 'rate_limited' });

    // The count is in the ledger: a restart does not reset it.
    await gw.stop();
    gw = await startGatewayProcess(dir.path, config);
    expect((await guess('WRONG-AFTER')).status).toBe(429);
  });

  it('caps SMS codes per API token and in all, so one till cannot pump SMS to many numbers', async () => {
    const pos = gw.token('pos');
    const answers = [];
    for (let i = 0; i < 30; i += 1) answers.push(await post('/identifications', { phone: `+4915112345${String(i).padStart(3, '0')}` }, pos));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(SMS_PER_TOKEN);
    expect(statuses.slice(SMS_PER_TOKEN).every((s) => s === 429)).toBe(true);
    const refused = answers[SMS_PER_TOKEN]!;
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3000);
    expect(await refused.json()).toMatchObject({ error: 'otp_rate_limited' });
    // Another token gets its own allowance, up to the gateway's hourly ceiling.
    const other = gw.token('pos');
    const more = [];
    for (let i = 0; i < SMS_PER_TOKEN; i += 1) more.push((await post('/identifications', { phone: `+4915198765${String(i).padStart(3, '0')}` }, other)).status);
    expect(more).toEqual([...Array(SMS_PER_HOUR - SMS_PER_TOKEN).fill(202), ...Array(2 * SMS_PER_TOKEN - SMS_PER_HOUR).fill(429)]);
    // Exactly the allowed codes went out (the log SMS provider logs each send, masked).
    await eventually(() => (gw.log().match(/SMS \(development log provider/g) ?? []).length >= SMS_PER_HOUR, 3000, 'the sends logged');
    expect(gw.log().match(/SMS \(development log provider/g) ?? []).toHaveLength(SMS_PER_HOUR);
  });

  it('answers 429 with Retry-After when one token sends too many requests', async () => {
    const viewer = gw.token('viewer');
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 40; i += 1) {
      const response = await fetch(`${gw.httpUrl}/api/v1/stores`, { headers: { authorization: `Bearer ${viewer}` } });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(30);
    expect(statuses.at(-1)).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // Another token is not held back by it.
    expect((await fetch(`${gw.httpUrl}/api/v1/stores`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
  });
});

describe('input hygiene and files', () => {
  const dir = tempDir('limits-hygiene');
  let gw: GatewayProcess;
  const dataDir = `${dir.path}/data`;

  beforeAll(async () => {
    gw = await startGatewayProcess(dataDir, {});
  });
  afterAll(async () => {
    await gw.stop();
    dir.remove();
  });

  it('refuses control characters in names and free text with a 400 that names the field', async () => {
    const pos = gw.token('pos');
    for (const name of ['Anna\u0000Karenina', 'Anna\u001b[2J', 'Anna\nKarenina']) {
      const response = await fetch(`${gw.httpUrl}/api/v1/customers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${pos}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: string; details: Array<{ path: string[]; message: string }> };
      expect(body.error).toBe('invalid_request');
      expect(body.details[0]).toMatchObject({ path: ['name'], message: expect.stringContaining('control characters') });
    }
    const ok = await fetch(`${gw.httpUrl}/api/v1/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${pos}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Анна Каренина' }),
    });
    expect(ok.status).toBe(201);
  });

  it('never logs the bytes of a refused body', async () => {
    const pos = gw.token('pos');
    const phone = '+49 151 7654 3210';
    const secretMarker = randomUUID();
    for (const body of [`{"phone":"${phone}", "name": "${secretMarker}"`, `phone=${phone}&name=${secretMarker}`]) {
      const response = await fetch(`${gw.httpUrl}/api/v1/customers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${pos}`, 'content-type': body.startsWith('{') ? 'application/json' : 'text/plain' },
        body,
      });
      expect([400, 415]).toContain(response.status);
      expect(await response.text()).not.toContain(secretMarker);
    }
    // Whatever the gateway logged about these has reached the pipe by now.
    await new Promise((r) => setTimeout(r, 300));
    expect(gw.log()).not.toContain(secretMarker);
    expect(gw.log()).not.toContain('7654');
  });

  it('keeps the ledger and keys readable by the service user only', () => {
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const file of ['gateway.db', 'gateway.db-wal', 'gateway.key']) expect(statSync(`${dataDir}/${file}`).mode & 0o777, file).toBe(0o600);
  });
});
