/**
 * Gateway configuration: one zod schema holds every default (docs/conventions.md §8). Sources, lowest
 * precedence first: the schema defaults, an optional JSON file, then LOYALTY_GW_* variables.
 * main.ts is the only caller that passes the real process environment.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

export const GatewayConfig = z.strictObject({
  /** Signs as this sender id; replicas behind one external broker need distinct ids. */
  instanceId: z
    .string()
    .regex(/^gateway[A-Za-z0-9_-]{0,56}$/, 'must start with "gateway"')
    .default('gateway'),
  dataDir: z.string().min(1).default('./var'),
  /**
   * keys the HMACs of SMS codes and opt-out links; replicas behind one load balancer need the same
   * one (docs/deployment-at-scale.md). Absent: derived from this gateway's own signing key.
   */
  sharedSecret: z.string().min(32, 'at least 32 characters').max(512).optional(),
  ledgerUrl: z
    .string()
    .regex(/^(file:|libsql:|https?:)/, 'must be a file:, libsql: or http(s): URL')
    .optional(),
  ledgerAuthToken: z.string().optional(),
  ledgerBusyTimeoutMs: z.number().int().min(0).default(5000),
  http: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      /** the largest request body in bytes: larger ones are refused with 413 before they are read whole */
      maxBodyBytes: z
        .number()
        .int()
        .min(1024)
        .max(64 * 1024 * 1024)
        .default(1024 * 1024),
      /** check every response against its schema (for development and tests: costs CPU) */
      validateResponses: z.boolean().default(false),
    })
    .prefault({}),
  mqtt: z
    .strictObject({
      /** 'embedded' runs aedes in this process; 'external' connects to mqtt.url (Mosquitto, EMQX). */
      mode: z.enum(['embedded', 'external']).default('embedded'),
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(1883),
      url: z.url().optional(),
      username: z.string().optional(),
      password: z.string().optional(),
      /** the broker address handed to kiosks at pairing, when it differs from `host` (e.g. 0.0.0.0) */
      advertisedHost: z.string().optional(),
      /** the embedded broker's internal login password, for trusted tools (benchmarks, monitors); random per start when unset */
      internalPassword: z.string().min(24, 'use at least 24 characters').optional(),
      /** shared secret for an external broker's HTTP auth hooks (POST /api/v1/broker/auth|acl) */
      authHookSecret: z.string().min(16, 'use at least 16 characters').optional(),
      /** Embedded broker limits (docs/security.md "Broker limits"), enforced while packets are read. */
      limits: z
        .strictObject({
          /** the largest CONNECT, before login (a kiosk's carries a signed last will of a few hundred bytes) */
          connectMaxBytes: z
            .number()
            .int()
            .min(512)
            .max(1024 * 1024)
            .default(8 * 1024),
          /** the largest packet a logged-in kiosk may send (its largest message is 16 KiB) */
          maxPacketBytes: z
            .number()
            .int()
            .min(1024)
            .max(64 * 1024 * 1024)
            .default(64 * 1024),
          maxConnectionsPerAddress: z.number().int().min(1).default(64),
          /** connections that have not logged in yet, across all addresses */
          maxPendingConnections: z.number().int().min(1).default(100),
          /** a connection that has not sent its CONNECT by then is closed */
          connectTimeoutMs: z.number().int().min(100).max(60_000).default(5000),
        })
        .prefault({}),
      /**
       * On an external Mosquitto with the dynamic-security plugin: the gateway (logged in as the
       * plugin's admin client) creates and deletes each kiosk's account and ACLs.
       */
      dynamicSecurity: z.boolean().default(false),
      /** MQTT shared-subscription group for gateway replicas on an external broker. */
      shareGroup: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/)
        .default('gateway'),
    })
    .prefault({})
    .refine((mqtt) => !mqtt.dynamicSecurity || mqtt.mode === 'external', { message: 'dynamicSecurity manages an external Mosquitto: set mqtt.mode to "external"', path: ['dynamicSecurity'] })
    .refine((mqtt) => !mqtt.dynamicSecurity || Boolean(mqtt.username ?? mqtt.url?.includes('@')), {
      message: 'dynamicSecurity needs mqtt.username and mqtt.password of the plugin’s admin client (mosquitto_ctrl dynsec init)',
      path: ['username'],
    }),
  /** The built-in default program's rate for stores with no published program: points per whole currency unit (docs/programs.md). */
  demoPointsPerUnit: z.number().int().min(0).max(1000).default(1),
  ledger: z
    .strictObject({
      /** days until earned points expire; null: never (programs set their own policy later) */
      pointsExpiryDays: z.number().int().min(1).max(36500).nullable().default(365),
      /** what one point pays, in minor units, when redeemed */
      pointValueMinor: z.number().int().min(1).max(1_000_000).default(1),
      couponValidDays: z.number().int().min(1).max(3650).default(30),
      holdTtlMs: z
        .number()
        .int()
        .min(1000)
        .max(7 * 86_400_000)
        .default(10 * 60_000),
      /** days after a till registers a sale during which a kiosk scan of its receipt may earn (docs/receipts.md) */
      receiptClaimWindowDays: z.number().int().min(1).max(3650).default(30),
      /** how often lots are expired and timed-out holds voided */
      maintenanceIntervalMs: z.number().int().min(1000).default(3_600_000),
    })
    .prefault({}),
  customers: z
    .strictObject({
      /** how phone numbers without a country code are read (ISO 3166 alpha-2) */
      defaultCountry: z
        .string()
        .regex(/^[A-Z]{2}$/)
        .default('DE'),
      /** the first card number handed out when none was issued yet */
      firstCardNumber: z.number().int().min(10001).default(10001),
      /**
       * the program of a digital card asked for on the customers' page by someone who never had a
       * card (docs/self-service.md); absent: such customers are asked to get a card in a store
       */
      digitalCardProgram: z.string().min(1).max(64).optional(),
    })
    .prefault({}),
  /** staff at the kiosk (docs/staff.md): a manager's point adjustments, per adjustment and per manager and day */
  staff: z
    .strictObject({
      adjustmentLimitPoints: z.number().int().min(1).max(1_000_000).default(1000),
      dailyAdjustmentLimitPoints: z.number().int().min(1).max(10_000_000).default(5000),
    })
    .prefault({}),
  sms: z
    .strictObject({
      provider: z.enum(['log', 'webhook']).default('log'),
      webhook: z
        .strictObject({
          url: z.url(),
          authHeader: z.string().optional(),
          bodyTemplate: z.string().includes('{{text}}').default('{"to":"{{to}}","text":"{{text}}"}'),
          timeoutMs: z.number().int().min(100).default(5000),
        })
        .optional(),
      kioskDailyCap: z.number().int().min(1).default(100),
    })
    .prefault({})
    .refine((sms) => sms.provider !== 'webhook' || sms.webhook, { message: 'sms.webhook (url, …) is needed when sms.provider is "webhook"', path: ['webhook'] }),
  /** Reminders to customers (docs/reminders.md): points and coupons about to expire, a tier reviewed down, a birthday bonus waiting. */
  reminders: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** how often the job looks for reminders due */
      intervalMinutes: z.number().min(0.01).max(1440).default(15),
      /** sent only inside the store's local daytime, from ≤ time < to */
      daytime: z
        .strictObject({ from: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/), to: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/) })
        .default({ from: '09:00', to: '20:00' })
        .refine((d) => d.from < d.to, { message: 'daytime.from must be before daytime.to', path: ['to'] }),
      language: z.enum(['en', 'ru']).default('en'),
      /** e-mail when the customer has an address, else SMS (email_then_sms); or one channel only */
      channel: z.enum(['email_then_sms', 'email', 'sms']).default('email_then_sms'),
      pointsExpiringDays: z.number().int().min(1).max(365).default(14),
      couponExpiringDays: z.number().int().min(1).max(365).default(3),
      tierReviewDays: z.number().int().min(1).max(365).default(14),
      /** reminders sent at most per run (the rest wait for the next run) */
      batchSize: z.number().int().min(1).max(10_000).default(200),
      /** where customers reach the customers' page, for the opt-out link; default: the gateway's HTTP address */
      publicUrl: z.url().optional(),
    })
    .prefault({}),
  /** Outgoing e-mail (docs/reminders.md): an SMTP server, e.g. smtp://user:password@mail.example:587 */
  email: z
    .strictObject({
      smtpUrl: z
        .string()
        .regex(/^smtps?:\/\//, 'smtp://… or smtps://…')
        .optional(),
      from: z.string().min(3).max(200).default('Loyalty <loyalty@localhost>'),
    })
    .prefault({}),
  /** Fleet health (docs/fleet.md "Alarms"). */
  fleet: z
    .strictObject({
      /** a kiosk not heard from for this long raises `offline` */
      offlineAlarmMinutes: z.number().min(0.01).max(1440).default(5),
      /** operations waiting in a kiosk's outbox that raise `outbox_backlog` */
      outboxBacklogAlarm: z.number().int().min(1).default(20),
      /** how long a kiosk may take to run a store's new rules bundle before `rules_behind` */
      rulesGraceMinutes: z.number().min(0).max(1440).default(2),
      /** kiosks' heartbeats are written to the ledger together this often (they show in the API at once) */
      telemetryFlushMs: z.number().int().min(10).max(60_000).default(1000),
      /** how often kiosks are checked besides on every report (for `offline`) */
      alarmSweepMs: z.number().int().min(100).default(15_000),
      /** called with {event: "raised"|"cleared", alarm} on every transition */
      alarmWebhook: z.strictObject({ url: z.url(), authHeader: z.string().optional(), timeoutMs: z.number().int().min(100).default(5000) }).optional(),
      /** release keys (base64url Ed25519) an uploaded agent release must be signed with (docs/fleet.md "Agent updates") */
      releaseKeys: z.array(z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a 43-character base64url Ed25519 key')).default([]),
      /** the largest release tarball accepted, in bytes */
      maxReleaseBytes: z
        .number()
        .int()
        .min(1024)
        .max(512 * 1024 * 1024)
        .default(256 * 1024 * 1024),
      /** how kiosks reach this gateway over HTTP, for release downloads; default: the address the operator's request came to */
      publicUrl: z.url().optional(),
    })
    .prefault({}),
  /** Rate limits (docs/security.md "Rate limits"); 0 turns one off. */
  limits: z
    .strictObject({
      /** wrong pairing codes one address may try per window, counted in the ledger database */
      pairingGuessesPerAddress: z.number().int().min(0).default(10),
      pairingWindowMinutes: z.number().int().min(1).default(10),
      /** SMS codes one API token may have sent per hour (SMS pumping costs real money) */
      smsPerTokenPerHour: z.number().int().min(0).default(20),
      /** SMS codes per store per 24 hours */
      smsPerStorePerDay: z.number().int().min(0).default(500),
      /** SMS codes the whole gateway sends per hour: the ceiling on the SMS bill */
      smsPerHour: z.number().int().min(0).default(1000),
      /** HTTP requests per API token per minute, and per client address per minute (429 with Retry-After) */
      httpPerTokenPerMinute: z.number().int().min(0).default(1200),
      httpPerAddressPerMinute: z.number().int().min(0).default(3000),
    })
    .prefault({}),
  /** how often a replica picks up kiosk changes made through other replicas */
  registryRefreshMs: z.number().int().min(100).default(5000),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** zod issues as `path: message` lines, the form an operator can act on. */
/** Where the ledger is: `ledgerUrl`, or the file `gateway.db` in the data dir. */
export function ledgerUrlOf(config: Pick<GatewayConfig, 'ledgerUrl' | 'dataDir'>): string {
  return config.ledgerUrl ?? `file:${resolve(config.dataDir, 'gateway.db')}`;
}

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

const ENV_KEYS: Record<string, (raw: string) => [string[], unknown]> = {
  LOYALTY_GW_DATA_DIR: (v) => [['dataDir'], v],
  LOYALTY_GW_LEDGER_URL: (v) => [['ledgerUrl'], v],
  LOYALTY_GW_LEDGER_AUTH_TOKEN: (v) => [['ledgerAuthToken'], v],
  LOYALTY_GW_HTTP_HOST: (v) => [['http', 'host'], v],
  LOYALTY_GW_HTTP_PORT: (v) => [['http', 'port'], numberOrRaw(v)],
  LOYALTY_GW_MQTT_MODE: (v) => [['mqtt', 'mode'], v],
  LOYALTY_GW_MQTT_HOST: (v) => [['mqtt', 'host'], v],
  LOYALTY_GW_MQTT_PORT: (v) => [['mqtt', 'port'], numberOrRaw(v)],
  LOYALTY_GW_MQTT_URL: (v) => [['mqtt', 'url'], v],
  LOYALTY_GW_MQTT_USERNAME: (v) => [['mqtt', 'username'], v],
  LOYALTY_GW_MQTT_PASSWORD: (v) => [['mqtt', 'password'], v],
  LOYALTY_GW_MQTT_AUTH_HOOK_SECRET: (v) => [['mqtt', 'authHookSecret'], v],
  LOYALTY_GW_MQTT_INTERNAL_PASSWORD: (v) => [['mqtt', 'internalPassword'], v],
  LOYALTY_GW_INSTANCE_ID: (v) => [['instanceId'], v],
  LOYALTY_GW_LOG_LEVEL: (v) => [['logLevel'], v],
  LOYALTY_GW_SMS_PROVIDER: (v) => [['sms', 'provider'], v],
  LOYALTY_GW_SMS_WEBHOOK_URL: (v) => [['sms', 'webhook', 'url'], v],
  LOYALTY_GW_SMS_WEBHOOK_AUTH: (v) => [['sms', 'webhook', 'authHeader'], v],
  LOYALTY_GW_SMTP_URL: (v) => [['email', 'smtpUrl'], v],
  LOYALTY_GW_SHARED_SECRET: (v) => [['sharedSecret'], v],
  LOYALTY_GW_REMINDERS: (v) => [['reminders', 'enabled'], v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v],
};

function numberOrRaw(v: string): unknown {
  return /^\d+$/.test(v) ? Number(v) : v;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/**
 * Builds the config from a JSON file (LOYALTY_GW_CONFIG or `file`) and the environment.
 * Throws ConfigError naming each wrong field.
 */
export function loadGatewayConfig(env: Record<string, string | undefined>, file = env.LOYALTY_GW_CONFIG): GatewayConfig {
  let raw: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read config file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`config file ${file} is not valid JSON: ${(error as Error).message}`);
    }
  }
  for (const [key, apply] of Object.entries(ENV_KEYS)) {
    const value = env[key];
    if (value !== undefined && value !== '') setPath(raw, ...apply(value));
  }
  return parseGatewayConfig(raw, file ? `config file ${file}` : 'config');
}

export function parseGatewayConfig(raw: unknown, source = 'config'): GatewayConfig {
  const result = GatewayConfig.safeParse(raw);
  if (!result.success) throw new ConfigError(`${source} is invalid: ${describeIssues(result.error)}`);
  return result.data;
}
