/**
 * The gateway's in-process link to its embedded broker (gateway/src/mqtt/in-process-client.ts),
 * against kiosks that are real MQTT clients over loopback: it receives what they publish on its
 * filters, in order, and the retained messages it subscribes to; what it publishes is retained
 * and queued for an offline session as a client's publish would be; a listener that throws is
 * reported as the link's error without breaking delivery; once ended it hears nothing.
 */
import { Writable } from 'node:stream';
import { connect, connectAsync, type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedBroker } from '@loyalty/gateway';
import { createLogger } from '@loyalty/protocol/node';

const silent = createLogger({ level: 'silent', name: 't', destination: new Writable({ write: (_c, _e, d) => d() }) });
const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

describe('the in-process link to the embedded broker', () => {
  let broker: EmbeddedBroker;
  const clients: MqttClient[] = [];

  beforeEach(async () => {
    broker = new EmbeddedBroker({ host: '127.0.0.1', port: 0, log: silent });
    await broker.start();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true).catch(() => undefined);
    await broker.stop();
  });

  const kiosk = async (id: string, clean = true) => {
    const c = await connectAsync({ host: '127.0.0.1', port: broker.port, clientId: id, protocolVersion: 4, reconnectPeriod: 0, clean });
    clients.push(c);
    return c;
  };

  const linked = async (filters: string[]) => {
    const link = broker.inProcessClient();
    const got: Array<[string, string]> = [];
    link.on('message', (topic, payload) => got.push([topic, payload.toString()]));
    const connected = new Promise<void>((resolve) => link.once('connect', resolve));
    link.connect();
    await connected;
    await link.subscribeAsync(filters);
    return { link, got };
  };

  it('receives what kiosks publish on its filters, in order, and the retained messages they match', async () => {
    const a = await kiosk('kiosk-a');
    await a.publishAsync('loyalty/v1/kiosk/a/state', 'online', { qos: 1, retain: true });
    await a.publishAsync('loyalty/v1/kiosk/a/other', 'not for the link', { qos: 1, retain: true });
    const { link, got } = await linked(['loyalty/v1/kiosk/+/req', 'loyalty/v1/kiosk/+/state']);
    expect(link.connected).toBe(true);
    expect(got).toEqual([['loyalty/v1/kiosk/a/state', 'online']]);

    const b = await kiosk('kiosk-b');
    for (let i = 0; i < 20; i += 1) await b.publishAsync('loyalty/v1/kiosk/b/req', `op ${i}`, { qos: 1 });
    await a.publishAsync('loyalty/v1/kiosk/a/ack', 'no filter for this', { qos: 1 });
    await until(() => got.length === 21, 'the 20 requests');
    expect(got.slice(1)).toEqual(Array.from({ length: 20 }, (_, i) => ['loyalty/v1/kiosk/b/req', `op ${i}`]));
  });

  it('publishes as a client would: retained for later subscribers, queued for an offline session', async () => {
    const { link } = await linked([]);
    await link.publishAsync('loyalty/v1/store/s1/rules', 'bundle v2', { qos: 1, retain: true });
    const later = await kiosk('kiosk-later');
    const retained = new Promise<[string, boolean]>((resolve) => later.once('message', (_t, payload, packet) => resolve([payload.toString(), packet.retain])));
    await later.subscribeAsync('loyalty/v1/store/s1/rules', { qos: 1 });
    expect(await retained).toEqual(['bundle v2', true]);

    // A kiosk with a session, offline while its reply is published, gets it when it is back.
    const away = await kiosk('kiosk-away', false);
    await away.subscribeAsync('loyalty/v1/kiosk/away/res', { qos: 1 });
    await away.endAsync();
    clients.splice(clients.indexOf(away), 1);
    await link.publishAsync('loyalty/v1/kiosk/away/res', 'your answer', { qos: 1, retain: false });
    // Listening before the session resumes: the queued message comes right after CONNACK.
    const back = connect({ host: '127.0.0.1', port: broker.port, clientId: 'kiosk-away', protocolVersion: 4, reconnectPeriod: 0, clean: false });
    clients.push(back);
    const queued = new Promise<string>((resolve) => back.once('message', (_t, payload) => resolve(payload.toString())));
    expect(await queued).toBe('your answer');
  });

  it('hears nothing once ended, and refuses to publish', async () => {
    const { link, got } = await linked(['loyalty/v1/kiosk/+/req']);
    const a = await kiosk('kiosk-a');
    await a.publishAsync('loyalty/v1/kiosk/a/req', 'before', { qos: 1 });
    await until(() => got.length === 1, 'the first request');
    await link.endAsync();
    expect(link.connected).toBe(false);
    await a.publishAsync('loyalty/v1/kiosk/a/req', 'after', { qos: 1 });
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([['loyalty/v1/kiosk/a/req', 'before']]);
    await expect(link.publishAsync('loyalty/v1/kiosk/a/res', 'x', { qos: 1, retain: false })).rejects.toThrow(/not connected/);
  });

  it('reports a listener that throws as its error, and keeps delivering to it and to others', async () => {
    const { link, got } = await linked(['loyalty/v1/kiosk/+/req']);
    const errors: string[] = [];
    link.on('error', (error) => errors.push(error.message));
    link.on('message', (_topic, payload) => {
      if (payload.toString() === 'bad') throw new Error('a handler mistake');
    });
    const watcher = await kiosk('watcher');
    const watched: string[] = [];
    watcher.on('message', (_t, payload) => watched.push(payload.toString()));
    await watcher.subscribeAsync('loyalty/v1/kiosk/+/req', { qos: 1 });
    const a = await kiosk('kiosk-a');
    for (const body of ['first', 'bad', 'last']) await a.publishAsync('loyalty/v1/kiosk/a/req', body, { qos: 1 });
    await until(() => got.length === 3 && watched.length === 3, 'all three at both');
    expect(got.map(([, body]) => body)).toEqual(['first', 'bad', 'last']);
    expect(watched).toEqual(['first', 'bad', 'last']);
    expect(errors).toEqual(['a handler mistake']);
  });

  it('says so when the broker is stopped', async () => {
    const link = broker.inProcessClient();
    await broker.stop();
    const failed = new Promise<Error>((resolve) => link.once('error', resolve));
    link.connect();
    expect((await failed).message).toMatch(/stopped/);
    expect(link.connected).toBe(false);
    broker = new EmbeddedBroker({ host: '127.0.0.1', port: 0, log: silent });
    await broker.start();
  });
});
