/**
 * Where a ledger movement happened, for the daily report (docs/audit-and-reports.md): the store
 * and kiosk its refs name, directly (`store`, `source: kiosk:K1`, `actor: staff:S1@K1`) or
 * through what it came from (a refund's purchase, a posted hold's request, an expired lot's earning).
 */
import type { SqlExecutor } from '../db/sql.js';

export interface Place {
  storeId: string | null;
  kioskId: string | null;
}

type Refs = Record<string, unknown>;

export class PlaceResolver {
  private readonly kioskStores = new Map<string, string | null>();

  constructor(private readonly db: SqlExecutor) {}

  async ofTransfer(refs: Refs): Promise<Place> {
    const kioskId = kioskOf(refs);
    const store = typeof refs.store === 'string' ? refs.store : typeof refs.storeId === 'string' ? refs.storeId : null;
    if (store) return { storeId: store, kioskId };
    if (kioskId) return { storeId: await this.storeOfKiosk(kioskId), kioskId };
    if (typeof refs.purchase === 'string') {
      // A refund names the purchase it reverses: it happened at that purchase's store (at its till).
      const purchase = (await this.db.execute({ sql: 'SELECT store_id FROM purchases WHERE id = ?', args: [refs.purchase] })).rows[0];
      if (purchase) return { storeId: String(purchase.store_id), kioskId: null };
    }
    if (typeof refs.hold === 'string') {
      const hold = (await this.db.execute({ sql: 'SELECT refs FROM holds WHERE id = ?', args: [refs.hold] })).rows[0];
      if (hold) return this.ofTransfer(JSON.parse(String(hold.refs)) as Refs);
    }
    if (typeof refs.lot === 'number') {
      // Expired points belong to the store where they were earned.
      const origin = (await this.db.execute({ sql: 'SELECT t.refs FROM lots l JOIN transfers t ON t.id = l.transfer_id WHERE l.id = ?', args: [refs.lot] })).rows[0];
      if (origin) return { ...(await this.ofTransfer(JSON.parse(String(origin.refs)) as Refs)), kioskId: null };
    }
    return { storeId: null, kioskId: null };
  }

  async storeOfKiosk(kioskId: string): Promise<string | null> {
    if (!this.kioskStores.has(kioskId)) {
      const row = (await this.db.execute({ sql: 'SELECT store_id FROM kiosks WHERE id = ?', args: [kioskId] })).rows[0];
      this.kioskStores.set(kioskId, row ? String(row.store_id) : null);
    }
    return this.kioskStores.get(kioskId)!;
  }
}

function kioskOf(refs: Refs): string | null {
  for (const field of [refs.source, refs.actor]) {
    if (typeof field !== 'string') continue;
    const kiosk = /^kiosk:(.+)$/.exec(field) ?? /^staff:[^@]+@(.+)$/.exec(field);
    if (kiosk) return kiosk[1]!;
  }
  return null;
}

/**
 * The UTC instants a store-local calendar day starts and ends (`[from, to)`), through the
 * zone's rules: 23 or 25 hours on the days clocks change.
 */
export function localDayBounds(date: string, timeZone: string): { from: string; to: string } {
  const next = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return { from: localMidnight(date, timeZone).toISOString(), to: localMidnight(next, timeZone).toISOString() };
}

function localMidnight(date: string, timeZone: string): Date {
  const utcMidnight = Date.parse(`${date}T00:00:00Z`);
  // The offset at a guess, then again at the result: right on both sides of a change.
  let guess = utcMidnight - offsetMs(new Date(utcMidnight), timeZone);
  guess = utcMidnight - offsetMs(new Date(guess), timeZone);
  return new Date(guess);
}

function offsetMs(at: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}
