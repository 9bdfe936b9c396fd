/**
 * One worker of the fleet benchmark (fleet.ts): a share of the simulated kiosks, each its own
 * MQTT connection logged in with its paired identity, as the kiosk agent connects (client id,
 * keepalive 15 s, a signed `offline` last will, a retained signed `online`), then sending a
 * heartbeat (the agent's telemetry) every interval, signed — or, for the bare-broker baseline,
 * the same JSON unsigned. Driven by its parent over IPC.
 */
import { connect as netConnect } from 'node:net';
import { MqttClient } from 'mqtt';
import { EnvelopeSigner, importPrivateKeyPem, kioskClientId, kioskTopic, type Telemetry } from '@loyalty/protocol';

export interface SimKiosk {
  id: string;
  password: string;
  privateKeyPem: string;
}

export type ToWorker = { type: 'connect'; port: number; kiosks: SimKiosk[]; signed: boolean; concurrency: number } | { type: 'beat'; intervalMs: number } | { type: 'stop' };
export type FromWorker = { type: 'connected'; count: number } | { type: 'failed'; error: string } | { type: 'stopped'; sent: number; disconnects: number };

/** What a healthy kiosk reports (device/src/kiosk.ts telemetry()). */
export function heartbeat(uptimeS: number): Telemetry {
  const ok = { state: 'ok' as const };
  return {
    uptimeS,
    outboxDepth: 0,
    health: { reader: ok, scanner: ok, printer: ok, display: ok, storage: { state: 'ok', detail: '1843 MiB free' } },
    versions: { agent: '0.1.0', rules: 3, hotlist: 7 },
    rejectedMessages: {},
  };
}

interface Sim {
  kiosk: SimKiosk;
  client: MqttClient;
  signer: EnvelopeSigner | null;
  timer?: NodeJS.Timeout;
}

const sims: Sim[] = [];
let sent = 0;
let disconnects = 0;
const started = Date.now();
const reply = (message: FromWorker) => process.send?.(message);

function encode(sim: Sim, topic: string, body: unknown): string {
  return sim.signer ? sim.signer.sign(topic, body) : JSON.stringify(body);
}

async function connectAll(message: Extract<ToWorker, { type: 'connect' }>): Promise<void> {
  let next = 0;
  const one = async (kiosk: SimKiosk) => {
    let sequence = Date.now() * 1000;
    const signer = message.signed ? new EnvelopeSigner({ senderId: kiosk.id, privateKey: importPrivateKeyPem(kiosk.privateKeyPem).privateKey, sequence: { next: () => ++sequence } }) : null;
    const stateTopic = kioskTopic(kiosk.id, 'state');
    const sim: Sim = { kiosk, signer, client: null as unknown as MqttClient };
    sim.client = new MqttClient(() => netConnect({ host: '127.0.0.1', port: message.port, noDelay: true }), {
      protocolVersion: 4,
      clientId: kioskClientId(kiosk.id),
      clean: true,
      username: kiosk.id,
      password: kiosk.password,
      keepalive: 15,
      connectTimeout: 30_000,
      reconnectPeriod: 0,
      manualConnect: true,
      will: { topic: stateTopic, payload: Buffer.from(encode(sim, stateTopic, { state: 'offline' })), qos: 1, retain: true },
    });
    sim.client.on('close', () => {
      disconnects += 1;
    });
    sim.client.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      sim.client.once('connect', () => resolve());
      sim.client.once('error', reject);
      sim.client.connect();
    });
    await sim.client.publishAsync(stateTopic, encode(sim, stateTopic, { state: 'online' }), { qos: 1, retain: true });
    sims.push(sim);
  };
  // A bounded number of logins at a time, as kiosks coming back after an outage would be spread.
  await Promise.all(
    Array.from({ length: message.concurrency }, async () => {
      while (next < message.kiosks.length) await one(message.kiosks[next++]!);
    }),
  );
  disconnects = 0;
  reply({ type: 'connected', count: sims.length });
}

function beat(intervalMs: number): void {
  for (const sim of sims) {
    const topic = kioskTopic(sim.kiosk.id, 'tele');
    const send = () => {
      sent += 1;
      sim.client.publish(topic, encode(sim, topic, heartbeat(Math.round((Date.now() - started) / 1000))), { qos: 1 });
    };
    // Spread over the interval, as kiosks started at different times are.
    sim.timer = setTimeout(() => {
      send();
      sim.timer = setInterval(send, intervalMs);
    }, Math.random() * intervalMs);
  }
}

async function stop(): Promise<void> {
  for (const sim of sims) clearTimeout(sim.timer);
  const counted = { sent, disconnects };
  await Promise.all(sims.map((sim) => sim.client.endAsync(true).catch(() => undefined)));
  reply({ type: 'stopped', ...counted });
  process.exit(0);
}

process.on('message', (message: ToWorker) => {
  if (message.type === 'connect') connectAll(message).catch((error: Error) => reply({ type: 'failed', error: error.message }));
  else if (message.type === 'beat') beat(message.intervalMs);
  else if (message.type === 'stop') void stop();
});
process.on('disconnect', () => process.exit(0));
