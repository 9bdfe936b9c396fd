/**
 * Who may publish and subscribe what on the broker (docs/security.md). Pure, so it is tested
 * on its own. A kiosk may publish only on its own req/ack/tele/state topics and subscribe only,
 * by exact topic, to its own res/cmd/config and its store's rules/hotlist. No wildcards, no
 * `$SYS`. The gateway may do anything but publish under `$SYS/`.
 */
import { CHANNEL_SPECS, KIOSK_PUBLISHES, KIOSK_READS, parseTopic, type KioskChannel } from '@loyalty/protocol';

export type Principal = { kind: 'gateway' } | { kind: 'kiosk'; kioskId: string; storeId: string };

export type AclDecision = { allowed: true } | { allowed: false; reason: string };

const allow: AclDecision = { allowed: true };
const deny = (reason: string): AclDecision => ({ allowed: false, reason });

// From the channel table in protocol/src/topics.ts, so the ACLs cannot drift from the wire contract.
const PUBLISHES = new Set<KioskChannel>(KIOSK_PUBLISHES);
const READS = new Set<KioskChannel>(KIOSK_READS);

/** What the broker knows of a publish besides its topic (the external hooks may not say). */
export interface PublishFacts {
  retain: boolean;
  bytes: number;
}

/**
 * Retained messages only where the protocol keeps them, and no message larger than its channel
 * allows: a retained message is redelivered to every subscriber for as long as it stands, so a
 * 10 MB one on a kiosk's `state` would cost every reconnect 10 MB.
 */
function fitsChannel(topic: string, facts: PublishFacts): AclDecision {
  const parsed = parseTopic(topic);
  if (!parsed) return facts.retain ? deny('retained messages only on the protocol’s retained topics') : allow;
  const spec = CHANNEL_SPECS[parsed.channel];
  if (facts.retain && !spec.retained) return deny(`${parsed.channel} is not a retained topic`);
  if (facts.bytes > spec.maxBytes) return deny(`${parsed.channel} messages are at most ${spec.maxBytes} bytes`);
  return allow;
}

export function mayPublish(principal: Principal, topic: string, facts?: PublishFacts): AclDecision {
  if (topic.startsWith('$')) return deny('$ topics are reserved');
  // The gateway is trusted with its own topics; the message layer checks what it sends anyway.
  if (principal.kind === 'gateway') return allow;
  const fits = facts ? fitsChannel(topic, facts) : allow;
  if (!fits.allowed) return fits;
  const parsed = parseTopic(topic);
  if (!parsed) return deny('not a loyalty topic');
  if (parsed.scope !== 'kiosk' || parsed.kioskId !== principal.kioskId) return deny('not this kiosk’s topic');
  return PUBLISHES.has(parsed.channel) ? allow : deny(`kiosks do not publish on ${parsed.channel}`);
}

export function maySubscribe(principal: Principal, filter: string): AclDecision {
  if (principal.kind === 'gateway') return filter.startsWith('$SYS') ? deny('$SYS is not for clients') : allow;
  if (/[+#]/.test(filter) || filter.startsWith('$')) return deny('kiosks may not use wildcards, shared or $ subscriptions');
  const parsed = parseTopic(filter);
  if (!parsed) return deny('not a loyalty topic');
  if (parsed.scope === 'kiosk') {
    return parsed.kioskId === principal.kioskId && READS.has(parsed.channel) ? allow : deny('not this kiosk’s topic');
  }
  return parsed.storeId === principal.storeId ? allow : deny('not this kiosk’s store');
}
