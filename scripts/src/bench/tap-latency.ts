/**
 * tap-latency: N emulated kiosks tap cards on a Poisson schedule (open loop) against the real
 * gateway; each sample is card event → member screen on the display (sign → MQTT → verify →
 * ledger read → sign → MQTT → verify → screen). Baseline in the same run, through the same
 * broker: a raw MQTT QoS 1 request/response with no signing and no ledger.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Kiosk, createEmulatedHardware, loadKioskIdentity, parseKioskConfig, type EmulatedHardware } from '@loyalty/device';
import { Gateway, createMqttClient, parseGatewayConfig } from '@loyalty/gateway';
import { cardNumberFor, exportPublicKey } from '@loyalty/protocol';
import { createLogger, loadOrCreateKeyPair } from '@loyalty/protocol/node';
import type { MqttClient } from 'mqtt';
import { spawnGateway, type GatewayChild } from './gateway-process.js';
import { freePort } from './ports.js';
import { poissonGapMs, summarise, type LatencySummary } from './stats.js';

export interface TapLatencyOptions {
  kiosks: number;
  tapsPerSecondPerKiosk: number;
  taps: number;
  warmupTaps: number;
  /**
   * The store runs docs/programs/points.json (its offline limits make every identify reply carry
   * a signed card token, which the kiosk keeps) instead of the built-in default program.
   */
  withProgram?: boolean;
  /** and a promotion aimed at a segment: every identify reads the member's segments (docs/segments.md) */
  withSegment?: boolean;
}

const quiet = () => createLogger({ level: 'warn', name: 'bench', destination: new Writable({ write: (_c, _e, d) => d() }) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Rig {
  mqttPort: number;
  /** the broker's internal login, for the raw baseline's clients */
  internalPassword: string;
  kiosks: Array<{ kiosk: Kiosk; hardware: EmulatedHardware; uids: [string, string] }>;
  stop: () => Promise<void>;
}

/**
 * The gateway runs as its own process, started through its production entry point, as it is
 * deployed; the emulated kiosks share this process. Seeding happens first, in-process.
 */
async function buildRig(options: TapLatencyOptions): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'loyalty-bench-'));
  const seeder = new Gateway({ config: parseGatewayConfig({ dataDir: dir, http: { port: 0 }, mqtt: { port: 0 }, logLevel: 'warn' }), log: quiet() });
  await seeder.start();
  await seeder.directory.ensureStore({ id: 'bench', name: 'Bench' });
  await seeder.directory.ensureProgram({ id: 'points', name: 'Points' });
  if (options.withProgram) {
    const program = JSON.parse(readFileSync(new URL('../../../docs/programs/points.json', import.meta.url), 'utf8')) as { id: string; promotions?: unknown[] };
    if (options.withSegment) {
      await seeder.segments.put('lapsed', { name: 'Not seen for 30 days', rules: [{ kind: 'days_since_last_purchase', min: 30 }] }, 'bench');
      program.promotions = [...(program.promotions ?? []), { id: 'welcome-back', name: 'Welcome back: double points', multiplier: 2, segment: 'lapsed' }];
    }
    await seeder.programs.put(program.id, program, 'bench');
    await seeder.programs.publish(program.id, ['bench'], 'bench');
  }
  const kioskSpecs: Array<{ id: string; stateDir: string; uids: [string, string]; password: string }> = [];
  for (let i = 0; i < options.kiosks; i += 1) {
    const uids: [string, string] = [`04${(i * 2).toString(16).padStart(12, '0')}`.toUpperCase(), `04${(i * 2 + 1).toString(16).padStart(12, '0')}`.toUpperCase()];
    for (const [j, uid] of uids.entries()) {
      const customerId = await seeder.directory.createCustomer({ name: `Bench Customer ${i}-${j}` });
      await seeder.directory.issueCard({ number: cardNumberFor(1000 + i * 2 + j), uid, programId: 'points', customerId });
    }
    const stateDir = join(dir, `kiosk-${i}`);
    const { brokerPassword } = await seeder.registry.register(`kiosk-${i}`, 'bench', loadKioskIdentity(stateDir).publicKey);
    kioskSpecs.push({ id: `kiosk-${i}`, stateDir, uids, password: brokerPassword });
  }
  await seeder.stop();

  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  const internalPassword = randomBytes(24).toString('base64url');
  const gateway = await spawnGateway(dir, { mqtt: mqttPort, http: httpPort }, { LOYALTY_GW_MQTT_INTERNAL_PASSWORD: internalPassword }).catch((error: Error) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  try {
    return await startKiosks(gateway, dir, mqttPort, internalPassword, kioskSpecs);
  } catch (error) {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function startKiosks(
  gateway: GatewayChild,
  dir: string,
  mqttPort: number,
  internalPassword: string,
  kioskSpecs: Array<{ id: string; stateDir: string; uids: [string, string]; password: string }>,
): Promise<Rig> {
  const gatewayPublicKey = exportPublicKey(loadOrCreateKeyPair(join(dir, 'gateway.key')).keys.publicKey);

  const kiosks: Rig['kiosks'] = [];
  for (const spec of kioskSpecs) {
    const config = parseKioskConfig({
      kioskId: spec.id,
      storeId: 'bench',
      stateDir: spec.stateDir,
      mqtt: { port: mqttPort, password: spec.password },
      gateway: { publicKeys: [gatewayPublicKey] },
      heartbeatIntervalMs: 60_000,
      logLevel: 'warn',
      // Each kiosk serves its page, as in production, on a port of its own (no browser watches it here).
      page: { port: 0 },
    });
    const hardware = createEmulatedHardware();
    const kiosk = new Kiosk(config, hardware, quiet());
    await kiosk.start();
    kiosks.push({ kiosk, hardware, uids: spec.uids });
  }
  while (!kiosks.every((k) => k.kiosk.link.connected)) await sleep(20);
  return {
    mqttPort,
    internalPassword,
    kiosks,
    stop: async () => {
      for (const k of kiosks) await k.kiosk.stop();
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Drives `total` events over `sources` independent Poisson sources; returns the samples after warm-up. */
async function openLoop(sources: number, ratePerSource: number, total: number, warmup: number, fire: (source: number) => Promise<number>): Promise<number[]> {
  const samples: number[] = [];
  let issued = 0;
  const inFlight: Array<Promise<void>> = [];
  await Promise.all(
    Array.from({ length: sources }, async (_, source) => {
      for (;;) {
        await sleep(poissonGapMs(ratePerSource));
        if (issued >= total + warmup) return;
        const index = issued++;
        inFlight.push(
          fire(source).then((ms) => {
            if (index >= warmup) samples.push(ms);
          }),
        );
      }
    }),
  );
  await Promise.all(inFlight);
  return samples;
}

export async function measureTaps(rig: Rig, options: TapLatencyOptions): Promise<LatencySummary> {
  // FIFO of tap start times per kiosk: open loop means a tap may arrive while one is in flight.
  const starts = rig.kiosks.map(() => [] as Array<{ t0: bigint; resolve: (ms: number) => void }>);
  const flip = rig.kiosks.map(() => 0);
  rig.kiosks.forEach((k, i) => {
    k.hardware.display.on('changed', (screen) => {
      if (!screen.lines[0]?.startsWith('Hello')) return;
      const waiting = starts[i]!.shift();
      waiting?.resolve(Number(process.hrtime.bigint() - waiting.t0) / 1e6);
    });
  });
  const samples = await openLoop(rig.kiosks.length, options.tapsPerSecondPerKiosk, options.taps, options.warmupTaps, (i) => {
    const k = rig.kiosks[i]!;
    return new Promise<number>((resolve) => {
      starts[i]!.push({ t0: process.hrtime.bigint(), resolve });
      flip[i] = 1 - flip[i]!;
      k.hardware.reader.present(flip[i] ? k.uids[1] : k.uids[0]);
    });
  });
  for (const k of rig.kiosks) k.hardware.display.removeAllListeners('changed');
  return summarise(samples);
}

/** Raw MQTT QoS 1 request → response through the same broker: no signing, no ledger. */
export async function measureRawMqtt(port: number, internalPassword: string, options: TapLatencyOptions): Promise<LatencySummary> {
  const endpoint = { host: '127.0.0.1', port, username: 'gateway-internal', password: internalPassword };
  const responder = createMqttClient(endpoint, { clientId: 'bench-responder' });
  const requesters: MqttClient[] = [];
  responder.connect();
  await new Promise((r) => responder.once('connect', r));
  await responder.subscribeAsync('bench/req/+', { qos: 1 });
  responder.on('message', (topic, payload) => void responder.publishAsync(topic.replace('/req/', '/res/'), payload, { qos: 1 }));
  const waiting = new Map<string, (ms: number) => void>();
  for (let i = 0; i < options.kiosks; i += 1) {
    const client = createMqttClient(endpoint, { clientId: `bench-requester-${i}` });
    client.connect();
    await new Promise((r) => client.once('connect', r));
    await client.subscribeAsync(`bench/res/${i}`, { qos: 1 });
    client.on('message', (_t, payload) => {
      const [id = '', t0 = '0'] = payload.toString().split(' ');
      waiting.get(id)?.(Number(process.hrtime.bigint() - BigInt(t0)) / 1e6);
      waiting.delete(id);
    });
    requesters.push(client);
  }
  let seq = 0;
  const samples = await openLoop(options.kiosks, options.tapsPerSecondPerKiosk, options.taps, options.warmupTaps, (i) => {
    const id = String(seq++);
    return new Promise<number>((resolve) => {
      waiting.set(id, resolve);
      void requesters[i]!.publishAsync(`bench/req/${i}`, `${id} ${process.hrtime.bigint()}`, { qos: 1 });
    });
  });
  for (const c of [...requesters, responder]) await c.endAsync();
  return summarise(samples);
}

export async function runTapLatency(options: TapLatencyOptions, repetitions: number, progress: (m: string) => void) {
  const runs: Array<{ tap: LatencySummary; raw: LatencySummary }> = [];
  for (let r = 1; r <= repetitions; r += 1) {
    const rig = await buildRig(options);
    try {
      progress(`run ${r}/${repetitions}: raw MQTT baseline (${options.taps} requests)...`);
      const raw = await measureRawMqtt(rig.mqttPort, rig.internalPassword, options);
      progress(`run ${r}/${repetitions}: kiosk taps (${options.taps} taps from ${options.kiosks} kiosks at ${options.tapsPerSecondPerKiosk}/s each)...`);
      const tap = await measureTaps(rig, options);
      runs.push({ tap, raw });
    } finally {
      await rig.stop();
    }
  }
  return runs;
}
