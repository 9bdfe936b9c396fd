/**
 * The kiosk's side of the wire: one MQTT connection to the broker, every message signed with
 * the kiosk's key and every incoming one verified against the gateway's keys. Availability is
 * a retained `state` topic: `online` re-asserted on every connect, `offline` as the last will
 * and on a clean stop (docs/conventions.md §6). Reconnects back off exponentially with jitter.
 */
import { EventEmitter } from 'node:events';
import { connect as netConnect } from 'node:net';
import {
  CHANNEL_SPECS,
  Command,
  DesiredConfig,
  DesiredKioskConfig,
  EnvelopeVerifier,
  Hotlist,
  StaffList,
  ReplyEnvelope,
  RulesBundle,
  SlidingReplayWindow,
  kioskClientId,
  kioskSubscriptions,
  kioskTopic,
  parseReply,
  parseTopic,
  type EnvelopeSigner,
  type KioskChannel,
  type KeyLookup,
  type RejectReason,
} from '@loyalty/protocol';
import { withTimeout, type Logger } from '@loyalty/protocol/node';
import { MqttClient } from 'mqtt';
import type { KioskLink, KioskLinkEvents, OutboundBodies } from '../ports/kiosk-link.js';

export interface GatewayLinkOptions {
  kioskId: string;
  storeId: string;
  host: string;
  port: number;
  username?: string;
  password?: string;
  signer: EnvelopeSigner;
  gatewayKeys: KeyLookup;
  log: Logger;
  reconnectDelayMsMin: number;
  reconnectDelayMsMax: number;
  /** a number in [0, 1) for the reconnect jitter (injected by tests) */
  random?: () => number;
}

export class GatewayLink extends EventEmitter<KioskLinkEvents> implements KioskLink {
  private client: MqttClient | null = null;
  private readonly verifier: EnvelopeVerifier;
  private failedAttempts = 0;
  /** dropped messages by reason, reported in telemetry */
  readonly rejectedCounts = new Map<string, number>();

  constructor(private readonly options: GatewayLinkOptions) {
    super();
    this.verifier = new EnvelopeVerifier(options.gatewayKeys, new SlidingReplayWindow());
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  private topic(channel: KioskChannel): string {
    return kioskTopic(this.options.kioskId, channel);
  }

  /** Starts connecting and returns at once: a kiosk must work (offline) without the broker. */
  start(): void {
    const { options } = this;
    const stateTopic = this.topic('state');
    const client = new MqttClient(() => netConnect({ host: options.host, port: options.port, noDelay: true }), {
      protocolVersion: 4,
      clientId: kioskClientId(options.kioskId),
      clean: true,
      username: options.username,
      password: options.password,
      keepalive: 15,
      connectTimeout: 5000,
      reconnectPeriod: options.reconnectDelayMsMin,
      manualConnect: true,
      // Without it mqtt-packet builds 65,536 two-byte Buffers at the first write: 6 MiB of an idle kiosk's heap (docs/benchmarks.md "kiosk").
      writeCache: false,
      will: { topic: stateTopic, payload: Buffer.from(options.signer.sign(stateTopic, { state: 'offline' })), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => void this.onConnect(client));
    client.on('close', () => {
      if (this.failedAttempts === 0) {
        options.log.warn('disconnected from the gateway broker; working offline');
        this.emit('disconnected');
      }
      this.failedAttempts += 1;
      client.options.reconnectPeriod = this.nextReconnectDelay();
    });
    client.on('error', (error) => {
      const code = (error as Error & { code?: unknown }).code;
      // CONNACK 4 (bad username or password) / 5 (not authorized): the gateway refuses this kiosk.
      if (code === 4 || code === 5) {
        options.log.error({ code }, 'the broker refused this kiosk: revoked, or the broker password is wrong; re-pair the kiosk');
        this.emit('refused', { code, message: error.message });
      } else {
        options.log.debug({ err: error.message }, 'mqtt error');
      }
    });
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.connect();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    if (client.connected) {
      const topic = this.topic('state');
      await withTimeout(client.publishAsync(topic, this.options.signer.sign(topic, { state: 'offline' }), { qos: 1, retain: true }), 2000).catch(() => undefined);
    }
    await client.endAsync(true);
  }

  /** Publishes a signed message on one of this kiosk's outbound topics. False when offline. */
  async send<C extends keyof OutboundBodies>(channel: C, body: OutboundBodies[C]): Promise<boolean> {
    const client = this.client;
    if (!client?.connected) return false;
    const topic = this.topic(channel);
    try {
      await withTimeout(client.publishAsync(topic, this.options.signer.sign(topic, body), { qos: 1 }), 5000);
      return true;
    } catch (error) {
      this.options.log.debug({ err: (error as Error).message, channel }, 'publish failed');
      return false;
    }
  }

  /** Reconnects with a freshly signed last will (after a key rotation); resolves when back online. */
  renewSession(timeoutMs = 10_000): Promise<void> {
    const client = this.client;
    if (!client) return Promise.resolve();
    const stateTopic = this.topic('state');
    client.options.will = { topic: stateTopic, payload: Buffer.from(this.options.signer.sign(stateTopic, { state: 'offline' })), qos: 1, retain: true };
    const back = withTimeout(new Promise<void>((resolve) => this.once('connected', () => resolve())), timeoutMs);
    client.reconnect();
    return back;
  }

  /** Verifies a signed message kept on disk (no replay check: it was accepted once already). */
  verifyStored(topic: string, raw: string): unknown | null {
    const verdict = this.verifier.verify(topic, raw, { checkReplay: false, maxBytes: CHANNEL_SPECS.hotlist.maxBytes });
    return verdict.ok ? verdict.message.body : null;
  }

  /** Exponential backoff with full jitter, capped (AWS architecture blog, "Exponential Backoff And Jitter"). */
  private nextReconnectDelay(): number {
    const { reconnectDelayMsMin: min, reconnectDelayMsMax: max } = this.options;
    const ceiling = Math.min(max, min * 2 ** Math.min(this.failedAttempts, 16));
    return Math.round(min + (this.options.random ?? Math.random)() * (ceiling - min));
  }

  private async onConnect(client: MqttClient): Promise<void> {
    const { options } = this;
    client.options.reconnectPeriod = options.reconnectDelayMsMin;
    this.failedAttempts = 0;
    try {
      await client.subscribeAsync(kioskSubscriptions(options.kioskId, options.storeId), { qos: 1 });
      const stateTopic = this.topic('state');
      await client.publishAsync(stateTopic, options.signer.sign(stateTopic, { state: 'online' }), { qos: 1, retain: true });
      options.log.info('connected to the gateway broker');
      this.emit('connected');
    } catch (error) {
      options.log.warn({ err: (error as Error).message }, 'could not set up the gateway session; will retry');
      client.stream.destroy();
    }
  }

  private onMessage(topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    if (!parsed) return this.drop('wrong_topic', 'unknown', `not a contract topic`);
    const spec = CHANNEL_SPECS[parsed.channel];
    const verdict = this.verifier.verify(topic, payload, { maxBytes: spec.maxBytes, checkReplay: !spec.retained });
    if (!verdict.ok) return this.drop(verdict.reason, parsed.channel, verdict.detail);
    const body = verdict.message.body;
    const raw = payload.toString('utf8');
    switch (parsed.channel) {
      case 'res': {
        const reply = ReplyEnvelope.safeParse(body);
        if (!reply.success) return this.drop('malformed', parsed.channel, 'body does not match the schema');
        // The data is checked against the request kind's schema: a mismatch becomes a bad_reply error.
        this.emit('reply', parseReply(reply.data));
        return;
      }
      case 'cmd': {
        const command = Command.safeParse(body);
        if (!command.success) return this.drop('malformed', parsed.channel, 'body does not match the schema');
        this.emit('command', command.data);
        return;
      }
      case 'config': {
        const config = DesiredConfig.safeParse(body);
        if (!config.success) return this.drop('malformed', parsed.channel, 'body does not match the schema');
        this.emit('config', config.data, raw, verdict.message.sender);
        return;
      }
      case 'rules': {
        const bundle = RulesBundle.safeParse(body);
        if (!bundle.success) return this.drop('malformed', parsed.channel, 'body does not match the schema');
        this.emit('rules', bundle.data, raw);
        return;
      }
      case 'desired': {
        const desired = DesiredKioskConfig.safeParse(body);
        if (!desired.success) return this.drop('malformed', parsed.channel, 'body does not match the schema');
        this.emit('desired', desired.data, raw);
        return;
      }
      case 'hotlist': {
        const hotlist = Hotlist.safeParse(body);
        if (!hotlist.success) return this.drop('malformed', parsed.channel, 'body does not match the schema');
        this.emit('hotlist', hotlist.data, raw);
        return;
      }
      case 'staff': {
        const staff = StaffList.safeParse(body);
        if (!staff.success) return this.drop('malformed', parsed.channel, 'body does not match the schema');
        this.emit('staff', staff.data, raw);
        return;
      }
      default:
        return this.drop('wrong_topic', parsed.channel, 'the kiosk does not receive this channel');
    }
  }

  private drop(reason: RejectReason, channel: string, detail: string): void {
    this.rejectedCounts.set(reason, (this.rejectedCounts.get(reason) ?? 0) + 1);
    this.options.log.warn({ reason, channel, detail }, 'message dropped');
    this.emit('rejected', { reason, channel });
  }
}
