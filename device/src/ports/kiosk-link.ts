/**
 * The kiosk's link to the gateway, as the rest of the kiosk sees it: signed messages out on the
 * kiosk's own channels, verified and schema-checked messages in as typed events. The real one is
 * MQTT (link/gateway-link.ts); tests use an in-memory one (emulated/kiosk-link.ts).
 */
import type { EventEmitter } from 'node:events';
import type { Ack, Command, DesiredConfig, DesiredKioskConfig, Hotlist, InvalidRequestReply, RejectReason, Reply, Request, RulesBundle, StaffList, Telemetry } from '@loyalty/protocol';

export interface KioskLinkEvents {
  connected: [];
  disconnected: [];
  /** a reply whose data was checked against its kind (a mismatch arrives as a bad_reply error) */
  reply: [Reply | InvalidRequestReply];
  command: [Command];
  /** with the raw signed message and the sender that signed it (the key set in it applies to that sender) */
  config: [DesiredConfig, string, string];
  /** retained store messages come with the raw signed message, for caching on disk */
  rules: [RulesBundle, string];
  hotlist: [Hotlist, string];
  staff: [StaffList, string];
  /** the operator's desired configuration (docs/fleet.md "Configuration") */
  desired: [DesiredKioskConfig, string];
  rejected: [{ reason: RejectReason | 'malformed'; channel: string }];
  /** the broker refused this kiosk's login (revoked, or its credentials are wrong) */
  refused: [{ code: number; message: string }];
}

/** What the kiosk publishes on each of its outbound channels (`state` is the link's own business). */
export interface OutboundBodies {
  req: Request;
  ack: Ack;
  tele: Telemetry;
}

export interface KioskLink extends EventEmitter<KioskLinkEvents> {
  readonly connected: boolean;
  /** dropped incoming messages by reason, reported in telemetry */
  readonly rejectedCounts: ReadonlyMap<string, number>;
  /** starts connecting and returns at once: a kiosk must work (offline) without the gateway */
  start(): void;
  stop(): Promise<void>;
  /** publishes a signed message; false when offline or the publish failed */
  send<C extends keyof OutboundBodies>(channel: C, body: OutboundBodies[C]): Promise<boolean>;
  /** reconnects with a freshly signed last will (after a key rotation); resolves when back online */
  renewSession(timeoutMs?: number): Promise<void>;
  /** verifies a signed message kept on disk; its body, or null */
  verifyStored(topic: string, raw: string): unknown;
}
