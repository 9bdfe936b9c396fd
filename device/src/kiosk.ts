/**
 * Builds and runs one kiosk agent from a validated config and a set of device adapters.
 * start() brings things up in dependency order; stop() takes them down in reverse and publishes
 * `offline` before closing MQTT (docs/conventions.md §3, §6).
 */
import { join } from 'node:path';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { sign } from 'node:crypto';
import { DesiredKioskConfig, EnvelopeSigner, OpIdGenerator, exportPublicKey, keyFingerprint, kioskTopic, rotationProofInput, storeTopic, type Telemetry } from '@loyalty/protocol';
import { loadOrCreateKeyPair } from '@loyalty/protocol/node';
import { HotlistCache, hotlistVerifier } from './hotlist-cache.js';
import { StaffCache, staffListVerifier } from './staff-cache.js';
import { ShiftFile } from './staff/shift-file.js';
import { RulesCache, rulesVerifier } from './rules-cache.js';
import { TrustedGatewayKeys } from './trusted-keys.js';
import type { Logger } from '@loyalty/protocol/node';
import { KioskAgent } from './agent.js';
import type { KioskConfig } from './config.js';
import { kioskKeyPath, kioskSequence, loadKioskIdentity, nextKeyPath, type KioskIdentity } from './identity.js';
import { GatewayLink } from './link/gateway-link.js';
import { Requests } from './link/requests.js';
import { CommandRunner, DEFERRED } from './commands.js';
import { AgentDir } from './update/agent-dir.js';
import { installRelease, UpdateError, type UpdateAgentArgs } from './update/installer.js';
import { UpdateTrial } from './update/trial.js';
import { readDesired, type ConfigReport } from './live-config.js';
import { LibsqlOutboxStore, Outbox } from './outbox/index.js';
import type { BarcodeScanner } from './ports/barcode-scanner.js';
import type { CardReader } from './ports/card-reader.js';
import type { Display } from './ports/display.js';
import type { ReceiptPrinter } from './ports/receipt-printer.js';
import type { PageServer } from './ui/page-server.js';
import { CouponJournal, issuedCoupon } from './coupon-journal.js';
import { SignedVersionedCache } from './signed-cache.js';
import { TokenCache } from './offline/token-cache.js';
import { OfflineDesk, type OfflinePolicy } from './offline/offline-desk.js';
import { StorageHealth } from './storage-health.js';

const MiB = 1024 * 1024;

/** this agent's version: its package's, which a release build sets */
export const AGENT_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface KioskHardware {
  reader: CardReader;
  scanner: BarcodeScanner;
  printer: ReceiptPrinter;
  display: Display;
}

interface Running {
  tokens: TokenCache;
  identity: KioskIdentity;
  signer: EnvelopeSigner;
  outbox: Outbox;
  link: GatewayLink;
  requests: Requests;
  agent: KioskAgent;
  heartbeat: NodeJS.Timeout;
  hotlist: HotlistCache;
  staff: StaffCache;
  rules: RulesCache;
  trustedKeys: TrustedGatewayKeys;
  commands: CommandRunner;
  page: PageServer | null;
  storage: StorageHealth;
}

export interface KioskOptions {
  /** what `restart_agent` does after acknowledging: main.ts stops the agent and systemd starts it again */
  onRestart?: () => void;
  /** started by boot.js, which alone can switch versions and roll a bad one back */
  canSwitchVersions?: boolean;
}

export class Kiosk {
  private running: Running | null = null;
  /** the desired configuration applied, and what was refused (reported in telemetry) */
  private configReport: ConfigReport | null = null;
  /** the offline budget and random online selection in force (the config file's, or the operator's) */
  private offlinePolicy: OfflinePolicy;
  private readonly startedAt = process.hrtime.bigint();

  constructor(
    private readonly config: KioskConfig,
    readonly hardware: KioskHardware,
    private readonly log: Logger,
    private readonly options: KioskOptions = {},
  ) {
    this.offlinePolicy = config.offline;
  }

  private get state(): Running {
    if (!this.running) throw new Error('the kiosk is not started');
    return this.running;
  }
  get agent(): KioskAgent {
    return this.state.agent;
  }
  get link(): GatewayLink {
    return this.state.link;
  }
  get outbox(): Outbox {
    return this.state.outbox;
  }
  get requests(): Requests {
    return this.state.requests;
  }
  get rules(): RulesCache {
    return this.state.rules;
  }

  /** the touchscreen page's address, or null when the config turns it off */
  get pageUrl(): string | null {
    return this.state.page?.url ?? null;
  }

  get hotlist(): HotlistCache {
    return this.state.hotlist;
  }

  get staff(): StaffCache {
    return this.state.staff;
  }

  get commands(): CommandRunner {
    return this.state.commands;
  }
  /** the gateway keys this kiosk trusts now */
  get trustedGatewayKeys(): TrustedGatewayKeys {
    return this.state.trustedKeys;
  }

  async start(): Promise<void> {
    const { config, hardware, log } = this;
    const identity = loadKioskIdentity(config.stateDir);
    log.info({ kiosk: config.kioskId, store: config.storeId, fingerprint: identity.fingerprint, created: identity.created }, 'kiosk identity');
    const signer = new EnvelopeSigner({ senderId: config.kioskId, privateKey: identity.keys.privateKey, sequence: kioskSequence(config.stateDir) });
    const trustedKeys = new TrustedGatewayKeys(config.gateway.publicKeys, config.stateDir, log);
    // The outbox is the kiosk's journal: each entry chained to the one before, signed with the kiosk's key (docs/offline.md).
    const outbox = new Outbox({
      store: new LibsqlOutboxStore(join(config.stateDir, 'outbox.db'), config.storage.journalMaxMiB * MiB),
      journal: { kioskId: config.kioskId, privateKey: () => (this.running?.identity ?? identity).keys.privateKey },
    });
    await outbox.start();
    const storage = new StorageHealth({ dir: config.stateDir, lowFreeBytes: config.storage.lowFreeMiB * MiB, journalFailure: () => outbox.lastFailure });

    for (const device of [hardware.display, hardware.printer, hardware.reader, hardware.scanner]) await device.start();

    const link = new GatewayLink({
      kioskId: config.kioskId,
      storeId: config.storeId,
      host: config.mqtt.host,
      port: config.mqtt.port,
      // The broker login is the kiosk id and the password the gateway issued at enrollment.
      username: config.mqtt.username ?? config.kioskId,
      password: config.mqtt.password,
      signer,
      gatewayKeys: (sender) => (config.gateway.senderIds.includes(sender) ? trustedKeys.keysFor(sender) : []),
      log,
      reconnectDelayMsMin: config.mqtt.reconnectDelayMsMin,
      reconnectDelayMsMax: config.mqtt.reconnectDelayMsMax,
    });
    const coupons = new CouponJournal(join(config.stateDir, 'coupons.json'));
    coupons.load();
    const requests = new Requests({
      link,
      outbox,
      log,
      resendIntervalMs: config.resendIntervalMs,
      // A coupon is on disk before its answer leaves the outbox: a crash before the print loses nothing.
      beforeClear: async (reply) => {
        const issued = issuedCoupon(reply);
        if (issued) coupons.due(issued.coupon);
      },
    });
    const hotlistTopic = storeTopic(config.storeId, 'hotlist');
    const hotlist = new HotlistCache(
      join(config.stateDir, 'hotlist.jws'),
      hotlistVerifier((raw) => link.verifyStored(hotlistTopic, raw)),
      log,
    );
    hotlist.load();
    link.on('config', (desired, _raw, sender) => {
      if ('gatewayKeys' in desired.config) trustedKeys.offer(sender, desired.version, desired.config.gatewayKeys);
    });
    link.on('hotlist', (body, raw) => {
      hotlist.offer(body, raw);
    });
    const staffTopic = storeTopic(config.storeId, 'staff');
    const staff = new StaffCache(
      join(config.stateDir, 'staff.jws'),
      config.storeId,
      staffListVerifier((raw) => link.verifyStored(staffTopic, raw)),
      log,
    );
    staff.load();
    link.on('staff', (body, raw) => {
      staff.offer(body, raw);
    });
    const rulesTopic = storeTopic(config.storeId, 'rules');
    const rules = new RulesCache(
      join(config.stateDir, 'rules.jws'),
      config.storeId,
      rulesVerifier((raw) => link.verifyStored(rulesTopic, raw)),
      log,
    );
    rules.load();
    link.on('rules', (body, raw) => {
      rules.offer(body, raw);
    });
    // The operator's desired configuration, kept signed on disk: its offline budget holds through a restart while offline.
    const desiredTopic = kioskTopic(config.kioskId, 'desired');
    const desired = new SignedVersionedCache<DesiredKioskConfig>({
      path: join(config.stateDir, 'desired.jws'),
      name: 'desired configuration',
      verify: (raw) => DesiredKioskConfig.safeParse(link.verifyStored(desiredTopic, raw)).data ?? null,
      log,
    });
    const tokens = new TokenCache(join(config.stateDir, 'card-tokens.json'), log, config.offline.tokenCacheSize);
    tokens.load();
    const offline = new OfflineDesk({ tokens, outbox, gatewayKeys: () => trustedKeys.all, storeId: config.storeId, policy: () => this.offlinePolicy, now: Date.now });
    const agent = new KioskAgent(
      {
        ...hardware,
        requests,
        opIds: new OpIdGenerator(),
        log,
        hotlist,
        rules,
        coupons,
        staff,
        shift: new ShiftFile(join(config.stateDir, 'shift.json')),
        offline: { tokens, desk: offline },
      },
      {
        kioskId: config.kioskId,
        storeName: config.storeName,
        requestTimeoutMs: config.requestTimeoutMs,
        memberScreenMs: config.memberScreenMs,
        locale: config.locale,
        touchscreen: config.page.enabled,
        ...(config.mode === 'entrance' ? { entranceProgram: config.entranceProgram } : {}),
        couponPrintWindowMs: config.couponPrintWindowMs,
        staffIdleMs: config.staffIdleMs,
      },
    );
    requests.start();
    await agent.start();
    const page = config.page.enabled ? await this.startPage(agent) : null;
    const commands = new CommandRunner({
      path: join(config.stateDir, 'commands.json'),
      link,
      log,
      handlers: {
        restart_agent: async () => {
          // After the acknowledgement has gone out.
          setTimeout(() => this.options.onRestart?.(), 500).unref();
          return { restarting: true };
        },
        reload_caches: async () => {
          rules.load();
          hotlist.load();
          return { rules: rules.version, hotlist: hotlist.version };
        },
        print_test_page: async () => {
          await agent.printTestPage();
          return { printer: hardware.printer.health() };
        },
        reprint_last: async () => {
          await agent.reprintLast();
          return { printer: hardware.printer.health() };
        },
        set_log_level: async ({ level }) => {
          log.level = level;
          return { level };
        },
        collect_diagnostics: async () => ({ ...(await this.telemetry()), node: process.version, rssMiB: Math.round(process.memoryUsage().rss / 1024 / 1024) }),
        rotate_key: async () => ({ keyFingerprint: await this.rotateKey() }),
        update_agent: async (release, { commandId }) => {
          await this.installUpdate(release, commandId);
          setTimeout(() => this.options.onRestart?.(), 500).unref();
          return DEFERRED;
        },
      },
      timeouts: { update_agent: ((config.updates?.downloadTimeoutSeconds ?? 600) + 60) * 1000 },
    });
    commands.start();
    const trial = new UpdateTrial(new AgentDir(config.stateDir), AGENT_VERSION, commands, log);
    trial.start();
    link.on('connected', async () => {
      if (await this.sendTelemetry()) trial.healthy();
    });
    link.on('desired', (body, raw) => {
      desired.offer(body, raw);
      this.applyDesired(body);
    });

    link.on('refused', () => void agent.setOutOfService(true));
    link.on('connected', () => void agent.setOutOfService(false));
    link.start();
    const heartbeat = this.startHeartbeat(config.heartbeatIntervalMs);
    this.running = { identity, signer, outbox, link, requests, agent, heartbeat, hotlist, staff, rules, trustedKeys, commands, page, tokens, storage };
    // What the operator last set, as kept: it holds until the broker brings a newer one (or while offline).
    const stored = desired.load();
    if (stored) this.applyDesired(stored);
    // A rotation the gateway answered while we were down arrives as a late reply.
    requests.on('settled', (reply) => {
      if (reply.kind === 'rotate_key' && reply.result.status === 'ok') void this.finishRotation();
    });
    const pending = await outbox.depth();
    if (pending) log.info({ pending }, 'operations waiting in the outbox from before; they will be sent when online');
  }

  /**
   * The touchscreen page. A page that cannot be served (its port taken) is logged and left out:
   * the card reader, scanner, printer and LCD still serve customers.
   */
  private async startPage(agent: KioskAgent): Promise<PageServer | null> {
    const { config, log } = this;
    // Loaded only when served: a kiosk without a touchscreen does not carry it.
    const { PageServer } = await import('./ui/page-server.js');
    const page = new PageServer({ host: config.page.host, port: config.page.port, storeName: config.storeName, agent, log });
    try {
      await page.start();
      return page;
    } catch (error) {
      log.error({ err: (error as Error).message }, 'kiosk page not served; the kiosk runs without its touchscreen');
      return null;
    }
  }

  /**
   * Key rotation (docs/security.md): a new key is made and kept aside, announced in a request signed with
   * the current key (with the new key's proof), and adopted only when the gateway confirms. The
   * request goes through the outbox, so a rotation interrupted by a crash completes later.
   */
  async rotateKey(): Promise<string> {
    const { requests, identity } = this.state;
    const next = loadOrCreateKeyPair(nextKeyPath(this.config.stateDir)).keys;
    const newPublicKey = exportPublicKey(next.publicKey);
    const proof = sign(null, rotationProofInput(this.config.kioskId, newPublicKey), next.privateKey).toString('base64url');
    const { reply } = await requests.submit({ kind: 'rotate_key', opId: new OpIdGenerator().next(), newPublicKey, proof }, this.config.requestTimeoutMs * 3);
    const answer = await reply;
    if (answer.result.status !== 'ok') throw new Error(`the gateway refused the new key: ${answer.result.message}`);
    await this.finishRotation();
    this.log.info({ from: identity.fingerprint, to: keyFingerprint(next.publicKey) }, 'kiosk key rotated');
    return keyFingerprint(next.publicKey);
  }

  private async finishRotation(): Promise<void> {
    const running = this.running;
    const path = nextKeyPath(this.config.stateDir);
    if (!running || !existsSync(path)) return;
    renameSync(path, kioskKeyPath(this.config.stateDir));
    running.identity = loadKioskIdentity(this.config.stateDir);
    running.signer.useKey(running.identity.keys.privateKey);
    await running.link.renewSession().catch((error: Error) => this.log.warn({ err: error.message }, 'reconnect after key rotation is slow; it keeps trying'));
  }

  /** Installs a signed release beside this one; the restart that follows puts it on trial (docs/fleet.md "Agent updates"). */
  private async installUpdate(release: UpdateAgentArgs, commandId: string): Promise<void> {
    const updates = this.config.updates;
    if (!updates) throw new UpdateError('this kiosk takes no agent updates: its config has no updates.releaseKeys');
    if (!this.options.canSwitchVersions) throw new UpdateError('this agent was not started through device/dist/boot.js, which alone can switch versions and roll back');
    await installRelease(release, {
      dir: new AgentDir(this.config.stateDir),
      releaseKeys: updates.releaseKeys,
      runningVersion: AGENT_VERSION,
      commandId,
      healthDeadlineMs: updates.healthDeadlineSeconds * 1000,
      maxStarts: updates.maxStarts,
      downloadTimeoutMs: updates.downloadTimeoutSeconds * 1000,
      log: this.log,
    });
  }

  /** Applies the live fields of the operator's desired configuration and reports the outcome. */
  private applyDesired(desired: DesiredKioskConfig): void {
    const running = this.running;
    if (!running || (this.configReport && desired.version <= this.configReport.version)) return;
    const { changes, report } = readDesired(desired);
    running.agent.configure({ memberScreenMs: changes.memberScreenMs, requestTimeoutMs: changes.requestTimeoutMs });
    if (changes.logLevel) this.log.level = changes.logLevel;
    if (changes.offline) this.offlinePolicy = changes.offline;
    // The next slip is laid out for the new width (a paper roll or printer swapped in the store).
    if (changes.printer) this.hardware.printer.columns = changes.printer.columns;
    if (changes.heartbeatIntervalMs) {
      clearInterval(running.heartbeat);
      running.heartbeat = this.startHeartbeat(changes.heartbeatIntervalMs);
    }
    this.configReport = report;
    this.log.info({ version: report.version, applied: Object.keys(changes), refused: report.refused.map((r) => r.field) }, 'desired configuration applied');
    void this.sendTelemetry();
  }

  private startHeartbeat(intervalMs: number): NodeJS.Timeout {
    const heartbeat = setInterval(() => void this.sendTelemetry(), intervalMs);
    heartbeat.unref();
    return heartbeat;
  }

  /**
   * The systemd watchdog's check (docs/operator-guide.md "systemd"): the journal answers, since
   * every operation is written there before a customer is answered. Being offline is not a fault:
   * the kiosk serves from its caches, so the gateway's link is not part of the check.
   */
  async health(): Promise<string | null> {
    const running = this.running;
    if (!running) return 'not started';
    await running.outbox.depth();
    return null;
  }

  readyStatus(): string {
    return `kiosk ${this.config.kioskId} of store ${this.config.storeId}, gateway ${this.running?.link.connected ? 'connected' : 'not reachable yet'}`;
  }

  get fingerprint(): string {
    return this.state.identity.fingerprint;
  }

  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.running = null;
    clearInterval(running.heartbeat);
    await running.commands.stop();
    await running.page?.stop();
    await running.agent.stop();
    running.requests.stop();
    await running.link.stop();
    for (const device of [this.hardware.scanner, this.hardware.reader, this.hardware.printer, this.hardware.display]) {
      await device.stop().catch((error: Error) => this.log.warn({ err: error.message }, 'device did not stop cleanly'));
    }
    await running.outbox.stop();
    running.tokens.flush();
    this.log.info('kiosk stopped');
  }

  async telemetry(): Promise<Telemetry> {
    const { hardware } = this;
    return {
      uptimeS: Number((process.hrtime.bigint() - this.startedAt) / 1_000_000_000n),
      outboxDepth: this.running ? await this.running.outbox.depth() : 0,
      health: {
        reader: hardware.reader.health(),
        scanner: hardware.scanner.health(),
        printer: hardware.printer.health(),
        display: hardware.display.health(),
        ...(this.running ? { storage: await this.running.storage.health() } : {}),
      },
      versions: { agent: AGENT_VERSION, rules: this.running?.rules.version ?? null, hotlist: this.running?.hotlist.version ?? null, staff: this.running?.staff.version ?? null },
      rejectedMessages: Object.fromEntries(this.running?.link.rejectedCounts ?? []),
      droppedSlips: this.running?.agent.droppedSlips ?? 0,
      ...(this.configReport ? { config: this.configReport } : {}),
    };
  }

  /** true when the telemetry went out */
  private async sendTelemetry(): Promise<boolean> {
    try {
      return (await this.running?.link.send('tele', await this.telemetry())) ?? false;
    } catch (error) {
      this.log.debug({ err: (error as Error).message }, 'telemetry not sent');
      return false;
    }
  }
}
