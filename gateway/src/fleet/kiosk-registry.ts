/**
 * The kiosks the gateway knows: their store, public key and status. Message verification asks
 * it for a sender's keys on every message, so it keeps an in-memory copy of the table; every
 * change goes to the ledger database first, then to the copy.
 */
import { createHash, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { LedgerError } from '../ledger/errors.js';
import type { SqlClient as Client } from '../db/sql.js';
import { exportPublicKey, importPublicKey, isValidId, keyFingerprint, type Telemetry } from '@loyalty/protocol';
import type { GroupCommitWriter } from '../db/writer.js';
import type { Clock } from '../clock.js';

export interface KioskRecord {
  id: string;
  storeId: string;
  publicKey: KeyObject;
  status: 'active' | 'revoked';
  /** SHA-256 of the broker password the gateway issued at enrollment */
  brokerSecretHash: string | null;
  /** after a key rotation, the old key stays valid until this time (messages in flight) */
  previousKey?: { key: KeyObject; validUntil: number };
}

export interface KioskView {
  id: string;
  storeId: string;
  status: 'active' | 'revoked';
  revokedReason: string | null;
  online: boolean;
  lastSeen: string | null;
  keyFingerprint: string;
  telemetry: Telemetry | null;
}

interface Unwritten {
  lastSeen: string;
  online?: boolean;
  telemetry?: string;
  rulesVersion?: number | null;
  outboxDepth?: number;
}

/** What the alarm sweep needs of an active kiosk: no telemetry document to parse. */
export interface HealthSummary {
  id: string;
  storeId: string;
  online: boolean;
  lastSeen: string | null;
  rulesVersion: number | null;
  /** operations waiting in its outbox, as last reported; null before its first heartbeat */
  outboxDepth: number | null;
}

/** Kiosk accounts on an external broker that keeps its own (Mosquitto's dynamic security). */
export interface BrokerAccounts {
  create(kioskId: string, storeId: string, password: string): Promise<void>;
  remove(kioskId: string): Promise<void>;
}

export class KioskRegistry {
  private readonly kiosks = new Map<string, KioskRecord>();
  private accounts: BrokerAccounts | null = null;
  /**
   * Reports not yet written: each kiosk's newest heartbeat and online state, shown by list() at
   * once and written to the ledger together every `telemetryFlushMs`. They are soft state — the
   * next report replaces them, and a kiosk's state is retained on the broker, so a restart hears
   * it again — so one commit a second serves a fleet that would otherwise make the ledger commit
   * for every kiosk's every heartbeat, and 10,000 times when they all come back at once
   * (docs/benchmarks.md "fleet").
   */
  private readonly unwritten = new Map<string, Unwritten>();
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: Client,
    private readonly writer: GroupCommitWriter,
    private readonly clock: Clock,
    private readonly options: { telemetryFlushMs?: number; onFlushError?: (error: Error) => void } = {},
  ) {}

  async load(): Promise<void> {
    const rows = (await this.client.execute('SELECT id, store_id, public_key, status, broker_secret_hash FROM kiosks')).rows;
    this.kiosks.clear();
    for (const row of rows) {
      this.kiosks.set(String(row.id), {
        id: String(row.id),
        storeId: String(row.store_id),
        publicKey: importPublicKey(String(row.public_key)),
        status: String(row.status) as KioskRecord['status'],
        brokerSecretHash: row.broker_secret_hash === null ? null : String(row.broker_secret_hash),
      });
    }
  }

  /** The kiosk a broker login names, if the password is the one issued to it. */
  checkBrokerLogin(kioskId: string, password: string): 'ok' | 'bad_credentials' | 'revoked' {
    const kiosk = this.kiosks.get(kioskId);
    if (!kiosk?.brokerSecretHash) return 'bad_credentials';
    const expected = Buffer.from(kiosk.brokerSecretHash, 'hex');
    const actual = createHash('sha256').update(password).digest();
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return 'bad_credentials';
    return kiosk.status === 'active' ? 'ok' : 'revoked';
  }

  /** An external broker's accounts follow pairing and revocation from now on. */
  useBrokerAccounts(accounts: BrokerAccounts): void {
    this.accounts = accounts;
  }

  /** Cuts a kiosk off: its broker login and its messages are refused from now on. */
  async revoke(id: string, reason: string): Promise<KioskRecord> {
    const kiosk = this.kiosks.get(id);
    if (!kiosk) throw new LedgerError('invalid_request', `no kiosk ${id}`);
    await this.writer.run((tx) =>
      tx.execute({ sql: `UPDATE kiosks SET status = 'revoked', revoked_at = ?, revoked_reason = ?, online = 0 WHERE id = ?`, args: [this.clock.now().toISOString(), reason, id] }),
    );
    kiosk.status = 'revoked';
    this.unwritten.delete(id);
    // The ledger's refusal stands whatever the broker says; its account going too cuts the session.
    await this.accounts?.remove(id);
    return kiosk;
  }

  /**
   * Picks up changes other gateway replicas made (registrations, revocations, key rotations).
   * A key changed elsewhere keeps the old key valid for `overlapMs`, as a local rotation does.
   */
  async refresh(overlapMs: number): Promise<number> {
    const rows = (await this.client.execute('SELECT id, store_id, public_key, status, broker_secret_hash FROM kiosks')).rows;
    let changed = 0;
    for (const row of rows) {
      const id = String(row.id);
      const status = String(row.status) as KioskRecord['status'];
      const brokerSecretHash = row.broker_secret_hash === null ? null : String(row.broker_secret_hash);
      const known = this.kiosks.get(id);
      if (!known) {
        this.kiosks.set(id, { id, storeId: String(row.store_id), publicKey: importPublicKey(String(row.public_key)), status, brokerSecretHash });
        changed += 1;
        continue;
      }
      if (this.keyText(known.publicKey).exported !== String(row.public_key)) {
        known.previousKey = { key: known.publicKey, validUntil: this.clock.now().getTime() + overlapMs };
        known.publicKey = importPublicKey(String(row.public_key));
        changed += 1;
      }
      if (known.status !== status || known.brokerSecretHash !== brokerSecretHash || known.storeId !== String(row.store_id)) {
        Object.assign(known, { status, brokerSecretHash, storeId: String(row.store_id) });
        changed += 1;
      }
    }
    return changed;
  }

  get(id: string): KioskRecord | undefined {
    return this.kiosks.get(id);
  }

  active(): KioskRecord[] {
    return [...this.kiosks.values()].filter((k) => k.status === 'active');
  }

  /** Keys for envelope verification: none for unknown or revoked kiosks. */
  keysOf = (id: string): readonly KeyObject[] => {
    const kiosk = this.kiosks.get(id);
    if (kiosk?.status !== 'active') return [];
    const previous = kiosk.previousKey && kiosk.previousKey.validUntil > this.clock.now().getTime() ? [kiosk.previousKey.key] : [];
    return [kiosk.publicKey, ...previous];
  };

  /**
   * Replaces a kiosk's key (the request was signed with the current key; the caller checked
   * the new key's proof). The old key keeps working for `overlapMs`, for messages in flight.
   */
  async rotateKey(id: string, newPublicKeyX: string, overlapMs: number): Promise<{ fingerprint: string; previousValidUntil: string }> {
    const kiosk = this.kiosks.get(id);
    if (!kiosk) throw new LedgerError('invalid_request', `no kiosk ${id}`);
    const newKey = importPublicKey(newPublicKeyX);
    if (keyFingerprint(newKey) === keyFingerprint(kiosk.publicKey)) return { fingerprint: keyFingerprint(newKey), previousValidUntil: new Date(kiosk.previousKey?.validUntil ?? 0).toISOString() };
    await this.writer.run((tx) => tx.execute({ sql: 'UPDATE kiosks SET public_key = ? WHERE id = ?', args: [exportPublicKey(newKey), id] }));
    const validUntil = this.clock.now().getTime() + overlapMs;
    kiosk.previousKey = { key: kiosk.publicKey, validUntil };
    kiosk.publicKey = newKey;
    return { fingerprint: keyFingerprint(newKey), previousValidUntil: new Date(validUntil).toISOString() };
  }

  /**
   * Records a kiosk's public key for a store. The pairing-code enrollment of the security issue
   * calls this after the kiosk proved possession of the key; the demo calls it directly.
   */
  async register(id: string, storeId: string, publicKeyX: string): Promise<{ kiosk: KioskRecord; brokerPassword: string }> {
    if (!isValidId(id)) throw new Error(`kiosk id ${JSON.stringify(id)} is not valid`);
    const publicKey = importPublicKey(publicKeyX);
    // 256 random bits: a plain hash is enough to store it (no slow KDF needed).
    const brokerPassword = randomBytes(32).toString('base64url');
    const brokerSecretHash = createHash('sha256').update(brokerPassword).digest('hex');
    await this.writer.run(async (tx) => {
      await tx.execute({
        sql: `INSERT INTO kiosks (id, store_id, public_key, status, created_at, broker_secret_hash) VALUES (?, ?, ?, 'active', ?, ?)
              ON CONFLICT (id) DO UPDATE SET store_id = excluded.store_id, public_key = excluded.public_key, status = 'active',
                                             broker_secret_hash = excluded.broker_secret_hash, revoked_at = NULL, revoked_reason = NULL`,
        args: [id, storeId, exportPublicKey(publicKey), this.clock.now().toISOString(), brokerSecretHash],
      });
    });
    const record: KioskRecord = { id, storeId, publicKey, status: 'active', brokerSecretHash };
    this.kiosks.set(id, record);
    await this.accounts?.create(id, storeId, brokerPassword);
    return { kiosk: record, brokerPassword };
  }

  /** Keeps a kiosk's online state (it shows at once; written with the heartbeats). */
  recordState(id: string, online: boolean): void {
    this.keep(id, { online });
  }

  /** Keeps a kiosk's newest heartbeat; it is written with the others within telemetryFlushMs. */
  recordTelemetry(id: string, telemetry: Telemetry): void {
    // A heartbeat is also word that the kiosk is online; a later `offline` state replaces it.
    this.keep(id, { telemetry: JSON.stringify(telemetry), rulesVersion: telemetry.versions.rules, outboxDepth: telemetry.outboxDepth, online: true });
  }

  private keep(id: string, report: Omit<Unwritten, 'lastSeen'>): void {
    this.unwritten.set(id, { ...this.unwritten.get(id), ...report, lastSeen: this.clock.now().toISOString() });
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => void this.flush(), this.options.telemetryFlushMs ?? 1000);
      this.flushTimer.unref();
    }
  }

  /** Writes the heartbeats kept so far in one transaction (and at stop). */
  flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.flushing = this.flushing.then(async () => {
      if (this.unwritten.size === 0) return;
      const batch = [...this.unwritten];
      try {
        await this.writer.run(async (tx) => {
          // last_seen never goes back: a state change may have been written since this heartbeat.
          for (const [id, report] of batch) {
            await tx.execute({
              sql: `UPDATE kiosks SET telemetry = COALESCE(?1, telemetry), last_seen = MAX(COALESCE(last_seen, ?2), ?2), online = COALESCE(?3, online) WHERE id = ?4 AND status = 'active'`,
              args: [report.telemetry ?? null, report.lastSeen, report.online === undefined ? null : report.online ? 1 : 0, id],
            });
          }
        });
        // What arrived during the write stays for the next one.
        for (const [id, report] of batch) if (this.unwritten.get(id) === report) this.unwritten.delete(id);
      } catch (error) {
        this.options.onFlushError?.(error as Error);
        if (!this.flushTimer && this.unwritten.size) {
          this.flushTimer = setTimeout(() => void this.flush(), this.options.telemetryFlushMs ?? 1000);
          this.flushTimer.unref();
        }
      }
    });
    return this.flushing;
  }

  /** Each key's exported form and fingerprint, computed once: the refresh and the fleet list use them for thousands of kiosks. */
  private readonly keyTexts = new WeakMap<KeyObject, { exported: string; fingerprint: string }>();
  private keyText(publicKey: KeyObject): { exported: string; fingerprint: string } {
    let text = this.keyTexts.get(publicKey);
    if (!text) {
      text = { exported: exportPublicKey(publicKey), fingerprint: keyFingerprint(publicKey) };
      this.keyTexts.set(publicKey, text);
    }
    return text;
  }

  /** Every active kiosk's state, last contact and rules version (the alarm sweep, every few seconds). */
  async healthSummaries(): Promise<HealthSummary[]> {
    const rows = (
      await this.client.execute(
        `SELECT id, store_id, online, last_seen, json_extract(telemetry, '$.versions.rules') AS rules, json_extract(telemetry, '$.outboxDepth') AS outbox FROM kiosks WHERE status = 'active'`,
      )
    ).rows;
    return rows.map((row) => {
      const id = String(row.id);
      const unwritten = this.unwritten.get(id);
      const lastSeen = row.last_seen === null ? null : String(row.last_seen);
      const newer = unwritten && (lastSeen === null || unwritten.lastSeen > lastSeen);
      return {
        id,
        storeId: String(row.store_id),
        online: unwritten?.online ?? Number(row.online) === 1,
        lastSeen: newer ? unwritten.lastSeen : lastSeen,
        rulesVersion: unwritten?.rulesVersion !== undefined ? unwritten.rulesVersion : row.rules === null ? null : Number(row.rules),
        outboxDepth: unwritten?.outboxDepth !== undefined ? unwritten.outboxDepth : row.outbox === null ? null : Number(row.outbox),
      };
    });
  }

  async list(filter: { storeId?: string; id?: string } = {}): Promise<KioskView[]> {
    const rows = (
      await this.client.execute({
        sql: `SELECT id, store_id, status, revoked_reason, online, last_seen, telemetry FROM kiosks WHERE (?1 IS NULL OR store_id = ?1) AND (?2 IS NULL OR id = ?2) ORDER BY id`,
        args: [filter.storeId ?? null, filter.id ?? null],
      })
    ).rows;
    return rows.map((row) => {
      const lastSeen = row.last_seen === null ? null : String(row.last_seen);
      const unwritten = this.unwritten.get(String(row.id));
      const telemetry = unwritten?.telemetry ?? (row.telemetry === null ? null : String(row.telemetry));
      return {
        id: String(row.id),
        storeId: String(row.store_id),
        status: String(row.status) as KioskView['status'],
        revokedReason: row.revoked_reason === null ? null : String(row.revoked_reason),
        online: unwritten?.online ?? Number(row.online) === 1,
        lastSeen: unwritten && (lastSeen === null || unwritten.lastSeen > lastSeen) ? unwritten.lastSeen : lastSeen,
        keyFingerprint: this.keyText(this.kiosks.get(String(row.id))!.publicKey).fingerprint,
        telemetry: telemetry === null ? null : (JSON.parse(telemetry) as Telemetry),
      };
    });
  }
}
