/**
 * Kiosk configuration, validated once at the edge (docs/conventions.md §8). main.ts reads it from a JSON
 * file and LOYALTY_KIOSK_* variables; everything below receives the typed result.
 */
import { readFileSync } from 'node:fs';
import { ID_PATTERN } from '@loyalty/protocol';
import { z } from 'zod';
import { LANGUAGES } from './ui/view.js';
import { CODE_PAGE_NAMES, type CodePage } from './receipts/code-pages.js';
import { enrollmentConfig, readEnrollment } from './pairing.js';

const Id = z.string().regex(ID_PATTERN, 'use 1-64 of A-Z a-z 0-9 _ -');

const DevicePath = z.string().regex(/^\/[A-Za-z0-9_./-]+$/, 'an absolute device path such as /dev/ttyACM0');

export const HardwareConfig = z
  .strictObject({
    mode: z.enum(['emulated', 'real']).default('emulated'),
    reader: z
      .strictObject({
        /** reader names (or their start, e.g. "ACS ACR122U") to use; every reader when empty */
        readers: z.array(z.string().min(1).max(128)).max(8).default([]),
      })
      .prefault({}),
    scanner: z
      .discriminatedUnion('kind', [
        z.strictObject({
          kind: z.literal('serial'),
          path: DevicePath,
          baudRate: z.number().int().min(1200).max(921_600).default(9600),
          lineEnding: z.enum(['CRLF', 'LF', 'CR']).default('CRLF'),
        }),
        /** a keyboard-wedge scanner typing into this tty */
        z.strictObject({ kind: z.literal('tty'), path: DevicePath }),
        z.strictObject({ kind: z.literal('none') }),
      ])
      .default({ kind: 'none' }),
    printer: z
      .discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('tcp'), host: z.string().min(1).max(253), port: z.number().int().min(1).max(65_535).default(9100) }),
        z.strictObject({ kind: z.literal('serial'), path: DevicePath, baudRate: z.number().int().min(1200).max(921_600).default(19_200) }),
        z.strictObject({ kind: z.literal('device'), path: DevicePath.default('/dev/usb/lp0') }),
        z.strictObject({ kind: z.literal('none') }),
      ])
      .default({ kind: 'none' }),
    /** the printer's code page; PC866 and WPC1251 print Cyrillic names */
    codePage: z.enum(CODE_PAGE_NAMES as [CodePage, ...CodePage[]]).default('PC866_CYRILLIC2'),
    display: z
      .discriminatedUnion('kind', [
        z.strictObject({
          kind: z.literal('lcd'),
          /** the Firmata board's serial port; found automatically when absent */
          port: DevicePath.optional(),
          controller: z.enum(['PCF8574', 'PCF8574A', 'PCF8574T', 'PCF8574AT']).default('PCF8574'),
          address: z.number().int().min(0x08).max(0x77).default(0x27),
          ledPin: z.number().int().min(0).max(69).optional(),
          piezoPin: z.number().int().min(0).max(69).optional(),
        }),
        z.strictObject({ kind: z.literal('none') }),
      ])
      .default({ kind: 'none' }),
  })
  .prefault({});
export type HardwareConfig = z.infer<typeof HardwareConfig>;

export const KioskConfig = z.strictObject({
  kioskId: Id,
  storeId: Id,
  /** printed at the top of every slip */
  storeName: z.string().min(1).max(40).default('Loyalty'),
  /** key, sequence and outbox live here; keep it on persistent storage */
  stateDir: z.string().min(1).default('./var/kiosk'),
  mqtt: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(1).max(65535).default(1883),
      username: z.string().optional(),
      password: z.string().optional(),
      reconnectDelayMsMin: z.number().int().min(50).default(500),
      reconnectDelayMsMax: z.number().int().min(100).default(30_000),
    })
    .prefault({}),
  gateway: z.strictObject({
    /** sender ids the gateway signs with (one per replica) */
    senderIds: z
      .array(z.string().regex(/^gateway[A-Za-z0-9_-]{0,56}$/))
      .min(1)
      .default(['gateway']),
    /** the gateway's Ed25519 public keys (base64url); more than one during a key rotation */
    publicKeys: z.array(z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a 43-character base64url Ed25519 key')).min(1),
  }),
  /** how long a customer waits for an answer before the kiosk says it is offline */
  requestTimeoutMs: z.number().int().min(100).default(3000),
  resendIntervalMs: z.number().int().min(100).default(5000),
  heartbeatIntervalMs: z.number().int().min(1000).default(30_000),
  /** how long a member's screen stays before the kiosk returns to its welcome screen */
  memberScreenMs: z.number().int().min(1000).default(20_000),
  /**
   * A coupon answered while the kiosk was restarting prints when it is back only if answered this
   * recently (its customer may still be there); older ones stay valid on the card, unprinted.
   */
  couponPrintWindowMs: z.number().int().min(0).max(3_600_000).default(120_000),
  /**
   * Offline mode (docs/offline.md): points this kiosk may pay out per store-local day while the
   * gateway is unreachable (0: none), and the percent of offline redemptions sent back online
   * anyway. Operators set it through the kiosk's desired configuration, which arrives signed and
   * is kept on disk.
   */
  offline: z
    .strictObject({
      budgetPointsPerDay: z.number().int().min(0).max(1_000_000_000).default(0),
      onlineSelectionPercent: z.number().min(0).max(100).default(10),
      /** card tokens kept, the least recently used out first */
      tokenCacheSize: z.number().int().min(0).max(100_000).default(5000),
    })
    .prefault({}),
  /**
   * The kiosk's storage (docs/fleet.md "Storage"): the journal's size cap, so that a long outage
   * cannot fill the card the system runs from, and the free space below which the kiosk reports
   * its storage degraded (an alarm for operators, before the card is full).
   */
  storage: z
    .strictObject({
      journalMaxMiB: z.number().int().min(1).max(1_048_576).default(256),
      lowFreeMiB: z.number().int().min(0).max(1_048_576).default(200),
    })
    .prefault({}),
  /** staff mode ends by itself after this long without a tap or a button (docs/staff.md) */
  staffIdleMs: z.number().int().min(5000).max(3_600_000).default(60_000),
  /**
   * `service`: the customer journeys; `entrance`: a members' door that checks every card against
   * the club program `entranceProgram` (docs/kiosk-page.md "Club entrance").
   */
  mode: z.enum(['service', 'entrance']).default('service'),
  entranceProgram: Id.optional(),
  /** the store's language: every journey starts in it; the page has a button for the other */
  locale: z.enum(LANGUAGES).default('en'),
  /** the touchscreen page (docs/kiosk-page.md): served on the kiosk's loopback address for Chromium in kiosk mode */
  page: z
    .strictObject({
      enabled: z.boolean().default(true),
      host: z.string().min(1).max(253).default('127.0.0.1'),
      port: z.number().int().min(0).max(65_535).default(8090),
    })
    .prefault({}),
  display: z.strictObject({ columns: z.number().int().min(8).max(40).default(20), rows: z.number().int().min(1).max(4).default(4) }).prefault({}),
  printer: z.strictObject({ columns: z.union([z.literal(32), z.literal(42), z.literal(48)], { error: 'must be 32, 42 or 48 characters per line' }).default(42) }).prefault({}),
  /** which devices: `emulated` runs without any (demo, tests); `real` opens the ones below (docs/hardware.md) */
  hardware: HardwareConfig,
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** signed agent updates (docs/fleet.md "Agent updates"); without it the kiosk refuses update_agent */
  updates: z
    .strictObject({
      /** the release keys (base64url Ed25519) whose signatures this kiosk accepts; more than one while they rotate */
      releaseKeys: z.array(z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a 43-character base64url Ed25519 key')).min(1),
      /** how long a new version has to connect and report before it is rolled back */
      healthDeadlineSeconds: z.number().int().min(5).max(3600).default(120),
      /** how many times a new version may start before it is rolled back */
      maxStarts: z.number().int().min(1).max(10).default(3),
      downloadTimeoutSeconds: z.number().int().min(5).max(3600).default(600),
    })
    .optional(),
});
export type KioskConfig = z.infer<typeof KioskConfig>;

/** Checks what one field cannot: an entrance kiosk names the club it checks. */
function checkModes(config: KioskConfig): string | null {
  if (config.mode === 'entrance' && !config.entranceProgram) return 'entranceProgram: an entrance kiosk names the club or paid-membership program it checks';
  return null;
}
export type KioskConfigInput = z.input<typeof KioskConfig>;

export class KioskConfigError extends Error {
  override readonly name = 'KioskConfigError';
}

/** No kiosk id or gateway keys, and no pairing on disk: the kiosk must be paired first. */
export class KioskNotPairedError extends Error {
  override readonly name = 'KioskNotPairedError';
  constructor(readonly stateDir: string) {
    super(`this kiosk is not paired: ask an operator for a pairing code (POST /api/v1/enrollments) and start once with --pair CODE --gateway http://GATEWAY:8080 (state in ${stateDir})`);
  }
}

export function parseKioskConfig(raw: unknown, source = 'kiosk config'): KioskConfig {
  const result = KioskConfig.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new KioskConfigError(`${source} is invalid: ${issues}`);
  }
  const problem = checkModes(result.data);
  if (problem) throw new KioskConfigError(`${source} is invalid: ${problem}`);
  return result.data;
}

/**
 * Where the kiosk keeps its state, found before the config is validated (pairing, and boot.js
 * choosing a release): LOYALTY_KIOSK_STATE_DIR, else the config file's `stateDir`, else the default.
 * A broken file is left for loadKioskConfig to report with its reason.
 */
export function resolveStateDir(env: Record<string, string | undefined>, file: string | undefined): string {
  if (env.LOYALTY_KIOSK_STATE_DIR) return env.LOYALTY_KIOSK_STATE_DIR;
  if (file) {
    try {
      const configured = (JSON.parse(readFileSync(file, 'utf8')) as { stateDir?: unknown }).stateDir;
      if (typeof configured === 'string') return configured;
    } catch {
      // reported by loadKioskConfig
    }
  }
  return './var/kiosk';
}

/** Reads a JSON file, then applies LOYALTY_KIOSK_* overrides for the few things set per machine. */
export function loadKioskConfig(env: Record<string, string | undefined>, file: string | undefined): KioskConfig {
  let raw: Record<string, unknown> = {};
  if (file) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new KioskConfigError(`cannot read kiosk config ${file}: ${(error as Error).message}`);
    }
  }
  const mqtt = { ...((raw.mqtt as Record<string, unknown>) ?? {}) };
  if (env.LOYALTY_KIOSK_MQTT_HOST) mqtt.host = env.LOYALTY_KIOSK_MQTT_HOST;
  if (env.LOYALTY_KIOSK_MQTT_PORT) mqtt.port = Number(env.LOYALTY_KIOSK_MQTT_PORT);
  raw.mqtt = mqtt;
  if (env.LOYALTY_KIOSK_STATE_DIR) raw.stateDir = env.LOYALTY_KIOSK_STATE_DIR;
  if (env.LOYALTY_KIOSK_LOG_LEVEL) raw.logLevel = env.LOYALTY_KIOSK_LOG_LEVEL;
  return withEnrollment(raw, file ? `kiosk config ${file}` : 'kiosk config');
}

/**
 * What a pairing stored wins for the kiosk's identity (id, store, gateway keys, broker login);
 * the config file keeps everything else (devices, timings).
 */
export function withEnrollment(raw: Record<string, unknown>, source: string): KioskConfig {
  const stateDir = typeof raw.stateDir === 'string' ? raw.stateDir : './var/kiosk';
  const enrollment = readEnrollment(stateDir);
  const merged = enrollment ? { ...raw, ...enrollmentConfig(enrollment), mqtt: { ...((raw.mqtt as object) ?? {}), ...enrollmentConfig(enrollment).mqtt } } : raw;
  if (merged.kioskId === undefined || merged.gateway === undefined) throw new KioskNotPairedError(stateDir);
  return parseKioskConfig(merged, source);
}
