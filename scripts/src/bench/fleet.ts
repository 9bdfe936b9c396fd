/**
 * fleet: N simulated kiosks (fleet-sim.ts, split over worker processes to stay under the file
 * descriptor limit), each its own MQTT connection with a paired identity, sending signed
 * heartbeats every interval to one gateway with the embedded broker, started through its
 * production entry point. Measured over a window after one full interval of warm-up: the
 * gateway's CPU share (of one core, from /proc/<pid>/stat) and resident memory, and the latency
 * from a heartbeat's publish to the kiosk's `lastSeen`/telemetry being readable over HTTP
 * (probed by one more kiosk polling GET /api/v1/kiosks/{id}). Baseline in the same run: a bare
 * aedes (bare-broker.ts) with the same connections and the same traffic, unsigned.
 *
 * The gateway's per-address connection limit (64, docs/security.md "Broker limits") is raised
 * for the run: every simulated kiosk comes from 127.0.0.1.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { MqttClient } from 'mqtt';
import { Gateway, parseGatewayConfig } from '@loyalty/gateway';
import { EnvelopeSigner, exportPrivateKeyPem, exportPublicKey, generateKeyPair, importPrivateKeyPem, kioskClientId, kioskTopic } from '@loyalty/protocol';
import { createLogger } from '@loyalty/protocol/node';
import { heartbeat, type FromWorker, type SimKiosk, type ToWorker } from './fleet-sim.js';
import { serviceUnit } from './service-unit.js';
import { freePort } from './ports.js';
import { summarise, type LatencySummary } from './stats.js';

export interface FleetOptions {
  kiosks: number;
  workers: number;
  intervalMs: number;
  measureSeconds: number;
  /** logins in flight per worker (the gateway allows 100 pending across all) */
  concurrency: number;
  /** where to write a CPU profile of the gateway process (--profile DIR), to see what a heartbeat costs */
  profileDir?: string;
}

export interface ProcessCost {
  cpuShare: number;
  /** the median of one reading a second over the window */
  rssMiB: number;
  peakRssMiB: number;
  idleRssMiB: number;
  /** right after every kiosk logged in, before the heartbeats */
  connectedRssMiB: number;
  connectSeconds: number;
  disconnects: number;
  heartbeatsSent: number;
}

export interface FleetResult {
  gateway: ProcessCost & { heartbeat: LatencySummary; kiosksReported: number; memory: Record<string, number> };
  bare: ProcessCost;
}

const GATEWAY_MAIN = fileURLToPath(new URL('../../../gateway/dist/main.js', import.meta.url));
const SIM = fileURLToPath(new URL('./fleet-sim.js', import.meta.url));
const BARE = fileURLToPath(new URL('./bare-broker.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quiet = () => createLogger({ level: 'warn', name: 'bench', destination: new Writable({ write: (_c, _e, d) => d() }) });
/** Linux reports CPU time in clock ticks of 1/100 s (CLK_TCK on every Linux we run on). */
const CLOCK_TICKS = 100;

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function memoryMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** Pairs the kiosks in a gateway data directory (in-process, before the measured gateway starts). */
async function pairKiosks(dir: string, count: number): Promise<{ kiosks: SimKiosk[]; probe: SimKiosk; viewerToken: string }> {
  const seeder = new Gateway({ config: parseGatewayConfig({ dataDir: dir, http: { port: 0 }, mqtt: { port: 0 }, logLevel: 'warn' }), log: quiet() });
  await seeder.start();
  try {
    await seeder.directory.ensureStore({ id: 'bench', name: 'Bench' });
    const pair = async (id: string): Promise<SimKiosk> => {
      const keys = generateKeyPair();
      const { brokerPassword } = await seeder.registry.register(id, 'bench', exportPublicKey(keys.publicKey));
      return { id, password: brokerPassword, privateKeyPem: exportPrivateKeyPem(keys.privateKey) };
    };
    const kiosks: SimKiosk[] = [];
    // In batches, so the ledger's group commit takes many registrations per transaction.
    for (let start = 0; start < count; start += 500) {
      kiosks.push(...(await Promise.all(Array.from({ length: Math.min(500, count - start) }, (_, i) => pair(`k${start + i}`)))));
    }
    const probe = await pair('probe');
    const viewerToken = (await seeder.tokens.create('viewer', 'fleet benchmark')).token;
    return { kiosks, probe, viewerToken };
  } finally {
    await seeder.stop();
  }
}

class Workers {
  private readonly children: ChildProcess[] = [];
  constructor(count: number) {
    for (let i = 0; i < count; i += 1) this.children.push(fork(SIM, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }
  private ask(child: ChildProcess, message: ToWorker, answer: FromWorker['type'] | null): Promise<FromWorker | null> {
    return new Promise((resolve, reject) => {
      if (!answer) {
        child.send(message);
        resolve(null);
        return;
      }
      const onMessage = (reply: FromWorker) => {
        if (reply.type === 'failed') reject(new Error(`a simulator worker failed: ${reply.error}`));
        else if (reply.type === answer) resolve(reply);
        else return;
        child.off('message', onMessage);
      };
      child.on('message', onMessage);
      child.send(message);
    });
  }
  async connect(port: number, kiosks: SimKiosk[], signed: boolean, concurrency: number): Promise<number> {
    const share = Math.ceil(kiosks.length / this.children.length);
    const replies = await Promise.all(this.children.map((child, i) => this.ask(child, { type: 'connect', port, kiosks: kiosks.slice(i * share, (i + 1) * share), signed, concurrency }, 'connected')));
    return replies.reduce((sum, r) => sum + (r?.type === 'connected' ? r.count : 0), 0);
  }
  async beat(intervalMs: number): Promise<void> {
    for (const child of this.children) await this.ask(child, { type: 'beat', intervalMs }, null);
  }
  async stop(): Promise<{ sent: number; disconnects: number }> {
    const replies = await Promise.all(this.children.map((child) => this.ask(child, { type: 'stop' }, 'stopped')));
    return replies.reduce((sum, r) => (r?.type === 'stopped' ? { sent: sum.sent + r.sent, disconnects: sum.disconnects + r.disconnects } : sum), { sent: 0, disconnects: 0 });
  }
  kill(): void {
    for (const child of this.children) if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** Connects the fleet to a broker process, lets it beat, and measures that process over the window. */
async function measure(
  pid: number,
  port: number,
  kiosks: SimKiosk[],
  signed: boolean,
  options: FleetOptions,
  during: (windowMs: number) => Promise<void>,
  log: (m: string) => void,
): Promise<ProcessCost> {
  const idleRssMiB = memoryMiB(pid, 'VmRSS');
  const workers = new Workers(options.workers);
  try {
    const connectStart = Date.now();
    const connected = await workers.connect(port, kiosks, signed, options.concurrency);
    const connectSeconds = (Date.now() - connectStart) / 1000;
    const connectedRssMiB = memoryMiB(pid, 'VmRSS');
    log(`  ${connected} kiosks connected in ${connectSeconds.toFixed(1)} s; heartbeats every ${options.intervalMs / 1000} s, warming up for one interval...`);
    await workers.beat(options.intervalMs);
    await sleep(options.intervalMs);
    const cpu0 = cpuSeconds(pid);
    const wall0 = process.hrtime.bigint();
    // Resident memory once a second: its median is the figure (one reading lands anywhere in a GC cycle).
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(memoryMiB(pid, 'VmRSS')), 1000);
    try {
      await during(options.measureSeconds * 1000);
    } finally {
      clearInterval(sampler);
    }
    const cpuShare = (cpuSeconds(pid) - cpu0) / (Number(process.hrtime.bigint() - wall0) / 1e9);
    const rssMiB = summarise(rss).p50;
    const peakRssMiB = memoryMiB(pid, 'VmHWM');
    const counted = await workers.stop();
    return { cpuShare, rssMiB, peakRssMiB, idleRssMiB, connectedRssMiB, connectSeconds, disconnects: counted.disconnects, heartbeatsSent: counted.sent };
  } finally {
    workers.kill();
  }
}

/**
 * Heartbeat → `lastSeen` readable over HTTP: one more kiosk beats with a unique uptime and polls
 * its own record every 2 ms (the polling is part of the load measured; it is small next to 333
 * heartbeats a second). The gateway shows a heartbeat at once and writes heartbeats to the ledger
 * together once a second (fleet.telemetryFlushMs).
 */
async function probeHeartbeats(port: number, httpUrl: string, probe: SimKiosk, token: string, windowMs: number): Promise<number[]> {
  let sequence = Date.now() * 1000;
  const signer = new EnvelopeSigner({ senderId: probe.id, privateKey: importPrivateKeyPem(probe.privateKeyPem).privateKey, sequence: { next: () => ++sequence } });
  const client = new MqttClient(() => netConnect({ host: '127.0.0.1', port, noDelay: true }), {
    protocolVersion: 4,
    clientId: kioskClientId(probe.id),
    username: probe.id,
    password: probe.password,
    keepalive: 15,
    reconnectPeriod: 0,
    manualConnect: true,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
    client.connect();
  });
  const topic = kioskTopic(probe.id, 'tele');
  const samples: number[] = [];
  const end = Date.now() + windowMs;
  for (let marker = 1_000_000; Date.now() < end; marker += 1) {
    const t0 = process.hrtime.bigint();
    await client.publishAsync(topic, signer.sign(topic, heartbeat(marker)), { qos: 1 });
    for (;;) {
      const record = (await (await fetch(`${httpUrl}/api/v1/kiosks/${probe.id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { telemetry?: { uptimeS?: number } };
      if (record.telemetry?.uptimeS === marker) break;
      if (Number(process.hrtime.bigint() - t0) > 10e9) throw new Error('a heartbeat did not reach the gateway within 10 s');
      await sleep(2);
    }
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await sleep(250);
  }
  await client.endAsync();
  return samples;
}

async function waitReady(child: ChildProcess, url: string): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}`);
    if (
      await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await sleep(100);
  }
}

export async function runFleet(options: FleetOptions, log: (m: string) => void): Promise<FleetResult> {
  const dir = mkdtempSync(join(tmpdir(), 'loyalty-fleet-'));
  const children: ChildProcess[] = [];
  const killAll = () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  try {
    log(`pairing ${options.kiosks} kiosks...`);
    const { kiosks, probe, viewerToken } = await pairKiosks(join(dir, 'gateway'), options.kiosks);

    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const config = join(dir, 'gateway.json');
    writeFileSync(
      config,
      JSON.stringify({
        dataDir: join(dir, 'gateway'),
        logLevel: 'warn',
        http: { port: httpPort },
        mqtt: { port: mqttPort, limits: { maxConnectionsPerAddress: options.kiosks + 100 } },
        // Heartbeats only: HTTP polling by the probe is the one API client.
        limits: { httpPerAddressPerMinute: 0 },
      }),
    );
    const profile = options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : [];
    // With the flags and environment systemd/loyalty-gateway.service gives it.
    const unit = serviceUnit('loyalty-gateway');
    const gateway = spawn(process.execPath, [...unit.nodeArgs, ...profile, GATEWAY_MAIN, '--config', config], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...unit.env } });
    children.push(gateway);
    const httpUrl = `http://127.0.0.1:${httpPort}`;
    await waitReady(gateway, httpUrl);
    log('gateway (embedded broker, signed heartbeats):');
    let samples: number[] = [];
    const gatewayCost = await measure(
      gateway.pid!,
      mqttPort,
      kiosks,
      true,
      options,
      async (windowMs) => {
        samples = await probeHeartbeats(mqttPort, httpUrl, probe, viewerToken, windowMs);
      },
      log,
    );
    const listed = (await (await fetch(`${httpUrl}/api/v1/kiosks?storeId=bench`, { headers: { authorization: `Bearer ${viewerToken}` } })).json()) as {
      items: Array<{ id: string; telemetry: unknown }>;
    };
    const kiosksReported = listed.items.filter((k) => k.id !== probe.id && k.telemetry !== null).length;
    // Where the gateway's memory is (its own /metrics), for a reader who wants to know what grows.
    const metrics = await (await fetch(`${httpUrl}/metrics`)).text();
    const memory = Object.fromEntries(
      [...metrics.matchAll(/^(nodejs_heap_size_used_bytes|nodejs_heap_size_total_bytes|nodejs_external_memory_bytes|process_resident_memory_bytes) (\d+(?:\.\d+)?)/gm)].map((m) => [
        m[1]!.replace('_bytes', 'MiB'),
        Number(m[2]) / 1024 / 1024,
      ]),
    );
    gateway.kill('SIGTERM');
    await new Promise((r) => gateway.once('exit', r));

    const barePort = await freePort();
    const bare = fork(BARE, [String(barePort)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(bare);
    await new Promise((resolve) => bare.once('message', resolve));
    log('bare aedes (no auth, no signatures, JSON-parsed heartbeats):');
    const bareCost = await measure(
      bare.pid!,
      barePort,
      kiosks,
      false,
      options,
      async (windowMs) => {
        await sleep(windowMs);
      },
      log,
    );
    bare.kill('SIGTERM');
    return { gateway: { ...gatewayCost, heartbeat: summarise(samples), kiosksReported, memory }, bare: bareCost };
  } finally {
    killAll();
    process.off('exit', killAll);
    rmSync(dir, { recursive: true, force: true });
  }
}
