/**
 * Health alarms (docs/fleet.md "Alarms"), raised and cleared from what kiosks report — their
 * state and telemetry — and from time passing (a kiosk that stopped reporting). One alarm per
 * kiosk and type is active at a time; each raise and each clear is one webhook call, so an
 * operator's pager hears of every transition once.
 */
import type { Logger } from '@loyalty/protocol/node';
import type { Clock } from '../clock.js';
import type { SqlClient as Client } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import type { Telemetry } from '@loyalty/protocol';
import type { HealthSummary, KioskRegistry, KioskView } from './kiosk-registry.js';

/** What alarms are decided from. */
type HealthView = Pick<KioskView, 'id' | 'storeId' | 'online' | 'lastSeen' | 'telemetry'>;
type Bundle = { version: number; at: string };
/** The alarms that change with time passing, not only with reports (the sweep's). */
const TIME_BASED: ReadonlySet<AlarmType> = new Set(['offline', 'rules_behind']);

export const ALARM_TYPES = ['offline', 'printer_paper_out', 'printer_unreachable', 'reader_missing', 'outbox_backlog', 'rules_behind', 'storage_low', 'journal_unwritable'] as const;
export type AlarmType = (typeof ALARM_TYPES)[number];

export interface AlarmView {
  id: number;
  kioskId: string;
  storeId: string;
  type: AlarmType;
  detail: string;
  raisedAt: string;
  clearedAt: string | null;
}

export interface AlarmOptions {
  offlineAfterMs: number;
  outboxBacklog: number;
  /** a kiosk gets this long to take a new rules bundle before it counts as behind */
  rulesGraceMs: number;
  webhook?: { url: string; authHeader?: string; timeoutMs?: number };
  log: Logger;
}

export class AlarmService {
  /** active alarms by type, for the Prometheus gauge */
  readonly activeByType = new Map<AlarmType, number>();

  constructor(
    private readonly client: Client,
    private readonly writer: GroupCommitWriter,
    private readonly registry: KioskRegistry,
    private readonly clock: Clock,
    private readonly options: AlarmOptions,
  ) {}

  /**
   * What is known to be active, per kiosk, and each store's newest rules bundle: kept in memory
   * so that a heartbeat costs no reads, and read again from the ledger at every sweep (so a
   * transition another gateway replica recorded is seen within one sweep).
   */
  private active = new Map<string, Set<AlarmType>>();
  private bundles = new Map<string, { version: number; at: string }>();
  private loaded = false;

  /**
   * One kiosk, from scratch (on its state reports); without an id, the periodic sweep of every
   * active kiosk for what time alone changes — silence (`offline`) and a rules bundle's grace
   * running out (`rules_behind`) — keeping what reports decided: three reads, writes only for
   * transitions.
   */
  async evaluate(kioskId?: string): Promise<void> {
    if (kioskId === undefined || !this.loaded) await this.reload();
    let changed = false;
    if (kioskId !== undefined) {
      for (const kiosk of (await this.registry.list({ id: kioskId })).filter((k) => k.status === 'active')) {
        changed = (await this.apply(kiosk, this.conditions(kiosk, this.bundles.get(kiosk.storeId)))) || changed;
      }
    } else {
      for (const kiosk of await this.registry.healthSummaries()) {
        const wrong = this.timeConditions(kiosk, this.bundles.get(kiosk.storeId));
        for (const type of this.active.get(kiosk.id) ?? []) if (!TIME_BASED.has(type)) wrong.set(type, 'unchanged');
        changed = (await this.apply(kiosk, wrong)) || changed;
      }
    }
    if (changed || kioskId === undefined) await this.countActive();
  }

  /** One kiosk's heartbeat, with the telemetry it just sent: no reads unless an alarm changes. */
  async onTelemetry(kiosk: { id: string; storeId: string }, telemetry: Telemetry): Promise<void> {
    if (!this.loaded) await this.reload();
    const view = { id: kiosk.id, storeId: kiosk.storeId, online: true, lastSeen: this.clock.now().toISOString(), telemetry };
    if (await this.apply(view, this.conditions(view, this.bundles.get(kiosk.storeId)))) await this.countActive();
  }

  /** A store's new rules bundle, as it is published (its kiosks get the grace from now). */
  noteBundle(storeId: string, version: number, at: string): void {
    const known = this.bundles.get(storeId);
    if (!known || version > known.version) this.bundles.set(storeId, { version, at });
  }

  private async reload(): Promise<void> {
    const [alarms, bundles] = await Promise.all([
      this.client.execute('SELECT kiosk_id, type FROM alarms WHERE cleared_at IS NULL'),
      this.client.execute('SELECT store_id, MAX(version) AS version, MAX(created_at) AS at FROM rule_bundles GROUP BY store_id'),
    ]);
    this.active = new Map();
    for (const row of alarms.rows) {
      const id = String(row.kiosk_id);
      this.active.set(id, (this.active.get(id) ?? new Set()).add(String(row.type) as AlarmType));
    }
    this.bundles = new Map(bundles.rows.map((row) => [String(row.store_id), { version: Number(row.version), at: String(row.at) }]));
    this.loaded = true;
  }

  async list(filter: { storeId?: string; kioskId?: string; active?: boolean } = {}): Promise<AlarmView[]> {
    const rows = (
      await this.client.execute({
        sql: `SELECT a.*, k.store_id FROM alarms a JOIN kiosks k ON k.id = a.kiosk_id
               WHERE (?1 IS NULL OR k.store_id = ?1) AND (?2 IS NULL OR a.kiosk_id = ?2)
                 AND (?3 IS NULL OR (?3 = 1 AND a.cleared_at IS NULL) OR (?3 = 0 AND a.cleared_at IS NOT NULL))
               ORDER BY a.id DESC LIMIT 500`,
        args: [filter.storeId ?? null, filter.kioskId ?? null, filter.active === undefined ? null : filter.active ? 1 : 0],
      })
    ).rows;
    return rows.map((r) => ({
      id: Number(r.id),
      kioskId: String(r.kiosk_id),
      storeId: String(r.store_id),
      type: String(r.type) as AlarmType,
      detail: String(r.detail),
      raisedAt: String(r.raised_at),
      clearedAt: r.cleared_at === null ? null : String(r.cleared_at),
    }));
  }

  /** Kiosk ids with at least one active alarm. */
  async kiosksInAlarm(): Promise<Set<string>> {
    return new Set((await this.client.execute('SELECT DISTINCT kiosk_id FROM alarms WHERE cleared_at IS NULL')).rows.map((r) => String(r.kiosk_id)));
  }

  /** What is wrong with a kiosk now, by alarm type, with a detail an operator can act on. */
  private conditions(kiosk: HealthView, bundle: Bundle | undefined): Map<AlarmType, string> {
    // What a kiosk reported while it was online; an offline kiosk's last report is not news.
    const tele = kiosk.online ? kiosk.telemetry : null;
    const wrong = this.timeConditions({ ...kiosk, rulesVersion: tele?.versions.rules ?? null, outboxDepth: tele?.outboxDepth ?? null }, bundle);
    if (!tele) return wrong;
    const printer = tele.health.printer;
    if (printer && printer.state !== 'ok') {
      if (printer.detail?.includes('paper out')) wrong.set('printer_paper_out', printer.detail);
      else if (printer.state === 'down') wrong.set('printer_unreachable', printer.detail ?? 'the printer does not answer');
    }
    const reader = tele.health.reader;
    if (reader && (reader.state === 'down' || reader.state === 'absent')) wrong.set('reader_missing', reader.detail ?? `reader ${reader.state}`);
    // The kiosk's storage (docs/fleet.md "Storage"): low space warns ahead; a journal that cannot be written stops its customers.
    const storage = tele.health.storage;
    if (storage?.state === 'down') wrong.set('journal_unwritable', storage.detail ?? 'the journal cannot be written');
    else if (storage?.state === 'degraded') wrong.set('storage_low', storage.detail ?? 'little free space');
    if (tele.outboxDepth >= this.options.outboxBacklog) wrong.set('outbox_backlog', `${tele.outboxDepth} operations wait in the kiosk's outbox`);
    return wrong;
  }

  /** The alarms that time alone can raise: silence, and a store's bundle the kiosk has not taken in its grace. */
  private timeConditions(kiosk: HealthSummary, bundle: Bundle | undefined): Map<AlarmType, string> {
    const now = this.clock.now().getTime();
    const wrong = new Map<AlarmType, string>();
    const lastSeen = kiosk.lastSeen === null ? null : Date.parse(kiosk.lastSeen);
    if (!kiosk.online && lastSeen !== null && now - lastSeen >= this.options.offlineAfterMs) wrong.set('offline', `not heard from since ${kiosk.lastSeen}`);
    if (kiosk.online && bundle && (kiosk.rulesVersion ?? 0) < bundle.version && now - Date.parse(bundle.at) >= this.options.rulesGraceMs) {
      wrong.set('rules_behind', `runs rules bundle ${kiosk.rulesVersion ?? 'none'}, the store's is ${bundle.version}`);
    }
    return wrong;
  }

  /** Records the kiosk's transitions; true when there were any. */
  private async apply(kiosk: Pick<HealthView, 'id' | 'storeId'>, wrong: Map<AlarmType, string>): Promise<boolean> {
    // Most reports change nothing: the known active alarms decide whether a write is needed at all.
    const before = this.active.get(kiosk.id) ?? new Set<AlarmType>();
    if (before.size === wrong.size && [...wrong.keys()].every((type) => before.has(type))) return false;
    const at = this.clock.now().toISOString();
    const transitions = await this.writer.run(async (tx) => {
      const active = new Map(
        (await tx.execute({ sql: 'SELECT id, type, detail, raised_at FROM alarms WHERE kiosk_id = ? AND cleared_at IS NULL', args: [kiosk.id] })).rows.map((r) => [
          String(r.type) as AlarmType,
          { id: Number(r.id), detail: String(r.detail), raisedAt: String(r.raised_at) },
        ]),
      );
      const changed: Array<{ event: 'raised' | 'cleared'; alarm: AlarmView }> = [];
      for (const [type, detail] of wrong) {
        if (active.has(type)) continue;
        const inserted = await tx.execute({ sql: 'INSERT INTO alarms (kiosk_id, type, detail, raised_at) VALUES (?, ?, ?, ?)', args: [kiosk.id, type, detail, at] });
        changed.push({ event: 'raised', alarm: { id: Number(inserted.lastInsertRowid), kioskId: kiosk.id, storeId: kiosk.storeId, type, detail, raisedAt: at, clearedAt: null } });
      }
      for (const [type, alarm] of active) {
        if (wrong.has(type)) continue;
        await tx.execute({ sql: 'UPDATE alarms SET cleared_at = ? WHERE id = ?', args: [at, alarm.id] });
        changed.push({ event: 'cleared', alarm: { id: alarm.id, kioskId: kiosk.id, storeId: kiosk.storeId, type, detail: alarm.detail, raisedAt: alarm.raisedAt, clearedAt: at } });
      }
      return changed;
    });
    // The transaction read what was active and made it match `wrong`.
    if (wrong.size) this.active.set(kiosk.id, new Set(wrong.keys()));
    else this.active.delete(kiosk.id);
    for (const transition of transitions) {
      this.options.log.warn({ kiosk: kiosk.id, alarm: transition.alarm.type, event: transition.event }, `alarm ${transition.event}`);
      await this.notify(transition);
    }
    return transitions.length > 0;
  }

  private async notify(transition: { event: 'raised' | 'cleared'; alarm: AlarmView }): Promise<void> {
    const webhook = this.options.webhook;
    if (!webhook) return;
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(webhook.authHeader ? { authorization: webhook.authHeader } : {}) },
        body: JSON.stringify(transition),
        signal: AbortSignal.timeout(webhook.timeoutMs ?? 5000),
      });
      if (!response.ok) this.options.log.warn({ status: response.status, alarm: transition.alarm.type }, 'the alarm webhook refused the call');
    } catch (error) {
      this.options.log.warn({ err: (error as Error).message, alarm: transition.alarm.type }, 'the alarm webhook could not be reached');
    }
  }

  private async countActive(): Promise<void> {
    const rows = (await this.client.execute('SELECT type, count(*) AS n FROM alarms WHERE cleared_at IS NULL GROUP BY type')).rows;
    this.activeByType.clear();
    for (const type of ALARM_TYPES) this.activeByType.set(type, 0);
    for (const r of rows) this.activeByType.set(String(r.type) as AlarmType, Number(r.n));
  }
}
