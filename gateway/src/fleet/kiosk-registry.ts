/**
 * The kiosks the gateway knows: their store, public key and status. Message verification asks
 * it for a sender's keys on every message, so it keeps an in-memory copy of the table; every
 * change goes to the ledger database first, then to the copy.
 */
import type { KeyObject } from 'node:crypto';
import type { SqlClient as Client } from '../db/sql.js';
import { exportPublicKey, importPublicKey, isValidId, keyFingerprint, type Telemetry } from '@loyalty/protocol';
import type { GroupCommitWriter } from '../db/writer.js';
import type { Clock } from '../ledger/ledger.js';

export interface KioskRecord {
  id: string;
  storeId: string;
  publicKey: KeyObject;
  status: 'active' | 'revoked';
}

export interface KioskView {
  id: string;
  storeId: string;
  status: 'active' | 'revoked';
  online: boolean;
  lastSeen: string | null;
  keyFingerprint: string;
  telemetry: Telemetry | null;
}

export class KioskRegistry {
  private readonly kiosks = new Map<string, KioskRecord>();

  constructor(
    private readonly client: Client,
    private readonly writer: GroupCommitWriter,
    private readonly clock: Clock,
  ) {}

  async load(): Promise<void> {
    const rows = (await this.client.execute('SELECT id, store_id, public_key, status FROM kiosks')).rows;
    this.kiosks.clear();
    for (const row of rows) {
      this.kiosks.set(String(row.id), {
        id: String(row.id),
        storeId: String(row.store_id),
        publicKey: importPublicKey(String(row.public_key)),
        status: String(row.status) as KioskRecord['status'],
      });
    }
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
    return kiosk && kiosk.status === 'active' ? [kiosk.publicKey] : [];
  };

  /**
   * Records a kiosk's public key for a store. The pairing-code enrollment of the security issue
   * calls this after the kiosk proved possession of the key; the demo calls it directly.
   */
  async register(id: string, storeId: string, publicKeyX: string): Promise<KioskRecord> {
    if (!isValidId(id)) throw new Error(`kiosk id ${JSON.stringify(id)} is not valid`);
    const publicKey = importPublicKey(publicKeyX);
    await this.writer.run(async (tx) => {
      await tx.execute({
        sql: `INSERT INTO kiosks (id, store_id, public_key, status, created_at) VALUES (?, ?, ?, 'active', ?)
              ON CONFLICT (id) DO UPDATE SET store_id = excluded.store_id, public_key = excluded.public_key, status = 'active'`,
        args: [id, storeId, exportPublicKey(publicKey), this.clock.now().toISOString()],
      });
    });
    const record: KioskRecord = { id, storeId, publicKey, status: 'active' };
    this.kiosks.set(id, record);
    return record;
  }

  async recordState(id: string, online: boolean): Promise<void> {
    await this.writer.run((tx) =>
      tx.execute({ sql: 'UPDATE kiosks SET online = ?, last_seen = ? WHERE id = ?', args: [online ? 1 : 0, this.clock.now().toISOString(), id] }),
    );
  }

  async recordTelemetry(id: string, telemetry: Telemetry): Promise<void> {
    await this.writer.run((tx) =>
      tx.execute({
        sql: 'UPDATE kiosks SET telemetry = ?, last_seen = ?, online = 1 WHERE id = ?',
        args: [JSON.stringify(telemetry), this.clock.now().toISOString(), id],
      }),
    );
  }

  async list(filter: { storeId?: string } = {}): Promise<KioskView[]> {
    const rows = (
      await this.client.execute({
        sql: `SELECT id, store_id, status, online, last_seen, telemetry FROM kiosks WHERE (?1 IS NULL OR store_id = ?1) ORDER BY id`,
        args: [filter.storeId ?? null],
      })
    ).rows;
    return rows.map((row) => ({
      id: String(row.id),
      storeId: String(row.store_id),
      status: String(row.status) as KioskView['status'],
      online: Number(row.online) === 1,
      lastSeen: row.last_seen === null ? null : String(row.last_seen),
      keyFingerprint: keyFingerprint(this.kiosks.get(String(row.id))!.publicKey),
      telemetry: row.telemetry === null ? null : (JSON.parse(String(row.telemetry)) as Telemetry),
    }));
  }
}
