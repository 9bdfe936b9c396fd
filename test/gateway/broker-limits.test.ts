/**
 * The embedded broker's limits on a real socket (docs/security.md "Broker limits"): a logged-in
 * client stays past the connect timeout and may send up to the packet limit; a client that never
 * logs in is closed at the timeout; an oversized CONNECT, an oversized packet after login, a
 * first packet that is not a CONNECT, and more connections from one address than allowed are cut.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectUsername, EmbeddedBroker } from '@loyalty/gateway';
import { createLogger } from '@loyalty/protocol/node';

const silent = createLogger({ level: 'silent', name: 't', destination: new Writable({ write: (_c, _e, d) => d() }) });
const LIMITS = { connectMaxBytes: 1024, maxPacketBytes: 4096, maxConnectionsPerAddress: 5, maxPendingConnections: 3, connectTimeoutMs: 300 };

const raw = (port: number) =>
  new Promise<Socket>((resolve, reject) => {
    const socket = netConnect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

describe('embedded broker limits', () => {
  let broker: EmbeddedBroker;
  const refused: string[] = [];
  const clients: MqttClient[] = [];
  const sockets: Socket[] = [];

  beforeEach(async () => {
    refused.length = 0;
    broker = new EmbeddedBroker({ host: '127.0.0.1', port: 0, log: silent, limits: LIMITS, onRefused: (reason) => refused.push(reason) });
    await broker.start();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true).catch(() => undefined);
    for (const s of sockets.splice(0)) s.destroy();
    await broker.stop();
  });

  const client = async (id: string) => {
    const c = await connectAsync({ host: '127.0.0.1', port: broker.port, clientId: id, protocolVersion: 4, reconnectPeriod: 0 });
    clients.push(c);
    return c;
  };

  it('keeps a logged-in client past the connect timeout, delivering packets up to the limit', async () => {
    const a = await client('a');
    const b = await client('b');
    const got: Buffer[] = [];
    b.on('message', (_t, payload) => got.push(payload));
    await b.subscribeAsync('t/x', { qos: 1 });
    await new Promise((r) => setTimeout(r, LIMITS.connectTimeoutMs * 3));
    expect(a.connected && b.connected).toBe(true);
    await a.publishAsync('t/x', Buffer.alloc(3000, 1), { qos: 1 });
    await new Promise((r) => setTimeout(r, 100));
    expect(got.map((p) => p.length)).toEqual([3000]);
    // One packet above the limit after login: cut.
    a.publish('t/x', Buffer.alloc(5000, 1), { qos: 0 });
    await new Promise((r) => setTimeout(r, 200));
    expect(a.connected).toBe(false);
    expect(refused).toContain('packet_too_large');
  });

  it('closes a connection that never logs in at the connect timeout', async () => {
    const idle = await raw(broker.port);
    sockets.push(idle);
    const started = Date.now();
    await closed(idle);
    expect(Date.now() - started).toBeLessThan(LIMITS.connectTimeoutMs + 500);
  });

  it('cuts an oversized CONNECT and a first packet that is not a CONNECT, from their headers', async () => {
    const big = await raw(broker.port);
    sockets.push(big);
    big.write(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x01])); // CONNECT announcing 2 MiB
    await closed(big);
    const publishFirst = await raw(broker.port);
    sockets.push(publishFirst);
    publishFirst.write(Buffer.from([0x30, 0x05, 0x00, 0x01, 0x74, 0x68, 0x69]));
    await closed(publishFirst);
    expect(refused).toEqual(['connect_too_large', 'not_connect_first']);
  });

  it('refuses connections beyond the pending limit and the per-address limit', async () => {
    const pending = await Promise.all(Array.from({ length: LIMITS.maxPendingConnections + 2 }, () => raw(broker.port)));
    sockets.push(...pending);
    await new Promise((r) => setTimeout(r, 100));
    expect(refused.filter((r) => r === 'too_many_pending')).toHaveLength(2);
    for (const s of pending) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < LIMITS.maxConnectionsPerAddress; i += 1) await client(`c${i}`);
    const sixth = await raw(broker.port);
    sockets.push(sixth);
    const started = Date.now();
    await closed(sixth);
    expect(Date.now() - started).toBeLessThan(LIMITS.connectTimeoutMs);
    expect(refused).toContain('too_many_from_address');
  });

  it('reads the username of a CONNECT', () => {
    // protocol "MQTT", level 4, flags: username + clean session, keepalive 60, client id "k", username "kiosk-1"
    const body = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x82, 0, 60, 0, 1, 0x6b, 0, 7, ...Buffer.from('kiosk-1')]);
    expect(connectUsername(body)).toBe('kiosk-1');
    expect(connectUsername(body.subarray(0, 9))).toBeNull();
  });
});
