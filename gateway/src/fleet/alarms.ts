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
import type { KioskRegistry, KioskView } from './kiosk-registry.js';

export const ALARM_TYPES = ['offline', 'printer_paper_out', 'printer_unreachable', 'reader_missing', 'outbox_backlog', 'rules_behind'] as const;
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
   * Evaluates every active kiosk, or one (on each of its reports: a few indexed reads, and a
   * write only when an alarm is raised or cleared).
   */
  async evaluate(kioskId?: string): Promise<void> {
    const kiosks = (await this.registry.list(kioskId === undefined ? {} : { id: kioskId })).filter((k) => k.status === 'active');
    const bundles = new Map<string, { version: number; at: string } | undefined>();
    let changed = false;
    for (const kiosk of kiosks) {
      if (!bundles.has(kiosk.storeId)) {
        const row = (await this.client.execute({ sql: 'SELECT MAX(version) AS version, MAX(created_at) AS at FROM rule_bundles WHERE store_id = ?', args: [kiosk.storeId] })).rows[0];
        bundles.set(kiosk.storeId, row && row.version !== null ? { version: Number(row.version), at: String(row.at) } : undefined);
      }
      changed = (await this.apply(kiosk, this.conditions(kiosk, bundles.get(kiosk.storeId)))) || changed;
    }
    if (changed || kioskId === undefined) await this.countActive();
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
  private conditions(kiosk: KioskView, bundle: { version: number; at: string } | undefined): Map<AlarmType, string> {
    const now = this.clock.now().getTime();
    const wrong = new Map<AlarmType, string>();
    const lastSeen = kiosk.lastSeen === null ? null : Date.parse(kiosk.lastSeen);
    if (!kiosk.online && lastSeen !== null && now - lastSeen >= this.options.offlineAfterMs) wrong.set('offline', `not heard from since ${kiosk.lastSeen}`);
    // What a kiosk reported while it was online; an offline kiosk's last report is not news.
    const tele = kiosk.online ? kiosk.telemetry : null;
    if (!tele) return wrong;
    const printer = tele.health.printer;
    if (printer && printer.state !== 'ok') {
      if (printer.detail?.includes('paper out')) wrong.set('printer_paper_out', printer.detail);
      else if (printer.state === 'down') wrong.set('printer_unreachable', printer.detail ?? 'the printer does not answer');
    }
    const reader = tele.health.reader;
    if (reader && (reader.state === 'down' || reader.state === 'absent')) wrong.set('reader_missing', reader.detail ?? `reader ${reader.state}`);
    if (tele.outboxDepth >= this.options.outboxBacklog) wrong.set('outbox_backlog', `${tele.outboxDepth} operations wait in the kiosk's outbox`);
    if (bundle && (tele.versions.rules ?? 0) < bundle.version && now - Date.parse(bundle.at) >= this.options.rulesGraceMs) {
      wrong.set('rules_behind', `runs rules bundle ${tele.versions.rules ?? 'none'}, the store's is ${bundle.version}`);
    }
    return wrong;
  }

  /** Records the kiosk's transitions; true when there were any. */
  private async apply(kiosk: KioskView, wrong: Map<AlarmType, string>): Promise<boolean> {
    // Most reports change nothing: a read decides whether a write transaction is needed at all.
    const before = new Set((await this.client.execute({ sql: 'SELECT type FROM alarms WHERE kiosk_id = ? AND cleared_at IS NULL', args: [kiosk.id] })).rows.map((r) => String(r.type)));
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
