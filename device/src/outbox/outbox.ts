/**
 * The durable outbox (docs/architecture.md "A tap end to end"): every state-changing request is
 * written here, committed, before it is sent the first time and before the customer is told
 * anything. It is resent until its reply arrives, then removed. The storage is a port
 * (`OutboxStore`, as aedes takes `persistence || memory()`): a libSQL file on a kiosk
 * (libsql-store.ts), memory in unit tests; both pass one contract suite.
 */
import { Request } from '@loyalty/protocol';

export interface OutboxEntry {
  opId: string;
  request: Request;
}

/** Where outbox entries live. Entries are opaque JSON to a store; `list` is oldest first (op ids are time-ordered). */
export interface OutboxStore {
  open(): Promise<void>;
  close(): Promise<void>;
  /** durable once this resolves; a second put of the same op id keeps the first */
  put(opId: string, kind: string, json: string): Promise<void>;
  delete(opId: string): Promise<boolean>;
  has(opId: string): Promise<boolean>;
  list(): Promise<Array<{ opId: string; json: string }>>;
  count(): Promise<number>;
}

/** Entries in memory: for unit tests and tools; lost when the process ends. */
export class MemoryOutboxStore implements OutboxStore {
  private readonly rows = new Map<string, string>();
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  async put(opId: string, _kind: string, json: string): Promise<void> {
    if (!this.rows.has(opId)) this.rows.set(opId, json);
  }
  async delete(opId: string): Promise<boolean> {
    return this.rows.delete(opId);
  }
  async has(opId: string): Promise<boolean> {
    return this.rows.has(opId);
  }
  async list(): Promise<Array<{ opId: string; json: string }>> {
    return [...this.rows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([opId, json]) => ({ opId, json }));
  }
  async count(): Promise<number> {
    return this.rows.size;
  }
}

export class Outbox {
  private readonly store: OutboxStore;

  constructor(options: { store?: OutboxStore } = {}) {
    this.store = options.store ?? new MemoryOutboxStore();
  }

  start(): Promise<void> {
    return this.store.open();
  }

  stop(): Promise<void> {
    return this.store.close();
  }

  /** Durable once this resolves. A second add of the same op id keeps the first. */
  add(request: Request): Promise<void> {
    return this.store.put(request.opId, request.kind, JSON.stringify(request));
  }

  remove(opId: string): Promise<boolean> {
    return this.store.delete(opId);
  }

  has(opId: string): Promise<boolean> {
    return this.store.has(opId);
  }

  /** Oldest first. Entries that no longer parse are skipped, not lost (a newer agent may read them). */
  async pending(): Promise<OutboxEntry[]> {
    const entries: OutboxEntry[] = [];
    for (const row of await this.store.list()) {
      const parsed = Request.safeParse(JSON.parse(row.json));
      if (parsed.success) entries.push({ opId: row.opId, request: parsed.data });
    }
    return entries;
  }

  depth(): Promise<number> {
    return this.store.count();
  }
}
