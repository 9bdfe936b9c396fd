/**
 * Request/reply over the link, typed by the kiosk API (protocol/src/kiosk-api.ts): `call` and
 * `submit` take a request of kind K and give a `Reply<K>` whose data was checked against K's
 * reply schema (a mismatch is a `bad_reply` error). Reads (`call`) are sent once and time out;
 * state-changing requests (`submit`) are written to the outbox first, then sent, resent on every
 * reconnect and, when unanswered for `resendIntervalMs`, again, until a final reply arrives, and
 * removed only then.
 * Transient errors from the gateway (`internal_error`) keep the entry for another try.
 * A backlog goes in batches (docs/protocol.md "Batches"): many entries in one signed envelope,
 * each answered as if sent alone; a batch refused as a whole is sent again entry by entry.
 */
import { EventEmitter } from 'node:events';
import {
  BATCH_MAX_REQUESTS,
  ReplyEnvelope,
  asReplyTo,
  isStateChanging,
  newOpId,
  parseReply,
  type InvalidRequestReply,
  type Reply,
  type Request,
  type RequestKind,
  type RequestOf,
} from '@loyalty/protocol';
import type { Logger } from '@loyalty/protocol/node';
import type { OfflineSpend, Outbox } from '../outbox/outbox.js';
import type { KioskLink } from '../ports/kiosk-link.js';

export class OfflineError extends Error {
  override readonly name = 'OfflineError';
  constructor(message = 'the gateway did not answer in time') {
    super(message);
  }
}

const RETRYABLE = new Set(['internal_error']);
/** Batches of a backlog in flight at once: the broker's acknowledgements overlap instead of queueing one by one. */
const RESEND_WINDOW = 4;
/**
 * A batch's requests as JSON stay under this, so the signed envelope (base64 adds a third, the
 * header and signature a few hundred bytes) fits the `req` channel's 16 KiB.
 */
const BATCH_JSON_BYTES = 11_000;
const MAX_BATCHES_TRACKED = 1000;

export interface RequestsOptions {
  link: KioskLink;
  outbox: Outbox;
  log: Logger;
  resendIntervalMs: number;
  /**
   * Called with each final answer to a state-changing request before its outbox entry is
   * cleared: what must outlive a crash (a coupon still to print) is journalled here, so a kiosk
   * that dies between the answer and the print still has it when it starts again.
   */
  beforeClear?: (reply: Reply) => Promise<void>;
}

type Settle = (reply: Reply | InvalidRequestReply) => void;

export class Requests extends EventEmitter<{ settled: [Reply] }> {
  private readonly waiting = new Map<string, Settle[]>();
  private resendTimer: NodeJS.Timeout | null = null;
  private resending = false;
  private resendAllAfter = false;
  /** when each unanswered operation was last sent: an interval resend skips what is still on its way */
  private readonly lastSent = new Map<string, number>();
  /** batches sent and not answered yet: one refused as a whole is sent again request by request */
  private readonly batches = new Map<string, Request[]>();
  private readonly onReply = (reply: Reply | InvalidRequestReply) => void this.handleReply(reply);
  // A new connection: whatever was sent before may be lost with the old one.
  private readonly onConnected = () => void this.resendPending({ all: true });

  constructor(private readonly options: RequestsOptions) {
    super();
  }

  start(): void {
    this.options.link.on('reply', this.onReply);
    this.options.link.on('connected', this.onConnected);
    this.resendTimer = setInterval(() => void this.resendPending(), this.options.resendIntervalMs);
    this.resendTimer.unref();
  }

  stop(): void {
    if (this.resendTimer) clearInterval(this.resendTimer);
    this.options.link.off('reply', this.onReply);
    this.options.link.off('connected', this.onConnected);
  }

  /** Whether the gateway's link is up now (a request may still time out). */
  get online(): boolean {
    return this.options.link.connected;
  }

  /** A read: one send, then the reply or OfflineError after `timeoutMs`. */
  async call<K extends RequestKind>(request: RequestOf<K> & { kind: K }, timeoutMs: number): Promise<Reply<K>> {
    const wait = this.waitFor(request.opId, request.kind, timeoutMs);
    if (!(await this.options.link.send('req', request))) {
      wait.cancel();
      throw new OfflineError('the kiosk is not connected to the gateway');
    }
    return wait.reply;
  }

  /**
   * A state-changing request. Resolves once the outbox holds it (durable); `reply` gives the
   * answer within `timeoutMs` or rejects with OfflineError — the entry stays in the outbox and
   * a later answer arrives as the `settled` event. An offline spend (docs/offline.md) is written
   * with the entry, in one transaction.
   */
  async submit<K extends RequestKind>(request: RequestOf<K> & { kind: K }, timeoutMs: number, spend?: OfflineSpend): Promise<{ reply: Promise<Reply<K>> }> {
    // Sent as journalled, with its link: the gateway keeps the chain from the first send on.
    const journalled = await this.options.outbox.add(request, spend);
    const { reply } = this.waitFor(request.opId, request.kind, timeoutMs);
    this.lastSent.set(request.opId, Date.now());
    void this.options.link.send('req', journalled);
    return { reply };
  }

  /**
   * Sends outbox entries again, oldest first, a window of them in flight at once: all of them
   * after a reconnect (`all`), otherwise those unanswered for `resendIntervalMs`, so a backlog
   * that takes longer than the interval to drain is not sent twice over.
   */
  async resendPending(options: { all?: boolean } = {}): Promise<number> {
    if (!this.options.link.connected) return 0;
    if (this.resending) {
      // A reconnect during a resend: everything goes again once this pass ends.
      if (options.all) this.resendAllAfter = true;
      return 0;
    }
    this.resending = true;
    try {
      const due = Date.now() - this.options.resendIntervalMs;
      const entries = (await this.options.outbox.pending()).filter((entry) => options.all || (this.lastSent.get(entry.opId) ?? 0) <= due);
      // Oldest first, in batches (docs/protocol.md "Batches"): one signed envelope and one answer for many.
      const batches = packBatches(entries.map((entry) => entry.request));
      let next = 0;
      const sender = async () => {
        while (next < batches.length && this.options.link.connected) {
          const batch = batches[next++]!;
          for (const request of batch) this.lastSent.set(request.opId, Date.now());
          if (batch.length === 1) {
            await this.options.link.send('req', batch[0]!);
            continue;
          }
          const opId = newOpId();
          this.batches.set(opId, batch);
          // Unanswered batches are forgotten oldest first: their entries are resent by the interval anyway.
          if (this.batches.size > MAX_BATCHES_TRACKED) this.batches.delete(this.batches.keys().next().value!);
          await this.options.link.send('req', { kind: 'batch', opId, requests: batch as RequestOf<'batch'>['requests'] });
        }
      };
      await Promise.all(Array.from({ length: Math.min(RESEND_WINDOW, batches.length) }, sender));
      if (entries.length) this.options.log.info({ count: entries.length }, 'resent pending operations');
      return entries.length;
    } catch (error) {
      this.options.log.warn({ err: (error as Error).message }, 'resending the outbox failed; will retry');
      return 0;
    } finally {
      this.resending = false;
      if (this.resendAllAfter) {
        this.resendAllAfter = false;
        void this.resendPending({ all: true });
      }
    }
  }

  /** A pending answer; `cancel` drops it without a rejection (nobody will wait for it). */
  private waitFor<K extends RequestKind>(opId: string, kind: K, timeoutMs: number): { reply: Promise<Reply<K>>; cancel: () => void } {
    let cancel = () => {};
    const reply = new Promise<Reply<K>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.forget(opId, settle);
        reject(new OfflineError());
      }, timeoutMs);
      const settle: Settle = (answer) => {
        clearTimeout(timer);
        resolve(asReplyTo(answer, kind));
      };
      cancel = () => {
        clearTimeout(timer);
        this.forget(opId, settle);
      };
      const list = this.waiting.get(opId) ?? [];
      list.push(settle);
      this.waiting.set(opId, list);
    });
    return { reply, cancel };
  }

  /** Each answer of a batch as if it had come alone. */
  private async handleBatchReply(reply: Reply<'batch'>): Promise<void> {
    if (reply.result.status === 'error') return;
    for (const inner of reply.result.data.replies) {
      const envelope = ReplyEnvelope.safeParse(inner);
      if (!envelope.success) {
        this.options.log.warn({ opId: inner.opId }, 'an answer in a batch does not match the protocol; its operation will be sent again');
        continue;
      }
      await this.handleReply(parseReply(envelope.data));
    }
  }

  private forget(opId: string, settle?: Settle): void {
    const list = this.waiting.get(opId);
    if (!list) return;
    const rest = settle ? list.filter((s) => s !== settle) : [];
    if (rest.length) this.waiting.set(opId, rest);
    else this.waiting.delete(opId);
  }

  private async handleReply(reply: Reply | InvalidRequestReply): Promise<void> {
    const batch = this.batches.get(reply.opId);
    if (batch) {
      this.batches.delete(reply.opId);
      if (reply.kind === 'batch' && reply.result.status === 'ok') return this.handleBatchReply(reply as Reply<'batch'>);
      // Refused as a whole (one entry a newer agent wrote, say): each goes alone, and is answered alone.
      this.options.log.warn({ code: reply.result.status === 'error' ? reply.result.code : 'bad_reply', requests: batch.length }, 'a batch of pending operations was refused; sending them one by one');
      for (const request of batch) void this.options.link.send('req', request);
      return;
    }
    if (reply.kind === 'batch') return;
    const final = reply.result.status === 'ok' || !RETRYABLE.has(reply.result.code);
    const list = this.waiting.get(reply.opId);
    if (!final && list) return; // a transient error: the resend will bring the real answer
    // Answer the customer first. Clearing the outbox afterwards is safe: if the kiosk dies in
    // between, the entry is resent and the gateway answers `exists`.
    this.waiting.delete(reply.opId);
    for (const settle of list ?? []) settle(reply);
    if (!final) return;
    this.lastSent.delete(reply.opId);
    // Reads never enter the outbox; the answer to a request the gateway could not read clears its entry too.
    if (reply.kind !== 'invalid' && !isStateChanging(reply.kind)) return;
    try {
      if (reply.kind !== 'invalid') await this.options.beforeClear?.(reply);
      const removed = await this.options.outbox.remove(reply.opId);
      // Nobody waited any more: the customer saw "pending" and this answer came later.
      if (removed && !list && reply.kind !== 'invalid') this.emit('settled', reply);
    } catch (error) {
      this.options.log.warn({ err: (error as Error).message, opId: reply.opId }, 'could not clear an answered operation; it will be resent');
    }
  }
}

/** Requests in order, packed into batches of at most BATCH_MAX_REQUESTS and BATCH_JSON_BYTES of JSON. */
export function packBatches(requests: Request[]): Request[][] {
  const batches: Request[][] = [];
  let current: Request[] = [];
  let bytes = 0;
  for (const request of requests) {
    const size = Buffer.byteLength(JSON.stringify(request)) + 1;
    if (current.length && (current.length === BATCH_MAX_REQUESTS || bytes + size > BATCH_JSON_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(request);
    bytes += size;
  }
  if (current.length) batches.push(current);
  return batches;
}
