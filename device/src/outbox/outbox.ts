/**
 * The durable outbox (docs/architecture.md "A tap end to end"): every state-changing request is
 * written here, committed, before it is sent the first time and before the customer is told
 * anything. It is resent until its reply arrives, then removed. The storage is a port
 * (`OutboxStore`, as aedes takes `persistence || memory()`): a libSQL file on a kiosk
 * (libsql-store.ts), memory in unit tests; both pass one contract suite.
 */
import type { KeyObject } from 'node:crypto';
import { JOURNAL_GENESIS, isStateChanging, journalHash, signJournalLink, Request } from '@loyalty/protocol';

export interface OutboxEntry {
  opId: string;
  request: Request;
}

/** The newest link of the kiosk's journal chain (protocol/src/journal.ts); seq 0 before the first. */
export interface JournalHead {
  seq: number;
  hash: string;
}

/** Points paid out offline (docs/offline.md): kept with the journal entry, counted against the limits. */
export interface OfflineSpend {
  /** the card's number */
  card: string;
  points: number;
  /** the store-local day, YYYY-MM-DD, for the kiosk's daily budget */
  day: string;
  /** epoch ms */
  at: number;
}

/** Builds the stored entry from the journal's head: its JSON and the new head (null: not chained). */
export type EntryBuilder = (head: JournalHead) => { json: string; head: JournalHead | null };

/** Where outbox entries live. Entries are opaque JSON to a store; `list` is oldest first (op ids are time-ordered). */
export interface OutboxStore {
  open(): Promise<void>;
  close(): Promise<void>;
  /**
   * Durable once this resolves; a second put of the same op id keeps the first (and moves
   * nothing). The entry, the journal's new head and an offline spend are written together.
   */
  put(opId: string, kind: string, entry: EntryBuilder, spend?: OfflineSpend): Promise<void>;
  delete(opId: string): Promise<boolean>;
  has(opId: string): Promise<boolean>;
  list(): Promise<Array<{ opId: string; json: string }>>;
  count(): Promise<number>;
  /** points paid out offline: by one card since an instant, or by the kiosk on one day */
  offlineSpent(query: { card: string; sinceMs: number } | { day: string }): Promise<number>;
}

/** Entries in memory: for unit tests and tools; lost when the process ends. */
export class MemoryOutboxStore implements OutboxStore {
  private readonly rows = new Map<string, string>();
  private head: JournalHead = { seq: 0, hash: JOURNAL_GENESIS };
  private readonly spends: OfflineSpend[] = [];
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  async put(opId: string, _kind: string, entry: EntryBuilder, spend?: OfflineSpend): Promise<void> {
    if (this.rows.has(opId)) return;
    const built = entry(this.head);
    this.rows.set(opId, built.json);
    if (built.head) this.head = built.head;
    if (spend) this.spends.push(spend);
  }
  async offlineSpent(query: { card: string; sinceMs: number } | { day: string }): Promise<number> {
    const matching = this.spends.filter((s) => ('day' in query ? s.day === query.day : s.card === query.card && s.at >= query.sinceMs));
    return matching.reduce((sum, s) => sum + s.points, 0);
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

/**
 * The journal could not be written (its size cap reached, the disk full, an I/O error): the
 * operation was not recorded, so nothing of it may be shown as done or printed. `code` is the
 * engine's or the system's (SQLITE_FULL, SQLITE_IOERR, ENOSPC, …); it names no card or customer.
 */
export class JournalWriteError extends Error {
  override readonly name = 'JournalWriteError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`the kiosk's journal could not be written (${code}): ${message}`);
  }
}

/** The journal's last failed write, until a later write succeeds (docs/fleet.md "Storage"). */
export interface JournalFailure {
  code: string;
  /** epoch ms */
  at: number;
}

/** The kiosk's identity, to chain and sign its journal: without it entries are kept unchained (tools, old tests). */
export interface JournalSigner {
  kioskId: string;
  privateKey: () => KeyObject;
}

export class Outbox {
  private readonly store: OutboxStore;
  private readonly signer: JournalSigner | null;
  private failure: JournalFailure | null = null;

  constructor(options: { store?: OutboxStore; journal?: JournalSigner } = {}) {
    this.store = options.store ?? new MemoryOutboxStore();
    this.signer = options.journal ?? null;
  }

  start(): Promise<void> {
    return this.store.open();
  }

  stop(): Promise<void> {
    return this.store.close();
  }

  /**
   * Durable once this resolves. A second add of the same op id keeps the first. With a signer the
   * entry is the next link of the kiosk's journal chain: the request is stored (and sent) with its
   * `journal` link. An offline spend is written in the same transaction. Resolves to the request
   * as journalled: the one to send.
   */
  async add<R extends Request>(request: R, spend?: OfflineSpend): Promise<R> {
    const signer = this.signer;
    let journalled = request;
    await this.written(() =>
      this.store.put(
        request.opId,
        request.kind,
        (head) => {
          if (!signer || !isStateChanging(request.kind)) return { json: JSON.stringify(request), head: null };
          const seq = head.seq + 1;
          const hash = journalHash(head.hash, request);
          journalled = { ...request, journal: { seq, prev: head.hash, sig: signJournalLink(signer.kioskId, seq, hash, signer.privateKey()) } };
          return { json: JSON.stringify(journalled), head: { seq, hash } };
        },
        spend,
      ),
    );
    return journalled;
  }

  /**
   * The last write that failed, while no write has succeeded since (an answered entry's removal
   * counts: it frees the space a full journal needs); null when the journal takes writes.
   */
  get lastFailure(): JournalFailure | null {
    return this.failure;
  }

  /** Runs one write of the store: a failure becomes JournalWriteError and is remembered until a write succeeds. */
  private async written<T>(write: () => Promise<T>): Promise<T> {
    try {
      const result = await write();
      this.failure = null;
      return result;
    } catch (error) {
      const code = errorCode(error);
      this.failure = { code, at: Date.now() };
      throw new JournalWriteError(code, (error as Error).message);
    }
  }

  offlineSpent(query: { card: string; sinceMs: number } | { day: string }): Promise<number> {
    return this.store.offlineSpent(query);
  }

  remove(opId: string): Promise<boolean> {
    return this.written(() => this.store.delete(opId));
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

/** The engine's or the system's code of a failed call (libsql sets `code`; Node's fs errors too), or UNKNOWN. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : 'UNKNOWN';
}
