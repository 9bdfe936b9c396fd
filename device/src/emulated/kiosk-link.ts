/**
 * An in-memory kiosk link for unit tests and tools: whatever the kiosk sends is recorded, and an
 * `answer` function plays the gateway for requests (null: no answer, as when the reply is lost).
 * Replies go through the same check as on the real link (`parseReply`), so a reply of the wrong
 * shape reaches the kiosk as a bad_reply error, as it would over MQTT.
 */
import { EventEmitter } from 'node:events';
import { ReplyEnvelope, parseReply, type Request } from '@loyalty/protocol';
import type { KioskLink, KioskLinkEvents, OutboundBodies } from '../ports/kiosk-link.js';

export interface FakeAnswer {
  /** what the reply's `result` is: anything, so tests can send what a broken gateway would */
  result: unknown;
  kind?: string;
}

export class InMemoryKioskLink extends EventEmitter<KioskLinkEvents> implements KioskLink {
  connected = true;
  readonly rejectedCounts = new Map<string, number>();
  readonly sent: Array<{ channel: keyof OutboundBodies; body: OutboundBodies[keyof OutboundBodies] }> = [];
  /** the gateway's answer to a request, or null for none */
  answer: (request: Request) => FakeAnswer | null = () => null;
  serverTime = '2026-11-22T10:00:00.000Z';
  /** answer batches as a gateway that cannot read them (an entry it does not know): `invalid` for the whole */
  refuseBatches = false;

  /** Every request sent, those inside a batch one by one. */
  get requests(): Request[] {
    return this.sent.flatMap((s) => (s.channel !== 'req' ? [] : (s.body as Request).kind === 'batch' ? (s.body as Extract<Request, { kind: 'batch' }>).requests : [s.body as Request]));
  }

  start(): void {}

  async stop(): Promise<void> {}

  async send<C extends keyof OutboundBodies>(channel: C, body: OutboundBodies[C]): Promise<boolean> {
    if (!this.connected) return false;
    this.sent.push({ channel, body });
    if (channel === 'req' && (body as Request).kind === 'batch') {
      // A batch is answered as the gateway does: each request as if alone, the answers together.
      const batch = body as Extract<Request, { kind: 'batch' }>;
      if (this.refuseBatches) {
        setImmediate(() => this.deliver({ opId: batch.opId, kind: 'invalid', serverTime: this.serverTime, result: { status: 'error', code: 'invalid_request', message: 'requests.3.kind: unknown' } }));
        return true;
      }
      const replies = batch.requests.flatMap((request) => {
        const answer = this.answer(request);
        return answer ? [{ opId: request.opId, kind: answer.kind ?? request.kind, serverTime: this.serverTime, result: answer.result }] : [];
      });
      setImmediate(() => this.deliver({ opId: batch.opId, kind: 'batch', serverTime: this.serverTime, result: { status: 'ok', data: { replies } } }));
    } else if (channel === 'req') {
      const request = body as OutboundBodies['req'];
      const answer = this.answer(request);
      if (answer) setImmediate(() => this.deliver({ opId: request.opId, kind: answer.kind ?? request.kind, serverTime: this.serverTime, result: answer.result }));
    }
    return true;
  }

  /** Delivers a reply as the real link would: envelope checked, then the data against its kind. */
  deliver(raw: unknown): void {
    const envelope = ReplyEnvelope.safeParse(raw);
    if (!envelope.success) {
      this.rejectedCounts.set('malformed', (this.rejectedCounts.get('malformed') ?? 0) + 1);
      this.emit('rejected', { reason: 'malformed', channel: 'res' });
      return;
    }
    this.emit('reply', parseReply(envelope.data));
  }

  async renewSession(): Promise<void> {}

  verifyStored(): unknown {
    return null;
  }
}
