/**
 * Test harness: the real gateway (aedes over loopback TCP, libSQL file in a temp dir) and a
 * kiosk agent with emulated devices, wired the way `npm start` wires them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Kiosk, createEmulatedHardware, createHardware, loadKioskIdentity, parseKioskConfig, type Display, type EmulatedHardware, type KioskConfigInput } from '@loyalty/device';
import { Gateway, parseGatewayConfig, type GatewayConfig } from '@loyalty/gateway';
import { createLogger, type Logger } from '@loyalty/protocol/node';
import { exportPublicKey, importPrivateKeyPem } from '@loyalty/protocol';

/** A logger whose JSON lines tests can search (and which keeps test output quiet). */
export class CapturedLog {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly logger: Logger;
  constructor(name: string) {
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        for (const line of chunk.toString().split('\n')) if (line) this.lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    this.logger = createLogger({ level: 'debug', name, destination: sink });
  }
  find(predicate: (line: Record<string, unknown>) => boolean): Array<Record<string, unknown>> {
    return this.lines.filter(predicate);
  }
}

export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `loyalty-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function gatewayConfig(dataDir: string, overrides: Record<string, unknown> = {}): GatewayConfig {
  // Every response is checked against its schema in tests (docs/api.md).
  return parseGatewayConfig({ dataDir, http: { port: 0, validateResponses: true }, mqtt: { port: 0 }, logLevel: 'debug', ...overrides });
}

export const STORE = { id: 'store-1', name: 'Test Store' };
export const ANNA = { number: '10009', uid: '04A1B2C3D4E5F6', name: 'Anna Karenina' };
export const BORIS = { number: '10017', uid: '04112233445566', name: 'Boris Godunov' };

export async function startGateway(dataDir: string, overrides: Record<string, unknown> = {}, clock?: { now(): Date }): Promise<{ gateway: Gateway; log: CapturedLog }> {
  const log = new CapturedLog('gateway');
  const gateway = new Gateway({ config: gatewayConfig(dataDir, overrides), log: log.logger, clock });
  await gateway.start();
  return { gateway, log };
}

export async function seed(gateway: Gateway): Promise<void> {
  await gateway.directory.ensureStore(STORE);
  await gateway.directory.ensureProgram({ id: 'points', name: 'Points' });
  for (const person of [ANNA, BORIS]) {
    const customerId = await gateway.directory.createCustomer({ name: person.name });
    await gateway.directory.issueCard({ number: person.number, uid: person.uid, programId: 'points', customerId });
  }
}

/** What a store's till does before it prints a receipt: registers the sale, so a kiosk scan may claim it. */
export async function registerSale(gateway: Gateway, receipt: { id: string; total: { amount: number; currency: string } }, storeId = STORE.id): Promise<void> {
  await gateway.ledger.registerSale({
    opId: `sale:${storeId}:${receipt.id}`,
    storeId,
    tillId: 'till-1',
    receiptId: receipt.id,
    total: receipt.total.amount,
    currency: receipt.total.currency,
    source: 'test-till',
  });
}

export interface TestKiosk {
  kiosk: Kiosk;
  hardware: EmulatedHardware;
  log: CapturedLog;
  stateDir: string;
}

export async function startKiosk(
  gateway: Gateway,
  stateDir: string,
  options: { kioskId?: string; mqttPort?: number; config?: Partial<KioskConfigInput>; register?: boolean; brokerPassword?: string; display?: Display } = {},
): Promise<TestKiosk> {
  const kioskId = options.kioskId ?? 'kiosk-1';
  let brokerPassword = options.brokerPassword;
  if (options.register !== false) brokerPassword = (await gateway.registry.register(kioskId, STORE.id, loadKioskIdentity(stateDir).publicKey)).brokerPassword;
  // Without a gateway (register: false), the caller passes the mqtt port and gateway keys.
  const gatewayKeys = options.register === false ? undefined : { senderIds: [gateway.senderId], publicKeys: [gateway.publicKey] };
  const config = parseKioskConfig({
    kioskId,
    storeId: STORE.id,
    storeName: STORE.name,
    stateDir,
    mqtt: { host: '127.0.0.1', port: options.mqttPort ?? gateway.mqttEndpoint.port, password: brokerPassword, reconnectDelayMsMin: 100, reconnectDelayMsMax: 500 },
    gateway: gatewayKeys,
    requestTimeoutMs: 1500,
    resendIntervalMs: 300,
    // Tests run side by side: each kiosk's page on a port of its own.
    page: { port: 0 },
    ...options.config,
  });
  const log = new CapturedLog('kiosk');
  // Real-stack devices when the config asks for them (hardware.mode "real"), emulated otherwise.
  const hardware = (config.hardware.mode === 'real' ? createHardware(config, log.logger) : createEmulatedHardware()) as EmulatedHardware;
  // A real display stack instead of the emulated one (an LCD through johnny-five on a mock board).
  if (options.display) (hardware as { display: Display }).display = options.display;
  const kiosk = new Kiosk(config, hardware, log.logger);
  await kiosk.start();
  return { kiosk, hardware, log, stateDir };
}

/** One call of the gateway's API as an operator's tool makes it: a JSON body, the status and the JSON answer. */
export async function callApi(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(`${baseUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** Polls until `check` returns a truthy value (or throws the last failure after `timeoutMs`). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = new Error(`${what} not met`);
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw last;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The gateway's public key, derived from its key file, as a kiosk's config carries it (for kiosks started without a gateway). */
export function readGatewayKey(gatewayDir: string): string {
  return exportPublicKey(importPrivateKeyPem(readFileSync(`${gatewayDir}/gateway.key`, 'utf8')).publicKey);
}
