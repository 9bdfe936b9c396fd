/**
 * The gateway keys this kiosk trusts (docs/security.md), per gateway sender id (each replica is its own
 * signer): those from its pairing or config, replaced by newer key sets each gateway publishes on
 * the kiosk's config topic. A set is taken only when it names the sender that signed it with a
 * key already trusted (the link verified that), its version is newer, and it keeps at least one
 * key we trust, so trust passes from key to key and never jumps. Kept on disk (0600) next to the
 * pairing, so a restart keeps the current sets.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { GatewayKeySet, importPublicKey } from '@loyalty/protocol';
import { writeFileDurably, type Logger } from '@loyalty/protocol/node';

interface SenderKeys {
  version: number;
  keys: string[];
  objects: KeyObject[];
}

export class TrustedGatewayKeys {
  private readonly initial: KeyObject[];
  private readonly initialKeys: string[];
  private readonly senders = new Map<string, SenderKeys>();
  private readonly path: string;

  constructor(
    initial: string[],
    stateDir: string,
    private readonly log: Logger,
  ) {
    this.path = join(stateDir, 'gateway-keys.json');
    this.initialKeys = initial;
    this.initial = initial.map(importPublicKey);
    if (existsSync(this.path)) {
      const stored = JSON.parse(readFileSync(this.path, 'utf8')) as Record<string, { version: number; keys: string[] }>;
      for (const [sender, set] of Object.entries(stored)) this.senders.set(sender, { ...set, objects: set.keys.map(importPublicKey) });
    }
  }

  keysFor(sender: string): readonly KeyObject[] {
    return this.senders.get(sender)?.objects ?? this.initial;
  }

  /** Every key trusted now, of any gateway sender (a card token names no sender). */
  get all(): readonly KeyObject[] {
    return [...this.initial, ...[...this.senders.values()].flatMap((set) => set.objects)];
  }

  /** A verified key-set message from `signer`: true when its set was taken. */
  offer(signer: string, version: number, set: unknown): boolean {
    const parsed = GatewayKeySet.safeParse(set);
    if (!parsed.success || parsed.data.sender !== signer) {
      this.log.warn({ signer }, 'gateway key set ignored: it must name its signer and list Ed25519 keys');
      return false;
    }
    const keys = parsed.data.keys;
    const held = this.senders.get(signer);
    if (held && version <= held.version) return false;
    const trustedNow = held?.keys ?? this.initialKeys;
    if (!keys.some((k) => trustedNow.includes(k))) {
      this.log.error({ signer, version }, 'gateway key set ignored: it keeps none of the keys this kiosk trusts');
      return false;
    }
    this.senders.set(signer, { version, keys, objects: keys.map(importPublicKey) });
    writeFileDurably(this.path, JSON.stringify(Object.fromEntries([...this.senders].map(([s, v]) => [s, { version: v.version, keys: v.keys }]))), 0o600);
    this.log.info({ signer, version, keys: keys.length }, 'trusted gateway keys updated');
    return true;
  }
}
