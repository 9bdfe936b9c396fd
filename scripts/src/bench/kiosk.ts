/**
 * kiosk: the agent as a kiosk runs it — its own process, through device/dist/main.js, emulated
 * devices, paired with a gateway process — measured for:
 *   - start to ready: from spawn to READY=1 on the systemd notify socket (journal, devices and
 *     link set up); baseline in the same run: a bare `node` that starts and exits;
 *   - idle memory: the median of one reading a second of its resident set while it is connected
 *     and idle, once it has idled `settleSeconds` (V8's memory reducer gives back what starting
 *     left behind ~8 s after allocation stops; before that a reading is of the start, not of the
 *     idle agent), and the same over the first seconds; baseline: a bare `node` process idling;
 *   - draining: N earns queued in its outbox while the gateway was away (the sales registered),
 *     from the agent's spawn to an empty outbox, every earn booked once; baseline: N raw libSQL
 *     single-row insert transactions on the same disk.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { LibsqlOutboxStore, Outbox, loadKioskIdentity } from '@loyalty/device';
import { Gateway, parseGatewayConfig } from '@loyalty/gateway';
import { OpIdGenerator, cardNumberFor, exportPublicKey } from '@loyalty/protocol';
import { createLogger, loadOrCreateKeyPair } from '@loyalty/protocol/node';
import Database from 'libsql';
import { rawInsertRate } from './ledger.js';
import { spawnGateway } from './gateway-process.js';
import { serviceUnit } from './service-unit.js';
import { freePort } from './ports.js';

const KIOSK_MAIN = fileURLToPath(new URL('../../../device/dist/main.js', import.meta.url));
const quiet = () => createLogger({ level: 'warn', name: 'bench', destination: new Writable({ write: (_c, _e, d) => d() }) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => Number(process.hrtime.bigint()) / 1e6;

export interface KioskBenchOptions {
  drainOps: number;
  idleSeconds: number;
  /** idle time before the idle readings count */
  settleSeconds: number;
  starts: number;
}

export interface KioskBenchResult {
  startToReadyMs: number[];
  bareNodeStartMs: number[];
  /** the median once settled */
  idleRssMiB: number;
  /** the median over the first `idleSeconds` of idling (how this benchmark read it before 2026-12-07's end) */
  firstSecondsRssMiB: number;
  bareNodeIdleRssMiB: number;
  drain: { ops: number; seconds: number; opsPerS: number; booked: number; rawInsertSeconds: number };
}

/** The notify socket systemd would hold: the agent's READY=1 and when it came. */
function notifySocket(path: string): { ready: () => Promise<number>; close: () => void } {
  const unixDgram = createRequire(import.meta.url)('unix-dgram') as {
    createSocket(type: 'unix_dgram', listener: (buf: Buffer) => void): { bind(path: string): void; close(): void };
  };
  let waiting: ((at: number) => void) | null = null;
  const socket = unixDgram.createSocket('unix_dgram', (buf) => {
    if (buf.toString().startsWith('READY=1')) waiting?.(now());
  });
  socket.bind(path);
  return { ready: () => new Promise((resolve) => (waiting = resolve)), close: () => socket.close() };
}

function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

export async function runKioskBench(options: KioskBenchOptions, progress: (m: string) => void): Promise<KioskBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'loyalty-bench-kiosk-'));
  const gatewayDir = join(dir, 'gateway');
  const stateDir = join(dir, 'kiosk');
  try {
    // Seed: a store, a card, the paired kiosk, and the till's sales the queued earns will claim.
    progress(`seeding the gateway with ${options.drainOps} registered sales...`);
    const seeder = new Gateway({ config: parseGatewayConfig({ dataDir: gatewayDir, http: { port: 0 }, mqtt: { port: 0 }, logLevel: 'warn' }), log: quiet() });
    await seeder.start();
    await seeder.directory.ensureStore({ id: 'bench', name: 'Bench' });
    await seeder.directory.ensureProgram({ id: 'points', name: 'Points' });
    // The customers of a day at one kiosk: many cards, a few visits each.
    const cards = Array.from({ length: 100 }, (_, i) => cardNumberFor(1000 + i));
    for (const [i, number] of cards.entries()) await seeder.directory.issueCard({ number, programId: 'points', customerId: await seeder.directory.createCustomer({ name: `Bench Customer ${i}` }) });
    const { brokerPassword } = await seeder.registry.register('kiosk-bench', 'bench', loadKioskIdentity(stateDir).publicKey);
    const receipts = Array.from({ length: options.drainOps }, (_, n) => ({ id: `Q${n}`, total: { amount: 1000 + (n % 50) * 10, currency: 'EUR' } }));
    await Promise.all(
      receipts.map((r) => seeder.ledger.registerSale({ opId: `sale-${r.id}`, storeId: 'bench', tillId: 'till-1', receiptId: r.id, total: r.total.amount, currency: 'EUR', source: 'bench' })),
    );
    await seeder.stop();

    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const gateway = await spawnGateway(gatewayDir, { mqtt: mqttPort, http: httpPort }, { LOYALTY_GW_MQTT_INTERNAL_PASSWORD: randomBytes(24).toString('base64url') });
    const configFile = join(dir, 'kiosk.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        kioskId: 'kiosk-bench',
        storeId: 'bench',
        stateDir,
        mqtt: { host: '127.0.0.1', port: mqttPort, password: brokerPassword },
        gateway: { publicKeys: [exportPublicKey(loadOrCreateKeyPair(join(gatewayDir, 'gateway.key')).keys.publicKey)] },
        logLevel: 'warn',
        // Its touchscreen page is served, as on a kiosk (its memory counts), on a free port.
        page: { port: 0 },
      }),
    );
    const startAgent = () => {
      const socketPath = join(dir, `notify-${randomBytes(4).toString('hex')}`);
      const systemd = notifySocket(socketPath);
      const t0 = now();
      // With the Node flags and environment of systemd/loyalty-kiosk.service, as a kiosk runs it.
      const unit = serviceUnit('loyalty-kiosk');
      const child = spawn(process.execPath, [...unit.nodeArgs, KIOSK_MAIN, '--config', configFile], {
        env: { PATH: process.env.PATH ?? '', ...unit.env, NOTIFY_SOCKET: socketPath, ...(process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}) },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const ready = systemd.ready().then((at) => at - t0);
      const stop = async () => {
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await exited;
        }
        systemd.close();
      };
      return { child, t0, ready, stop };
    };

    try {
      const startToReadyMs: number[] = [];
      const bareNodeStartMs: number[] = [];
      let idleRssMiB = 0;
      let firstSecondsRssMiB = 0;
      for (let i = 1; i <= options.starts; i += 1) {
        progress(`start ${i}/${options.starts}: bare node, then the agent to READY=1...`);
        const t0 = now();
        await new Promise((resolve) => spawn(process.execPath, ['-e', ''], { stdio: 'ignore' }).once('exit', resolve));
        bareNodeStartMs.push(now() - t0);
        const agent = startAgent();
        startToReadyMs.push(await agent.ready);
        if (i === options.starts) {
          // One reading a second while it idles, connected; the median (V8 collects when it likes).
          const seconds = Math.max(options.idleSeconds, options.settleSeconds + options.idleSeconds);
          progress(`idle for ${seconds} s, reading its resident memory each second...`);
          const readings: number[] = [];
          for (let s = 0; s < seconds; s += 1) {
            await sleep(1000);
            readings.push(rssMiB(agent.child.pid!));
          }
          const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
          idleRssMiB = median(readings.slice(-options.idleSeconds));
          firstSecondsRssMiB = median(readings.slice(0, options.idleSeconds));
        }
        await agent.stop();
      }
      const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      await sleep(Math.min(options.idleSeconds, 2) * 1000);
      const bareNodeIdleRssMiB = rssMiB(bare.pid!);
      bare.kill('SIGKILL');

      // Queue the earns as the agent does while the gateway is away: durable outbox entries, each a signed link of its journal.
      progress(`queueing ${options.drainOps} earns in the agent's outbox...`);
      const identity = loadKioskIdentity(stateDir);
      const outbox = new Outbox({ store: new LibsqlOutboxStore(join(stateDir, 'outbox.db')), journal: { kioskId: 'kiosk-bench', privateKey: () => identity.keys.privateKey } });
      await outbox.start();
      const ids = new OpIdGenerator();
      for (const [n, receipt] of receipts.entries()) await outbox.add({ kind: 'earn', opId: ids.next(), card: { number: cards[n % cards.length]! }, receipt });
      await outbox.stop();

      progress('starting the agent and timing the drain...');
      const watcher = new Database(join(stateDir, 'outbox.db'), { readonly: true });
      const agent = startAgent();
      let seconds = Number.NaN;
      for (;;) {
        const left = Number((watcher.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n);
        if (left === 0) {
          seconds = (now() - agent.t0) / 1000;
          break;
        }
        if (agent.child.exitCode !== null) throw new Error(`the agent exited with ${agent.child.exitCode} with ${left} operations left`);
        if (now() - agent.t0 > 300_000) throw new Error(`${left} operations left after 300 s`);
        await sleep(20);
      }
      watcher.close();
      await agent.stop();
      await gateway.stop();
      const ledger = new Database(join(gatewayDir, 'gateway.db'), { readonly: true });
      const booked = Number((ledger.prepare("SELECT count(*) AS n FROM claimed_receipts WHERE receipt_id LIKE 'Q%'").get() as { n: number }).n);
      ledger.close();
      progress(`raw baseline: ${options.drainOps} libSQL insert transactions...`);
      const raw = await rawInsertRate(options.drainOps);
      return {
        startToReadyMs,
        bareNodeStartMs,
        idleRssMiB,
        firstSecondsRssMiB,
        bareNodeIdleRssMiB,
        drain: { ops: options.drainOps, seconds, opsPerS: options.drainOps / seconds, booked, rawInsertSeconds: options.drainOps / raw.txPerS },
      };
    } finally {
      await gateway.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
