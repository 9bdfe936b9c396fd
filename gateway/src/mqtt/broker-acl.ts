/**
 * Who may publish and subscribe what on the broker (docs/security.md). Pure, so it is tested
 * on its own. A kiosk may publish only on its own req/ack/tele/state topics and subscribe only,
 * by exact topic, to its own res/cmd/config and its store's rules/hotlist. No wildcards, no
 * `$SYS`. The gateway may do anything but publish under `$SYS/`.
 */
import { KIOSK_PUBLISHES, KIOSK_READS, parseTopic, type KioskChannel } from '@loyalty/protocol';

export type Principal = { kind: 'gateway' } | { kind: 'kiosk'; kioskId: string; storeId: string };

export type AclDecision = { allowed: true } | { allowed: false; reason: string };

const allow: AclDecision = { allowed: true };
const deny = (reason: string): AclDecision => ({ allowed: false, reason });

// From the channel table in protocol/src/topics.ts, so the ACLs cannot drift from the wire contract.
const PUBLISHES = new Set<KioskChannel>(KIOSK_PUBLISHES);
const READS = new Set<KioskChannel>(KIOSK_READS);

export function mayPublish(principal: Principal, topic: string): AclDecision {
  if (topic.startsWith('$')) return deny('$ topics are reserved');
  if (principal.kind === 'gateway') return allow;
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
