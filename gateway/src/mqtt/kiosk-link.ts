/**
 * The gateway's side of the wire: subscribes to every kiosk's req/tele/state/ack topics,
 * verifies each signed message, dispatches requests through the handler table and publishes one
 * signed reply per request. Bad input is dropped with a named log line and a counter; nothing
 * here throws into mqtt.js.
 */
import {
  Ack,
  CHANNEL_SPECS,
  EnvelopeVerifier,
  KIOSK_PUBLISHES,
  KioskState,
  Request,
  SlidingReplayWindow,
  Telemetry,
  allKiosksFilter,
  kioskTopic,
  parseTopic,
  sharedFilter,
  storeTopic,
  type StoreChannel,
  type EnvelopeSigner,
  type KioskChannel,
  type InvalidRequestReply,
  type Reply,
  type RequestOf,
} from '@loyalty/protocol';
import type { LinkClient } from './link-client.js';
import type { GroupCommitWriter } from '../db/writer.js';
import type { KioskRegistry } from '../fleet/kiosk-registry.js';
import { handleRequest, type RequestHandlers } from '../handlers.js';
import { LedgerError } from '../ledger/errors.js';
import type { Clock } from '../clock.js';
import type { Logger } from '@loyalty/protocol/node';
import type { GatewayMetrics } from '../metrics.js';
import type { KioskJournals } from '../fleet/kiosk-journals.js';

/** A batch's answers together stay well inside the `res` size limit once signed (base64 adds a third). */
const BATCH_REPLY_BYTES = 40 * 1024;

/** What kiosks publish is what the gateway reads (the channel table in protocol/src/topics.ts). */
const INBOUND: readonly KioskChannel[] = KIOSK_PUBLISHES;

export interface KioskLinkDeps {
  client: LinkClient;
  signer: EnvelopeSigner;
  registry: KioskRegistry;
  handlers: RequestHandlers;
  writer: GroupCommitWriter;
  clock: Clock;
  log: Logger;
  metrics: GatewayMetrics;
  /** set when replicas share an external broker: `$share/{group}/…` subscriptions */
  shareGroup?: string;
  /** fleet commands: a kiosk's acknowledgement, and a kiosk coming online (commands go out again) */
  fleet?: {
    onAck(kioskId: string, ack: Ack): Promise<void>;
    onKioskOnline(kioskId: string): Promise<unknown>;
    onKioskReport?(kioskId: string): Promise<void>;
    onTelemetry?(kiosk: { id: string; storeId: string }, telemetry: Telemetry): Promise<void>;
  };
  replayFlushMs?: number;
  /** each journalled request's link in its kiosk's hash chain (fleet/kiosk-journals.ts) */
  journals?: KioskJournals;
}

export class KioskLink {
  private readonly replay = new SlidingReplayWindow();
  private readonly verifier: EnvelopeVerifier;
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: KioskLinkDeps) {
    this.verifier = new EnvelopeVerifier(deps.registry.keysOf, this.replay);
  }

  async start(): Promise<void> {
    const { client, log } = this.deps;
    await this.restoreReplayMarks();
    client.on('message', (topic, payload) => this.track(this.onMessage(topic, payload)));
    client.on('error', (error) => log.warn({ err: error.message }, 'mqtt client error'));
    client.on('reconnect', () => log.info('reconnecting to the MQTT broker'));
    const connected = new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    client.on('connect', () => log.info('connected to the MQTT broker'));
    client.connect();
    await connected;
    const filters = INBOUND.map((channel) => {
      const filter = allKiosksFilter(channel);
      return this.deps.shareGroup ? sharedFilter(this.deps.shareGroup, filter) : filter;
    });
    await client.subscribeAsync(filters, { qos: 1 });
    this.flushTimer = setInterval(() => void this.flushReplayMarks(), this.deps.replayFlushMs ?? 1000);
    this.flushTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    await Promise.allSettled([...this.inFlight]);
    await this.flushReplayMarks();
    await this.deps.client.endAsync();
  }

  /** Fleet commands are built on the link, so they join it after it is made. */
  useFleet(fleet: NonNullable<KioskLinkDeps['fleet']>): void {
    this.deps.fleet = fleet;
  }

  /** Publishes a signed, gateway-originated message to one kiosk. */
  async publishToKiosk(kioskId: string, channel: 'res' | 'cmd' | 'config' | 'desired', body: unknown, retain = false): Promise<void> {
    const topic = kioskTopic(kioskId, channel);
    await this.deps.client.publishAsync(topic, this.deps.signer.sign(topic, body), { qos: 1, retain });
  }

  /** Publishes a signed, retained store-wide message (rules, hotlist, staff). */
  async publishToStore(storeId: string, channel: StoreChannel, body: unknown): Promise<void> {
    const topic = storeTopic(storeId, channel);
    await this.deps.client.publishAsync(topic, this.deps.signer.sign(topic, body), { qos: 1, retain: true });
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async onMessage(topic: string, payload: Buffer): Promise<void> {
    const { log, metrics } = this.deps;
    const parsed = parseTopic(topic);
    if (parsed?.scope !== 'kiosk' || !INBOUND.includes(parsed.channel)) {
      metrics.rejectedMessages.inc({ reason: 'wrong_topic', channel: 'unknown' });
      log.warn({ reason: 'wrong_topic', topic: topic.slice(0, 128) }, 'message dropped');
      return;
    }
    const spec = CHANNEL_SPECS[parsed.channel];
    const verdict = this.verifier.verify(topic, payload, {
      maxBytes: spec.maxBytes,
      checkReplay: !spec.retained,
      expectedSender: parsed.kioskId,
    });
    if (!verdict.ok) {
      metrics.rejectedMessages.inc({ reason: verdict.reason, channel: parsed.channel });
      log.warn({ reason: verdict.reason, detail: verdict.detail, kiosk: parsed.kioskId, channel: parsed.channel }, 'message dropped');
      return;
    }
    const kiosk = this.deps.registry.get(parsed.kioskId)!;
    try {
      switch (parsed.channel) {
        case 'req':
          await this.onRequest(kiosk.id, kiosk.storeId, verdict.message.body);
          break;
        case 'tele': {
          const tele = Telemetry.safeParse(verdict.message.body);
          if (!tele.success) return this.dropBody(parsed.kioskId, 'tele');
          this.deps.registry.recordTelemetry(kiosk.id, tele.data);
          await this.deps.fleet?.onTelemetry?.(kiosk, tele.data);
          break;
        }
        case 'state': {
          const state = KioskState.safeParse(verdict.message.body);
          if (!state.success) return this.dropBody(parsed.kioskId, 'state');
          this.deps.registry.recordState(kiosk.id, state.data.state === 'online');
          if (state.data.state === 'online') await this.deps.fleet?.onKioskOnline(kiosk.id);
          await this.deps.fleet?.onKioskReport?.(kiosk.id);
          log.info({ kiosk: kiosk.id, state: state.data.state }, 'kiosk state');
          break;
        }
        case 'ack': {
          const ack = Ack.safeParse(verdict.message.body);
          if (!ack.success) return this.dropBody(parsed.kioskId, 'ack');
          await this.deps.fleet?.onAck(kiosk.id, ack.data);
          break;
        }
      }
    } catch (error) {
      log.error({ err: (error as Error).message, kiosk: parsed.kioskId, channel: parsed.channel }, 'message handling failed');
    }
  }

  private dropBody(kioskId: string, channel: KioskChannel): void {
    this.deps.metrics.rejectedMessages.inc({ reason: 'malformed', channel });
    this.deps.log.warn({ reason: 'malformed', detail: 'body does not match the schema', kiosk: kioskId, channel }, 'message dropped');
  }

  private async onRequest(kioskId: string, storeId: string, body: unknown): Promise<void> {
    const parsed = Request.safeParse(body);
    if (!parsed.success) {
      // A request we cannot parse still gets an answer when it names its op id, so the kiosk
      // stops resending it; otherwise there is nobody to answer.
      const opId = (body as { opId?: unknown } | null)?.opId;
      this.dropBody(kioskId, 'req');
      if (typeof opId === 'string' && /^[0-9a-f-]{36}$/.test(opId)) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        await this.reply(kioskId, { opId, kind: 'invalid', serverTime: this.now(), result: { status: 'error', code: 'invalid_request', message: issues.slice(0, 500) } });
      }
      return;
    }
    const request = parsed.data;
    if (request.kind === 'batch') return this.onBatch(kioskId, storeId, request);
    await this.reply(kioskId, await this.answer(kioskId, storeId, request));
  }

  /**
   * A backlog sent again in one envelope (docs/protocol.md "Batches"): each request answered as if
   * sent alone, all of them at once (they share group commits). The answers go back together as
   * far as they fit in one reply; any beyond that go alone, each under its own op id.
   */
  private async onBatch(kioskId: string, storeId: string, batch: RequestOf<'batch'>): Promise<void> {
    // The batch's journal links in one write, alongside its operations (the same group commit), before the answers.
    const linked = this.deps.journals?.recordAll(kioskId, batch.requests).catch((error: Error) => this.deps.log.warn({ err: error.message, opId: batch.opId }, 'journal links not kept'));
    const replies = await Promise.all(batch.requests.map((request) => this.answer(kioskId, storeId, request, false)));
    await linked;
    const together: Reply[] = [];
    let bytes = 0;
    for (const reply of replies) {
      const size = Buffer.byteLength(JSON.stringify(reply));
      if (bytes + size > BATCH_REPLY_BYTES) {
        await this.reply(kioskId, reply);
        continue;
      }
      together.push(reply);
      bytes += size;
    }
    await this.reply(kioskId, { opId: batch.opId, kind: 'batch', serverTime: this.now(), result: { status: 'ok', data: { replies: together } } });
  }

  /** One request handled: its journal link kept (unless its batch keeps it), its handler run, its outcome counted; the reply to send. */
  private async answer(kioskId: string, storeId: string, request: Request, keepLink = true): Promise<Reply> {
    const began = performance.now();
    // The link is kept alongside the operation (the same group commit), before the answer.
    const linked = keepLink
      ? this.deps.journals?.recordAll(kioskId, [request]).catch((error: Error) => this.deps.log.warn({ err: error.message, opId: request.opId }, 'journal link not kept'))
      : undefined;
    let result: Reply['result'];
    try {
      result = { status: 'ok', data: await handleRequest(this.deps.handlers, request, { kioskId, storeId }) };
    } catch (error) {
      if (error instanceof LedgerError) {
        result = { status: 'error', code: error.code, message: error.message };
      } else {
        this.deps.log.error({ err: (error as Error).message, kind: request.kind, opId: request.opId }, 'request failed');
        result = { status: 'error', code: 'internal_error', message: 'the gateway could not complete this; it will be retried' };
      }
    }
    await linked;
    this.deps.metrics.requests.inc({ kind: request.kind, code: result.status === 'ok' ? 'ok' : result.code });
    // Refusals are rare and tell whether a rollout hurts a store: kept, per store (docs/programs.md "Canary").
    if (result.status === 'error' && result.code !== 'internal_error') await this.recordRefusal(storeId, kioskId, request.kind, result.code);
    this.deps.metrics.requestDuration.observe({ kind: request.kind }, (performance.now() - began) / 1000);
    return { opId: request.opId, kind: request.kind, serverTime: this.now(), result } as Reply;
  }

  private async reply(kioskId: string, reply: Reply | InvalidRequestReply): Promise<void> {
    await this.publishToKiosk(kioskId, 'res', reply);
  }

  private async recordRefusal(storeId: string, kioskId: string, kind: string, code: string): Promise<void> {
    try {
      await this.deps.writer.run((tx) =>
        tx.execute({ sql: 'INSERT INTO request_refusals (store_id, kiosk_id, kind, code, at) VALUES (?, ?, ?, ?, ?)', args: [storeId, kioskId, kind, code, this.now()] }),
      );
    } catch (error) {
      this.deps.log.warn({ err: (error as Error).message }, 'could not record a refusal');
    }
  }

  private async restoreReplayMarks(): Promise<void> {
    const rows = (await this.deps.writer.run((tx) => tx.execute('SELECT sender, highest FROM sender_marks'))).rows;
    this.replay.restore(new Map(rows.map((r) => [String(r.sender), Number(r.highest)])));
  }

  /**
   * Persists the highest accepted sequence per kiosk, so a message captured before a restart is
   * refused after it. Between flushes (1 s) a crash can forget a few numbers; a replayed
   * state-changing request in that gap still meets the ledger's op-id claim and changes nothing.
   */
  private async flushReplayMarks(): Promise<void> {
    const marks = this.replay.takeDirty();
    if (marks.size === 0) return;
    try {
      await this.deps.writer.run(async (tx) => {
        for (const [sender, highest] of marks) {
          await tx.execute({
            sql: `INSERT INTO sender_marks (sender, highest) VALUES (?, ?)
                  ON CONFLICT (sender) DO UPDATE SET highest = max(highest, excluded.highest)`,
            args: [sender, highest],
          });
        }
      });
    } catch (error) {
      this.deps.log.warn({ err: (error as Error).message }, 'could not persist replay marks; will retry');
      this.replay.requeue(marks);
    }
  }
}
