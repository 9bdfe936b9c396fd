/**
 * The gateway's own link to its embedded broker, in the same process (docs/deployment-at-scale.md):
 * subscriptions are aedes listeners and publishes go through aedes' publish, so a message between
 * a kiosk and the gateway is parsed and serialised once (at the kiosk's socket) instead of three
 * times with a loopback TCP hop in between. What aedes does for a client it still does: retained
 * messages are stored and sent to a new subscriber, QoS 1 messages are queued for a kiosk that is
 * offline with a session, wills arrive as messages.
 *
 * Kiosks' messages are acknowledged to them as soon as they are handed over, as they were when
 * the gateway's client sat behind a socket: handling never holds up a PUBACK.
 */
import { EventEmitter } from 'node:events';
import type { Aedes, AedesPublishPacket } from 'aedes';
import type { LinkClient } from './link-client.js';

type Deliver = (packet: AedesPublishPacket, done: () => void) => void;

/** The part of aedes' persistence a subscribing client's retained messages come from. */
interface RetainedSource {
  createRetainedStreamCombi(patterns: string[]): AsyncIterable<{ topic: string; payload: Buffer }>;
}

export class InProcessBrokerClient extends EventEmitter implements LinkClient {
  private readonly subscriptions: Array<{ filter: string; deliver: Deliver }> = [];
  private open = false;

  constructor(private readonly broker: Aedes) {
    super();
  }

  get connected(): boolean {
    return this.open && !this.broker.closed;
  }

  /** Like a client's connect: 'connect' follows on the next turn, once the caller listens. */
  connect(): this {
    if (this.broker.closed) {
      setImmediate(() => this.emit('error', new Error('the embedded MQTT broker is stopped')));
      return this;
    }
    this.open = true;
    setImmediate(() => this.emit('connect'));
    return this;
  }

  async subscribeAsync(filters: string[]): Promise<void> {
    for (const filter of filters) {
      const deliver: Deliver = (packet, done) => {
        done();
        if (!this.open) return;
        // A listener's mistake is the link's error, never a throw into aedes' delivery to others.
        try {
          this.emit('message', packet.topic, packet.payload as Buffer);
        } catch (error) {
          this.emit('error', error as Error);
        }
      };
      await new Promise<void>((resolve) => this.broker.subscribe(filter, deliver, resolve));
      this.subscriptions.push({ filter, deliver });
    }
    // What a client subscribing gets first: the retained messages its filters match.
    const persistence = (this.broker as unknown as { persistence: RetainedSource }).persistence;
    for await (const packet of persistence.createRetainedStreamCombi(filters)) {
      if (this.open) this.emit('message', packet.topic, packet.payload);
    }
  }

  publishAsync(topic: string, payload: string, options: { qos: 1; retain: boolean }): Promise<void> {
    if (!this.connected) return Promise.reject(new Error('not connected to the embedded MQTT broker'));
    return new Promise<void>((resolve, reject) =>
      this.broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: options.qos, retain: options.retain, dup: false }, (error) => (error ? reject(error) : resolve())),
    );
  }

  async endAsync(): Promise<void> {
    this.open = false;
    const subscriptions = this.subscriptions.splice(0);
    if (this.broker.closed) return;
    for (const { filter, deliver } of subscriptions) await new Promise<void>((resolve) => this.broker.unsubscribe(filter, deliver, resolve));
  }
}
