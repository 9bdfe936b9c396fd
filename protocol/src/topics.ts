/**
 * Every MQTT topic of the wire contract (docs/protocol.md) is spelled here and nowhere else.
 *
 *   loyalty/v1/k/{kioskId}/{req|res|cmd|ack|tele|state|config|desired}
 *   loyalty/v1/s/{storeId}/{rules|hotlist|staff}
 */
export const TOPIC_ROOT = 'loyalty/v1';

export const KIOSK_CHANNELS = ['req', 'res', 'cmd', 'ack', 'tele', 'state', 'config', 'desired'] as const;
export const STORE_CHANNELS = ['rules', 'hotlist', 'staff'] as const;
export type KioskChannel = (typeof KIOSK_CHANNELS)[number];
export type StoreChannel = (typeof STORE_CHANNELS)[number];

/** Ids become topic levels, so they must never contain `/`, `+`, `#` or `$`. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

function assertId(kind: string, id: string): void {
  if (!isValidId(id)) throw new Error(`${kind} id ${JSON.stringify(id)} is not valid: use 1-64 of A-Z a-z 0-9 _ -`);
}

export interface ChannelSpec {
  /** who publishes on it */
  from: 'kiosk' | 'gateway';
  retained: boolean;
  /** the largest signed message accepted on it, in bytes */
  maxBytes: number;
}

const KIB = 1024;

export const CHANNEL_SPECS: Record<KioskChannel | StoreChannel, ChannelSpec> = {
  req: { from: 'kiosk', retained: false, maxBytes: 16 * KIB },
  res: { from: 'gateway', retained: false, maxBytes: 64 * KIB },
  cmd: { from: 'gateway', retained: false, maxBytes: 16 * KIB },
  ack: { from: 'kiosk', retained: false, maxBytes: 16 * KIB },
  tele: { from: 'kiosk', retained: false, maxBytes: 16 * KIB },
  state: { from: 'kiosk', retained: true, maxBytes: 4 * KIB },
  config: { from: 'gateway', retained: true, maxBytes: 64 * KIB },
  /** the operator's desired configuration for this kiosk (docs/fleet.md "Configuration") */
  desired: { from: 'gateway', retained: true, maxBytes: 16 * KIB },
  rules: { from: 'gateway', retained: true, maxBytes: 1024 * KIB },
  hotlist: { from: 'gateway', retained: true, maxBytes: 4096 * KIB },
  /** the store's staff cards (docs/staff.md) */
  staff: { from: 'gateway', retained: true, maxBytes: 256 * KIB },
};

/** The channels a kiosk publishes on (its own topics): also what the gateway subscribes to for every kiosk. */
export const KIOSK_PUBLISHES = KIOSK_CHANNELS.filter((c) => CHANNEL_SPECS[c].from === 'kiosk');
/** The channels of its own a kiosk reads (the gateway publishes on them). */
export const KIOSK_READS = KIOSK_CHANNELS.filter((c) => CHANNEL_SPECS[c].from === 'gateway');
/** The store channels a kiosk reads (its own store's only). */
export const KIOSK_STORE_READS = STORE_CHANNELS.filter((c) => CHANNEL_SPECS[c].from === 'gateway');

/** A kiosk's MQTT client id: one session per kiosk, which brokers enforce at login. */
export function kioskClientId(kioskId: string): string {
  assertId('kiosk', kioskId);
  return `kiosk-${kioskId}`;
}

/** Every topic a kiosk subscribes to, exactly (no wildcards: the ACLs allow none). */
export function kioskSubscriptions(kioskId: string, storeId: string): string[] {
  return [...KIOSK_READS.map((c) => kioskTopic(kioskId, c)), ...KIOSK_STORE_READS.map((c) => storeTopic(storeId, c))];
}

export function kioskTopic(kioskId: string, channel: KioskChannel): string {
  assertId('kiosk', kioskId);
  return `${TOPIC_ROOT}/k/${kioskId}/${channel}`;
}

export function storeTopic(storeId: string, channel: StoreChannel): string {
  assertId('store', storeId);
  return `${TOPIC_ROOT}/s/${storeId}/${channel}`;
}

/** The gateway's subscription filter for one channel of every kiosk. */
export function allKiosksFilter(channel: KioskChannel): string {
  return `${TOPIC_ROOT}/k/+/${channel}`;
}

/**
 * MQTT shared subscription (`$share/{group}/{filter}`): replicas of the gateway on an external
 * broker split the request load between them (docs/deployment-at-scale.md).
 */
export function sharedFilter(group: string, filter: string): string {
  assertId('share group', group);
  return `$share/${group}/${filter}`;
}

export type ParsedTopic = { scope: 'kiosk'; kioskId: string; channel: KioskChannel } | { scope: 'store'; storeId: string; channel: StoreChannel };

/** Parses a concrete topic (no wildcards). Returns null for anything outside the contract. */
export function parseTopic(topic: string): ParsedTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return null;
  const [, , scope, id, channel] = parts as [string, string, string, string, string];
  if (!isValidId(id)) return null;
  if (scope === 'k' && (KIOSK_CHANNELS as readonly string[]).includes(channel)) {
    return { scope: 'kiosk', kioskId: id, channel: channel as KioskChannel };
  }
  if (scope === 's' && (STORE_CHANNELS as readonly string[]).includes(channel)) {
    return { scope: 'store', storeId: id, channel: channel as StoreChannel };
  }
  return null;
}

export function channelSpec(parsed: ParsedTopic): ChannelSpec {
  return CHANNEL_SPECS[parsed.channel];
}
