/**
 * offline-drain: a store's partition heals (docs/offline.md). N operations journalled offline at K
 * kiosks — receipts collected (each claims a sale the till registered) and one in five an offline
 * redemption, chained and signed as the agents journal them, with their spends — drain from the
 * kiosks' outboxes into the ledger of a gateway process (its production entry point and unit
 * flags), over the embedded broker. Each kiosk is the agent's link layer (its outbox, requests and
 * MQTT link), the K of them in this process. Measured: from the moment the links start to the last
 * outbox empty, every operation booked once and the journals without a gap.
 * Baselines in the same run: the ledger's own online earn rate (the ledger benchmark's closed
 * loop at 64 callers, in-process) and the online earn rate through the same gateway (the K kiosks
 * each submitting one earn at a time and waiting for its answer).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { GatewayLink, LibsqlOutboxStore, Outbox, Requests, loadKioskIdentity } from '@loyalty/device';
import { Gateway, parseGatewayConfig } from '@loyalty/gateway';
import { EnvelopeSigner, OpIdGenerator, cardNumberFor, exportPublicKey, importPublicKey, type Request } from '@loyalty/protocol';
import { createLogger, fileSequence, loadOrCreateKeyPair } from '@loyalty/protocol/node';
import Database from 'libsql';
import { ledgerEarnRate } from './ledger.js';
import { spawnGateway } from './gateway-process.js';
import { freePort } from './ports.js';

const POINTS_PROGRAM = JSON.parse(readFileSync(new URL('../../../docs/programs/points.json', import.meta.url), 'utf8')) as { id: string };
const quiet = () => createLogger({ level: 'warn', name: 'bench', destination: new Writable({ write: (_c, _e, d) => d() }) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => Number(process.hrtime.bigint()) / 1e6;

export interface OfflineDrainOptions {
  ops: number;
  kiosks: number;
  /** earns through the gateway, online, for the baseline */
  onlineOps: number;
  /** earns for the ledger's own in-process rate */
  ledgerOps: number;
}

export interface OfflineDrainResult {
  ops: number;
  kiosks: number;
  drainSeconds: number;
  opsPerS: number;
  booked: { earns: number; redemptions: number };
  journals: { links: number; gaps: number };
  onlineOpsPerS: number;
  onlineViaGatewayOpsPerS: number;
}

interface KioskSpec {
  id: string;
  stateDir: string;
  password: string;
}

export async function runOfflineDrain(options: OfflineDrainOptions, progress: (m: string) => void): Promise<OfflineDrainResult> {
  const dir = mkdtempSync(join(tmpdir(), 'loyalty-bench-offline-'));
  const gatewayDir = join(dir, 'gateway');
  const perKiosk = Math.ceil(options.ops / options.kiosks);
  const onlinePerKiosk = Math.ceil(options.onlineOps / options.kiosks);
  const cards = Array.from({ length: 100 }, (_, i) => cardNumberFor(1000 + i));
  const amountOf = (n: number) => 1000 + (n % 50) * 10;
  const isRedemption = (n: number) => n % 5 === 4;
  try {
    progress(`seeding: ${options.kiosks} kiosks, 100 cards, the registered sales...`);
    const seeder = new Gateway({ config: parseGatewayConfig({ dataDir: gatewayDir, http: { port: 0 }, mqtt: { port: 0 }, logLevel: 'warn' }), log: quiet() });
    await seeder.start();
    await seeder.directory.ensureStore({ id: 'bench', name: 'Bench', timezone: 'Europe/Berlin' });
    await seeder.programs.put(POINTS_PROGRAM.id, POINTS_PROGRAM, 'bench');
    await seeder.programs.publish(POINTS_PROGRAM.id, ['bench'], 'bench');
    const ids = new OpIdGenerator();
    for (const [i, number] of cards.entries()) {
      await seeder.directory.issueCard({ number, programId: 'points', customerId: await seeder.directory.createCustomer({ name: `Bench Customer ${i}` }) });
      await seeder.ledger.adjust({ opId: ids.next(), card: { number }, points: 100_000, reason: 'bench', actor: 'bench' });
    }
    const kiosks: KioskSpec[] = [];
    for (let k = 0; k < options.kiosks; k += 1) {
      const stateDir = join(dir, `kiosk-${k}`);
      const { brokerPassword } = await seeder.registry.register(`kiosk-${k}`, 'bench', loadKioskIdentity(stateDir).publicKey);
      kiosks.push({ id: `kiosk-${k}`, stateDir, password: brokerPassword });
    }
    const sales: Array<Promise<unknown>> = [];
    for (let k = 0; k < options.kiosks; k += 1) {
      for (let n = 0; n < perKiosk; n += 1) {
        if (isRedemption(n)) continue;
        sales.push(seeder.ledger.registerSale({ opId: `sale-Q${k}-${n}`, storeId: 'bench', tillId: 'till-1', receiptId: `Q${k}-${n}`, total: amountOf(n), currency: 'EUR', source: 'bench' }));
      }
      for (let n = 0; n < onlinePerKiosk; n += 1) {
        sales.push(seeder.ledger.registerSale({ opId: `sale-O${k}-${n}`, storeId: 'bench', tillId: 'till-1', receiptId: `O${k}-${n}`, total: amountOf(n), currency: 'EUR', source: 'bench' }));
      }
    }
    await Promise.all(sales);
    await seeder.stop();

    // What each kiosk journalled while the store was cut off: chained, signed, with its spends.
    progress(`journalling ${perKiosk * options.kiosks} operations at ${options.kiosks} kiosks, as the agents do offline...`);
    let total = 0;
    for (const [k, kiosk] of kiosks.entries()) {
      const identity = loadKioskIdentity(kiosk.stateDir);
      const outbox = new Outbox({ store: new LibsqlOutboxStore(join(kiosk.stateDir, 'outbox.db')), journal: { kioskId: kiosk.id, privateKey: () => identity.keys.privateKey } });
      await outbox.start();
      for (let n = 0; n < perKiosk && total < options.ops; n += 1, total += 1) {
        const card = { number: cards[(k * perKiosk + n) % cards.length]! };
        const opId = ids.next();
        if (isRedemption(n)) {
          const at = new Date();
          const request: Request = {
            kind: 'redeem_offline',
            opId,
            card,
            points: 100,
            coupon: { code: `K${opId.replace(/-/g, '').toUpperCase()}`, value: { amount: 100, currency: 'EUR' }, expiresAt: new Date(at.getTime() + 30 * 86_400_000).toISOString(), reward: null },
            redeemedAt: at.toISOString(),
            tokenIssuedAt: at.toISOString(),
          };
          await outbox.add(request, { card: card.number, points: 100, day: at.toISOString().slice(0, 10), at: at.getTime() });
        } else {
          await outbox.add({ kind: 'earn', opId, card, receipt: { id: `Q${k}-${n}`, total: { amount: amountOf(n), currency: 'EUR' } } });
        }
      }
      await outbox.stop();
    }

    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const gateway = await spawnGateway(gatewayDir, { mqtt: mqttPort, http: httpPort }, { LOYALTY_GW_MQTT_INTERNAL_PASSWORD: randomBytes(24).toString('base64url') });
    const gatewayKey = importPublicKey(exportPublicKey(loadOrCreateKeyPair(join(gatewayDir, 'gateway.key')).keys.publicKey));
    const links: Array<{ link: GatewayLink; requests: Requests; outbox: Outbox; watcher: InstanceType<typeof Database> }> = [];
    try {
      for (const kiosk of kiosks) {
        const identity = loadKioskIdentity(kiosk.stateDir);
        const outbox = new Outbox({ store: new LibsqlOutboxStore(join(kiosk.stateDir, 'outbox.db')), journal: { kioskId: kiosk.id, privateKey: () => identity.keys.privateKey } });
        await outbox.start();
        const log = quiet();
        const link = new GatewayLink({
          kioskId: kiosk.id,
          storeId: 'bench',
          host: '127.0.0.1',
          port: mqttPort,
          username: kiosk.id,
          password: kiosk.password,
          signer: new EnvelopeSigner({ senderId: kiosk.id, privateKey: identity.keys.privateKey, sequence: fileSequence(join(kiosk.stateDir, 'kiosk.seq')) }),
          gatewayKeys: () => [gatewayKey],
          log,
          reconnectDelayMsMin: 100,
          reconnectDelayMsMax: 1000,
        });
        const requests = new Requests({ link, outbox, log, resendIntervalMs: 5000 });
        links.push({ link, requests, outbox, watcher: new Database(join(kiosk.stateDir, 'outbox.db'), { readonly: true }) });
      }

      progress('the partition heals: timing the drain...');
      const t0 = now();
      for (const { link, requests } of links) {
        requests.start();
        link.start();
      }
      for (;;) {
        const left = links.reduce((sum, { watcher }) => sum + Number((watcher.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n), 0);
        if (left === 0) break;
        if (now() - t0 > 300_000) throw new Error(`${left} operations left after 300 s`);
        await sleep(10);
      }
      const drainSeconds = (now() - t0) / 1000;

      progress(`online baseline: ${onlinePerKiosk * options.kiosks} earns through the gateway, each kiosk one at a time...`);
      const t1 = now();
      await Promise.all(
        links.map(async ({ requests }, k) => {
          for (let n = 0; n < onlinePerKiosk; n += 1) {
            const { reply } = await requests.submit(
              { kind: 'earn', opId: ids.next(), card: { number: cards[(k + n) % cards.length]! }, receipt: { id: `O${k}-${n}`, total: { amount: amountOf(n), currency: 'EUR' } } },
              30_000,
            );
            const answer = await reply;
            if (answer.result.status !== 'ok') throw new Error(`an online earn was refused: ${answer.result.message}`);
          }
        }),
      );
      const onlineViaGatewayOpsPerS = (onlinePerKiosk * options.kiosks) / ((now() - t1) / 1000);

      for (const { link, requests, outbox, watcher } of links) {
        requests.stop();
        await link.stop();
        await outbox.stop();
        watcher.close();
      }
      await gateway.stop();
      const ledgerDb = new Database(join(gatewayDir, 'gateway.db'), { readonly: true });
      const count = (sql: string) => Number((ledgerDb.prepare(sql).get() as { n: number }).n);
      const booked = { earns: count("SELECT count(*) AS n FROM claimed_receipts WHERE receipt_id LIKE 'Q%'"), redemptions: count("SELECT count(*) AS n FROM coupons WHERE code LIKE 'K%'") };
      const links_ = count('SELECT count(*) AS n FROM kiosk_journal');
      const lastSeqs = count('SELECT COALESCE(SUM(m), 0) AS n FROM (SELECT MAX(seq) AS m FROM kiosk_journal GROUP BY kiosk_id)');
      ledgerDb.close();
      if (booked.earns + booked.redemptions !== total) throw new Error(`${booked.earns + booked.redemptions} of ${total} operations booked`);

      progress(`the ledger's own online earn rate: ${options.ledgerOps} earns, 64 callers, in-process...`);
      const ledger = await ledgerEarnRate(64, options.ledgerOps);
      return {
        ops: total,
        kiosks: options.kiosks,
        drainSeconds,
        opsPerS: total / drainSeconds,
        booked,
        journals: { links: links_, gaps: lastSeqs - links_ },
        onlineOpsPerS: ledger.opsPerS,
        onlineViaGatewayOpsPerS,
      };
    } finally {
      await gateway.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
