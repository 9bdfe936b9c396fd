/**
 * Desired kiosk configuration (docs/fleet.md "Configuration"), in the manner of a device shadow:
 * operators patch a store's fields and a kiosk's own fields (which win); each kiosk receives its
 * effective document, signed and retained on its `desired` topic, and reports in its telemetry
 * the version it applied and the fields it refused. A patch sets fields, or removes them with
 * null. Versions come from one counter, so a kiosk's effective version only grows.
 */
import type { Clock } from '../clock.js';
import type { SqlClient as Client, SqlTransaction as Transaction } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import { LedgerError } from '../ledger/errors.js';
import type { KioskRegistry, KioskView } from './kiosk-registry.js';

type Reader = Pick<Client, 'execute'> | Pick<Transaction, 'execute'>;
type Document = Record<string, unknown>;

export interface DesiredView {
  version: number;
  config: Document;
}

export interface ConfigStatus {
  desired: DesiredView | null;
  reported: { version: number; refused: Array<{ field: string; reason: string }> } | null;
  /** desired fields the kiosk has not applied yet (it runs an older version) or refused */
  difference: { pending: boolean; refused: string[] };
}

export class KioskConfigService {
  constructor(
    private readonly client: Client,
    private readonly writer: GroupCommitWriter,
    private readonly registry: KioskRegistry,
    private readonly clock: Clock,
    private readonly publish: (kioskId: string, desired: DesiredView) => Promise<void>,
  ) {}

  async patchKiosk(kioskId: string, patch: Document, actor: string): Promise<DesiredView> {
    const kiosk = this.registry.get(kioskId);
    if (!kiosk) throw new LedgerError('kiosk_not_found', `no kiosk ${kioskId}`);
    await this.writer.run((tx) => this.patch(tx, 'kiosk', kioskId, patch, actor));
    const desired = (await this.desiredFor(kioskId, kiosk.storeId))!;
    await this.publish(kioskId, desired);
    return desired;
  }

  async patchStore(storeId: string, patch: Document, actor: string): Promise<{ version: number; config: Document; kiosks: string[] }> {
    if (!(await this.client.execute({ sql: 'SELECT 1 FROM stores WHERE id = ?', args: [storeId] })).rows.length) throw new LedgerError('store_not_found', `no store ${storeId}`);
    const stored = await this.writer.run((tx) => this.patch(tx, 'store', storeId, patch, actor));
    const kiosks = this.registry.active().filter((k) => k.storeId === storeId);
    for (const kiosk of kiosks) await this.publish(kiosk.id, (await this.desiredFor(kiosk.id, storeId))!);
    return { ...stored, kiosks: kiosks.map((k) => k.id) };
  }

  /** The kiosk's effective document: its store's fields, then its own. */
  async desiredFor(kioskId: string, storeId: string, db: Reader = this.client): Promise<DesiredView | null> {
    const rows = (await db.execute({ sql: "SELECT scope, version, document FROM kiosk_config WHERE (scope = 'store' AND id = ?) OR (scope = 'kiosk' AND id = ?)", args: [storeId, kioskId] })).rows;
    if (!rows.length) return null;
    const of = (scope: string) => rows.find((r) => r.scope === scope);
    const store = of('store');
    const own = of('kiosk');
    return {
      version: Math.max(...rows.map((r) => Number(r.version))),
      config: { ...(store ? (JSON.parse(String(store.document)) as Document) : {}), ...(own ? (JSON.parse(String(own.document)) as Document) : {}) },
    };
  }

  /** Desired, reported, and what differs: for GET /kiosks/{id}. */
  async status(kiosk: KioskView): Promise<ConfigStatus> {
    const desired = await this.desiredFor(kiosk.id, kiosk.storeId);
    const reported = kiosk.telemetry?.config ?? null;
    const pending = desired !== null && (reported?.version ?? 0) < desired.version;
    return { desired, reported, difference: { pending, refused: reported && desired && !pending ? reported.refused.map((r) => r.field) : [] } };
  }

  /** Sends every active kiosk its document again (retained messages die with an embedded broker). */
  async republishAll(): Promise<void> {
    for (const kiosk of this.registry.active()) {
      const desired = await this.desiredFor(kiosk.id, kiosk.storeId);
      if (desired) await this.publish(kiosk.id, desired);
    }
  }

  private async patch(tx: Transaction, scope: 'store' | 'kiosk', id: string, patch: Document, actor: string): Promise<{ version: number; config: Document }> {
    const at = this.clock.now().toISOString();
    const row = (await tx.execute({ sql: 'SELECT document FROM kiosk_config WHERE scope = ? AND id = ?', args: [scope, id] })).rows[0];
    const document: Document = row ? (JSON.parse(String(row.document)) as Document) : {};
    for (const [field, value] of Object.entries(patch)) {
      if (value === null) delete document[field];
      else document[field] = value;
    }
    const version = Number((await tx.execute({ sql: 'INSERT INTO kiosk_config_versions (at) VALUES (?)', args: [at] })).lastInsertRowid);
    await tx.execute({
      sql: `INSERT INTO kiosk_config (scope, id, version, document, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (scope, id) DO UPDATE SET version = excluded.version, document = excluded.document, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      args: [scope, id, version, JSON.stringify(document), at, actor],
    });
    return { version, config: document };
  }
}
