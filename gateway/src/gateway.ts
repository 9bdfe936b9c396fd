/**
 * Builds and runs one gateway from a validated config: ledger, writer, broker (embedded or
 * external), the kiosk link and the HTTP API. Constructors assign; start() does the I/O in
 * dependency order and stop() undoes it in reverse (docs/conventions.md §3).
 */
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { SqlClient as Client } from './db/sql.js';
import { EnvelopeSigner, EnvelopeVerifier, exportPublicKey, kioskClientId, keyFingerprint, type GatewayKeySet, type Hotlist, type KeyPair, type RulesBundle } from '@loyalty/protocol';
import { fileSequence } from '@loyalty/protocol/node';
import { loadGatewayKeys } from './fleet/gateway-keys.js';
import { ledgerUrlOf, type GatewayConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { GroupCommitWriter } from './db/writer.js';
import { KioskRegistry } from './fleet/kiosk-registry.js';
import { KEY_OVERLAP_MS, createRequestHandlers } from './handlers.js';
import { CardTokens } from './members/card-tokens.js';
import { KioskJournals } from './fleet/kiosk-journals.js';
import { ApiTokens } from './http/api-tokens.js';
import { createApp } from './http/app.js';
import { Directory } from './ledger/directory.js';
import { Ledger } from './ledger/ledger.js';
import { pruneRates } from './ledger/rate-limits.js';
import { MosquittoDynamicSecurity } from './mqtt/mosquitto-dynsec.js';
import { CommandService } from './fleet/commands.js';
import { ReleaseService } from './fleet/releases.js';
import { AlarmService } from './fleet/alarms.js';
import { KioskConfigService } from './fleet/kiosk-config.js';
import { systemClock, type Clock } from './clock.js';
import { ProgramService } from './programs/program-service.js';
import { verifyLedger } from './ledger/verify.js';
import type { Logger } from '@loyalty/protocol/node';
import { GatewayMetrics } from './metrics.js';
import { createMqttClient, parseMqttUrl, type MqttEndpoint } from './mqtt/client.js';
import { EmbeddedBroker } from './mqtt/embedded-broker.js';
import { BrokerGuard } from './mqtt/broker-guard.js';
import { EnrollmentService } from './fleet/enrollment.js';
import { KioskLink } from './mqtt/kiosk-link.js';
import type { LinkClient } from './mqtt/link-client.js';
import { CardService } from './members/card-service.js';
import { CustomerService } from './members/customer-service.js';
import { DEFAULT_OTP_OPTIONS, OtpService } from './members/otp.js';
import { RegistrationService } from './members/registration-service.js';
import { ConfirmedRedemptions } from './members/confirmed-redemption.js';
import { KioskRedemptions } from './members/kiosk-redemptions.js';
import { LogSmsProvider, WebhookSmsProvider } from './members/sms.js';
import { CustomerSessions } from './self-service/sessions.js';
import { SelfServiceSignIn } from './self-service/sign-in.js';
import { DataRequests } from './self-service/data-requests.js';
import { SegmentService } from './segments/segment-service.js';
import { OptOutLinks } from './reminders/opt-out.js';
import { ReminderJob } from './reminders/reminder-job.js';
import { SmtpEmailSender } from './reminders/email.js';
import { JobLease } from './jobs/job-lease.js';
import { StaffService } from './members/staff-service.js';
import { KioskStaff } from './members/kiosk-staff.js';
import { ConsoleSessions } from './console/sessions.js';

export interface GatewayDeps {
  config: GatewayConfig;
  log: Logger;
  clock?: Clock;
}

interface Running {
  client: Client;
  writer: GroupCommitWriter;
  registry: KioskRegistry;
  ledger: Ledger;
  programs: ProgramService;
  directory: Directory;
  tokens: ApiTokens;
  keys: KeyPair;
  broker: EmbeddedBroker | null;
  link: KioskLink;
  http: ServerType;
  mqttEndpoint: MqttEndpoint;
  maintenance: NodeJS.Timeout;
  registryRefresh: NodeJS.Timeout;
  app: ReturnType<typeof createApp>;
  cards: CardService;
  customers: CustomerService;
  dataRequests: DataRequests;
  segments: SegmentService;
  reminders: ReminderJob;
  optOut: OptOutLinks;
  registrations: RegistrationService;
  staff: StaffService;
  kioskStaff: KioskStaff;
  journals: KioskJournals;
  commands: CommandService;
  commandSweep: NodeJS.Timeout;
  alarms: AlarmService;
  alarmSweep: NodeJS.Timeout;
  readiness: Record<string, () => Promise<string | null>>;
}

export class Gateway {
  readonly metrics = new GatewayMetrics(true);
  private running: Running | null = null;
  private readonly clock: Clock;

  constructor(private readonly deps: GatewayDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  get ledgerUrl(): string {
    return ledgerUrlOf(this.deps.config);
  }

  private get state(): Running {
    if (!this.running) throw new Error('the gateway is not started');
    return this.running;
  }

  get ledger(): Ledger {
    return this.state.ledger;
  }
  get directory(): Directory {
    return this.state.directory;
  }
  get registry(): KioskRegistry {
    return this.state.registry;
  }
  get tokens(): ApiTokens {
    return this.state.tokens;
  }
  get programs(): ProgramService {
    return this.state.programs;
  }

  get cards(): CardService {
    return this.state.cards;
  }
  /** erasures customers asked for on their page, for an operator (docs/self-service.md) */
  get dataRequests(): DataRequests {
    return this.state.dataRequests;
  }
  /** segments over customers, for targeted promotions (docs/segments.md) */
  get segments(): SegmentService {
    return this.state.segments;
  }
  /** the reminder job (docs/reminders.md); its timer runs when reminders.enabled */
  get reminders(): ReminderJob {
    return this.state.reminders;
  }
  /** the opt-out link a reminder to this customer carries */
  optOutUrl(customerId: string): string {
    return this.state.optOut.url(customerId);
  }
  get customers(): CustomerService {
    return this.state.customers;
  }
  get commands(): CommandService {
    return this.state.commands;
  }

  get alarms(): AlarmService {
    return this.state.alarms;
  }

  get registrations(): RegistrationService {
    return this.state.registrations;
  }
  get staff(): StaffService {
    return this.state.staff;
  }
  /** what staff do at kiosks (the handlers of the staff request kinds) */
  get kioskStaff(): KioskStaff {
    return this.state.kioskStaff;
  }
  get db(): Client {
    return this.state.client;
  }
  /** each kiosk's journal chain as received (docs/offline.md) */
  get journals(): KioskJournals {
    return this.state.journals;
  }
  get publicKey(): string {
    return exportPublicKey(this.state.keys.publicKey);
  }
  get senderId(): string {
    return this.deps.config.instanceId;
  }
  get mqttEndpoint(): MqttEndpoint {
    return this.state.mqttEndpoint;
  }
  /** method + path of every HTTP route the app serves (the OpenAPI coverage test reads it) */
  get httpRoutes(): Array<{ method: string; path: string }> {
    return this.state.app.routes.filter((r) => r.method !== 'ALL').map((r) => ({ method: r.method, path: r.path }));
  }

  get httpUrl(): string {
    const address = this.state.http.address() as AddressInfo;
    return `http://${this.deps.config.http.host}:${address.port}`;
  }

  async start(): Promise<void> {
    const { config, log } = this.deps;
    const client = await openDatabase({ url: this.ledgerUrl, authToken: config.ledgerAuthToken, busyTimeoutMs: config.ledgerBusyTimeoutMs });
    const writer = new GroupCommitWriter(client, undefined, (operations, seconds) => this.metrics.observeCommit(operations, seconds));
    const registry = new KioskRegistry(client, writer, this.clock, {
      telemetryFlushMs: config.fleet.telemetryFlushMs,
      onFlushError: (error) => log.warn({ err: error.message }, 'kiosk heartbeats not written; will retry'),
    });
    await registry.load();
    // Bundles are published through the kiosk link, which is created below.
    let publishRules: (storeId: string, bundle: RulesBundle) => Promise<void> = async () => {};
    const programs = new ProgramService(client, writer, this.clock, {
      defaults: { pointsPerUnit: config.demoPointsPerUnit, expiryDays: config.ledger.pointsExpiryDays, pointValueMinor: config.ledger.pointValueMinor },
      publish: (storeId, bundle) => publishRules(storeId, bundle),
      // The rollout view counts kiosks by the rules version they report: with the reports kept so far.
      beforeFleetRead: () => registry.flush(),
      log,
    });
    const ledger = new Ledger(client, writer, { demoPointsPerUnit: config.demoPointsPerUnit, ...config.ledger, rules: programs, clock: this.clock });
    const directory = new Directory(client, writer, this.clock);
    const tokens = new ApiTokens(client, writer, this.clock);
    const customers = new CustomerService(client, writer, ledger, this.clock, config.customers.defaultCountry);

    const gatewayKeys = loadGatewayKeys(config.dataDir, config.instanceId);
    const keys = gatewayKeys.active;
    // The public key (not a secret) is logged whole: an operator configures kiosks without pairing from it.
    log.info(
      {
        fingerprint: keyFingerprint(keys.publicKey),
        publicKey: exportPublicKey(keys.publicKey),
        created: gatewayKeys.created,
        announced: gatewayKeys.announced.length,
        keySetVersion: gatewayKeys.version,
      },
      'gateway signing key',
    );
    const signer = new EnvelopeSigner({
      senderId: config.instanceId,
      privateKey: keys.privateKey,
      sequence: fileSequence(join(config.dataDir, `${config.instanceId}.seq`)),
    });

    let broker: EmbeddedBroker | null = null;
    let mqttEndpoint: MqttEndpoint;
    if (config.mqtt.mode === 'embedded') {
      // Wills are checked at login against the kiosk's key (no replay window: a will is old by nature).
      const guard = new BrokerGuard(registry, new EnvelopeVerifier(registry.keysOf), this.metrics, log, config.mqtt.internalPassword);
      broker = new EmbeddedBroker({ host: config.mqtt.host, port: config.mqtt.port, log, guard, limits: config.mqtt.limits, onRefused: (reason) => this.metrics.brokerDenials.inc({ reason }) });
      await broker.start();
      mqttEndpoint = { host: config.mqtt.host, port: broker.port, username: guard.gatewayUser, password: guard.gatewayPassword };
    } else {
      mqttEndpoint = config.mqtt.url ? parseMqttUrl(config.mqtt.url) : { host: config.mqtt.host, port: config.mqtt.port, username: config.mqtt.username, password: config.mqtt.password };
    }
    // HMAC keys for codes and links: from the replicas' shared secret, else from this gateway's key.
    const hmacKey = (purpose: string) =>
      createHash('sha256')
        .update(`${purpose}\0`)
        .update(config.sharedSecret ?? keys.privateKey.export({ format: 'der', type: 'pkcs8' }))
        .digest();
    const sms = config.sms.provider === 'webhook' && config.sms.webhook ? new WebhookSmsProvider(config.sms.webhook) : new LogSmsProvider(log);
    const otp = new OtpService(writer, sms, this.clock, {
      ...DEFAULT_OTP_OPTIONS,
      kioskDailyCap: config.sms.kioskDailyCap,
      smsPerTokenPerHour: config.limits.smsPerTokenPerHour,
      smsPerStorePerDay: config.limits.smsPerStorePerDay,
      smsPerHour: config.limits.smsPerHour,
      // Never stored, never logged: a copied database does not reveal codes.
      secret: hmacKey('loyalty-otp'),
    });
    const confirmedRedemptions = new ConfirmedRedemptions(client, writer, ledger, otp);
    // Staff lists are published through the kiosk link, created below.
    let publishStaffLists: () => void = () => {};
    const staff = new StaffService(client, writer, this.clock, { onStaffChanged: () => publishStaffLists() });
    let publishHotlist: (hotlist: Hotlist) => void = () => {};
    const cards = new CardService(client, writer, ledger, this.clock, { firstCardNumber: config.customers.firstCardNumber, onHotlistChanged: (hotlist) => publishHotlist(hotlist) });
    const registrations = new RegistrationService(client, writer, customers, otp, this.clock);
    const kioskStaff = new KioskStaff({ db: client, writer, clock: this.clock, staff, cards, ledger, registrations, customers, limits: config.staff });
    const journals = new KioskJournals(client, writer, registry.keysOf, this.clock, log);
    // The embedded broker is reached in-process; an external one through an MQTT client.
    const externalClient = broker ? null : createMqttClient(mqttEndpoint, { clientId: `${config.instanceId}-${process.pid}`, clean: true });
    const mqtt: LinkClient = broker ? broker.inProcessClient() : externalClient!;
    const link = new KioskLink({
      client: mqtt,
      signer,
      registry,
      handlers: createRequestHandlers(ledger, registry, {
        redemptions: new KioskRedemptions(ledger, confirmedRedemptions),
        registrations,
        customers,
        staff: kioskStaff,
        cardTokens: new CardTokens(keys.privateKey, this.clock),
      }),
      writer,
      clock: this.clock,
      log,
      metrics: this.metrics,
      shareGroup: config.mqtt.mode === 'external' ? config.mqtt.shareGroup : undefined,
      journals,
    });
    // Before the link starts: a kiosk that comes online at once must get its waiting commands.
    const commands = new CommandService(client, writer, registry, this.clock, { send: (kioskId, command) => link.publishToKiosk(kioskId, 'cmd', command), log });
    const alarms = new AlarmService(client, writer, registry, this.clock, {
      offlineAfterMs: config.fleet.offlineAlarmMinutes * 60_000,
      outboxBacklog: config.fleet.outboxBacklogAlarm,
      rulesGraceMs: config.fleet.rulesGraceMinutes * 60_000,
      webhook: config.fleet.alarmWebhook,
      log,
    });
    this.metrics.watchFleet(registry, alarms);
    const kioskConfig = new KioskConfigService(client, writer, registry, this.clock, (kioskId, desired) => link.publishToKiosk(kioskId, 'desired', desired, true));
    link.useFleet({
      onAck: (kioskId, ack) => commands.onAck(kioskId, ack),
      onKioskOnline: (kioskId) => commands.onKioskOnline(kioskId),
      onKioskReport: (kioskId) => alarms.evaluate(kioskId).catch((error: Error) => log.warn({ err: error.message }, 'alarm check failed')),
      onTelemetry: (kiosk, telemetry) => alarms.onTelemetry(kiosk, telemetry).catch((error: Error) => log.warn({ err: error.message }, 'alarm check failed')),
    });
    await link.start();
    if (externalClient && config.mqtt.mode === 'external' && config.mqtt.dynamicSecurity) {
      // Before anything is published: the gateway gives itself its role on the loyalty topics.
      const accounts = new MosquittoDynamicSecurity(externalClient, { gatewayUsername: mqttEndpoint.username ?? '', log });
      await accounts.start();
      registry.useBrokerAccounts(accounts);
      await accounts.grantSubscriptions(registry.active());
      log.info('kiosk accounts on the external broker are managed by this gateway (dynamic security)');
    }
    publishRules = async (storeId, bundle) => {
      alarms.noteBundle(storeId, bundle.version, bundle.issuedAt);
      await link.publishToStore(storeId, 'rules', bundle);
    };

    publishHotlist = (hotlist: Hotlist) => void this.publishToAllStores(client, link, 'hotlist', hotlist);
    publishStaffLists = () => void this.publishStaffLists(client, link, staff);
    const enrollments = new EnrollmentService(
      client,
      writer,
      registry,
      this.clock,
      {
        senderIds: [config.instanceId],
        publicKeys: gatewayKeys.announced,
        // Where kiosks reach the broker: the embedded one's address, or the external broker's.
        broker: { host: config.mqtt.advertisedHost ?? mqttEndpoint.host, port: mqttEndpoint.port },
      },
      { failuresPerWindow: config.limits.pairingGuessesPerAddress, windowMs: config.limits.pairingWindowMinutes * 60_000 },
    );
    // Kiosks that connect later get the retained hotlist; publish the current one at start.
    await cards.publishHotlist();
    await this.publishStaffLists(client, link, staff);
    // The same for each store's newest rules bundle, and each kiosk's desired configuration.
    await programs.republishAll();
    await kioskConfig.republishAll().catch((error: Error) => log.warn({ err: error.message }, 'could not publish the desired kiosk configurations; they go out with the next change'));
    // The keys kiosks should trust for this gateway's sender id, signed with the active key
    // (retained, per kiosk). Replicas each announce their own sender's set.
    for (const kiosk of registry.active()) {
      await link
        .publishToKiosk(kiosk.id, 'config', { version: gatewayKeys.version, config: { gatewayKeys: { sender: config.instanceId, keys: gatewayKeys.announced } satisfies GatewayKeySet } }, true)
        .catch((error: Error) => log.warn({ err: error.message, kiosk: kiosk.id }, 'could not publish the gateway key set'));
    }

    const readiness = {
      // Through the group-commit writer: a stuck commit queue is as bad as a dead ledger.
      ledger: async () => ((await writer.run((tx) => tx.execute('SELECT 1'))).rows.length ? null : 'ledger did not answer'),
      mqtt: async () => (mqtt.connected ? null : 'not connected to the MQTT broker'),
    };
    const customerSessions = new CustomerSessions(client, writer, this.clock);
    const dataRequests = new DataRequests(client, writer, customers, this.clock);
    const segments = new SegmentService(client, writer, this.clock);
    const optOut = new OptOutLinks(hmacKey('loyalty-opt-out'), () => config.reminders.publicUrl ?? this.httpUrl);
    const reminders = new ReminderJob({
      db: client,
      writer,
      clock: this.clock,
      programs,
      sms,
      email: config.email.smtpUrl ? new SmtpEmailSender(config.email.smtpUrl, config.email.from) : null,
      optOut,
      // Renewed as the job works; a replica that dies gives it up after this long.
      lease: new JobLease(writer, this.clock, 'reminders', `${config.instanceId}:${process.pid}:${randomUUID()}`, 5 * 60_000),
      metrics: this.metrics,
      log,
      options: config.reminders,
    });
    const app = createApp({
      ledger,
      programs,
      cards,
      customers,
      registrations,
      confirmedRedemptions,
      staff,
      consoleSessions: new ConsoleSessions(client, writer, this.clock),
      customerSessions,
      selfServiceSignIn: new SelfServiceSignIn(writer, otp, customers, customerSessions),
      dataRequests,
      segments,
      optOut,
      digitalCardProgram: config.customers.digitalCardProgram,
      db: client,
      clock: this.clock,
      journals,
      revokeKiosk: (id: string, reason: string) => this.revokeKiosk(id, reason),
      commands,
      releases: new ReleaseService(client, writer, this.clock, { dataDir: config.dataDir, releaseKeys: config.fleet.releaseKeys, maxBytes: config.fleet.maxReleaseBytes }),
      maxReleaseBytes: config.fleet.maxReleaseBytes,
      publicUrl: config.fleet.publicUrl,
      alarms,
      kioskConfig,
      enrollments,
      directory,
      brokerHookSecret: config.mqtt.authHookSecret,
      brokerGatewayUser: config.mqtt.mode === 'external' ? mqttEndpoint.username : undefined,
      identity: { instanceId: config.instanceId, keyFingerprint: keyFingerprint(keys.publicKey), announcedKeys: gatewayKeys.announced, keySetVersion: gatewayKeys.version },
      registry,
      tokens,
      metrics: this.metrics,
      log,
      verify: () => verifyLedger(client),
      validateResponses: config.http.validateResponses,
      maxBodyBytes: config.http.maxBodyBytes,
      rateLimits: { perTokenPerMinute: config.limits.httpPerTokenPerMinute, perAddressPerMinute: config.limits.httpPerAddressPerMinute },
      readiness,
    });
    const http = await new Promise<ServerType>((resolvePromise, reject) => {
      const server = serve({ fetch: app.fetch, port: config.http.port, hostname: config.http.host }, () => resolvePromise(server));
      server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new Error(`HTTP port ${config.http.host}:${config.http.port} is in use; set http.port`) : error));
    });
    const maintenance = setInterval(() => void this.maintain(ledger), config.ledger.maintenanceIntervalMs);
    maintenance.unref();
    // Replicas share the kiosks table: changes made through another replica arrive here. Only
    // an external broker has replicas; alone, this gateway made every change itself (and a
    // fleet of 10,000 would be read every few seconds for nothing).
    const registryRefresh = setInterval(() => {
      if (config.mqtt.mode !== 'external') return;
      registry.refresh(KEY_OVERLAP_MS).catch((error: Error) => log.warn({ err: error.message }, 'kiosk registry refresh failed; will retry'));
    }, config.registryRefreshMs);
    registryRefresh.unref();
    void this.maintain(ledger);
    // Reads of a command sweep expiry first (routes/kiosks.ts), so this only keeps the table
    // current for other readers: a write every 30 s, not on the path of any message.
    const commandSweep = setInterval(() => void commands.expire().catch((error: Error) => log.warn({ err: error.message }, 'command expiry failed; will retry')), 30_000);
    commandSweep.unref();
    // A kiosk that went quiet reports nothing: time alone raises `offline`.
    const alarmSweep = setInterval(() => void alarms.evaluate().catch((error: Error) => log.warn({ err: error.message }, 'alarm check failed; will retry')), config.fleet.alarmSweepMs);
    alarmSweep.unref();
    this.running = {
      client,
      writer,
      registry,
      ledger,
      programs,
      directory,
      tokens,
      keys,
      broker,
      link,
      http,
      mqttEndpoint,
      maintenance,
      registryRefresh,
      app,
      cards,
      customers,
      dataRequests,
      segments,
      reminders,
      optOut,
      registrations,
      staff,
      kioskStaff,
      journals,
      commands,
      commandSweep,
      alarms,
      alarmSweep,
      readiness,
    };
    if (config.reminders.enabled) reminders.start();
    log.info({ http: this.httpUrl, mqtt: `${mqttEndpoint.host}:${mqttEndpoint.port}`, ledger: redactUrl(this.ledgerUrl) }, 'gateway started');
  }

  /**
   * The systemd watchdog's check (docs/operator-guide.md "systemd"): HTTP listening, the ledger
   * committing through the writer, the link to the broker up. null when healthy.
   */
  async health(): Promise<string | null> {
    const running = this.running;
    if (!running) return 'not started';
    if (!running.http.listening) return 'HTTP server not listening';
    for (const [name, check] of Object.entries(running.readiness)) {
      const problem = await check().catch((error: Error) => error.message);
      if (problem !== null) return `${name}: ${problem}`;
    }
    return null;
  }

  readyStatus(): string {
    return `serving HTTP on ${this.httpUrl}, MQTT on ${this.state.mqttEndpoint.host}:${this.state.mqttEndpoint.port}`;
  }

  /** Revocation: refused at the broker and the message layer from now on, disconnected at once. */
  async revokeKiosk(id: string, reason: string) {
    const kiosk = await this.state.registry.revoke(id, reason);
    const disconnected = this.state.broker?.disconnect(kioskClientId(id)) ?? false;
    this.deps.log.warn({ kiosk: id, disconnected }, 'kiosk revoked');
    return (await this.state.registry.list()).find((k) => k.id === kiosk.id)!;
  }

  /** Store-wide retained messages go to every store's topic (cards are chain-wide). */
  private async publishToAllStores(client: Client, link: KioskLink, channel: 'hotlist', body: Hotlist): Promise<void> {
    try {
      const stores = (await client.execute('SELECT id FROM stores')).rows.map((r) => String(r.id));
      for (const store of stores) await link.publishToStore(store, channel, body);
      this.deps.log.info({ channel, version: body.version, stores: stores.length }, 'published to stores');
    } catch (error) {
      this.deps.log.warn({ err: (error as Error).message, channel }, 'could not publish to stores; kiosks keep the previous version until the next change or restart');
    }
  }

  /** Each store's kiosks get the staff cards that work there: one signed list per store. */
  private async publishStaffLists(client: Client, link: KioskLink, staff: StaffService): Promise<void> {
    try {
      const stores = (await client.execute('SELECT id FROM stores')).rows.map((r) => String(r.id));
      for (const store of stores) await link.publishToStore(store, 'staff', await staff.listFor(store));
    } catch (error) {
      this.deps.log.warn({ err: (error as Error).message }, 'could not publish the staff lists; kiosks keep the previous version until the next change or restart');
    }
  }

  /** Hourly by default: expire lots, void timed-out holds. Both are idempotent. */
  private async maintain(ledger: Ledger): Promise<void> {
    try {
      const expired = await ledger.expire();
      const voided = await ledger.voidExpiredHolds();
      // Rate-limit events older than the longest window (a day) count for nothing any more.
      await this.state.writer.run((tx) => pruneRates(tx, new Date(this.clock.now().getTime() - 2 * 86_400_000)));
      if (expired.lots || voided) this.deps.log.info({ expiredLots: expired.lots, expiredPoints: expired.points, voidedHolds: voided }, 'ledger maintenance');
    } catch (error) {
      this.deps.log.warn({ err: (error as Error).message }, 'ledger maintenance failed; will retry');
    }
  }

  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.running = null;
    clearInterval(running.maintenance);
    clearInterval(running.registryRefresh);
    clearInterval(running.commandSweep);
    clearInterval(running.alarmSweep);
    await running.reminders.stop();
    await new Promise<void>((resolvePromise) => {
      running.http.close(() => resolvePromise());
      // Keep-alive clients would hold close() open; the requests in flight have been answered.
      if ('closeIdleConnections' in running.http) running.http.closeIdleConnections();
    });
    await running.link.stop();
    if (running.broker) await running.broker.stop();
    await running.registry.flush();
    await running.writer.close();
    running.client.close();
    this.deps.log.info('gateway stopped');
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
