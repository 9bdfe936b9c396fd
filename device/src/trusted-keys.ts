/**
 * The gateway keys this kiosk trusts (issue 6): those from its pairing or config, replaced by
 * newer key sets the gateway publishes on the kiosk's config topic. A set is taken only when a
 * key already trusted signed it (the link verified that), its version is newer, and it keeps at
 * least one key we trust, so trust passes from key to key and never jumps. Kept on disk (0600)
 * next to the pairing, so a restart keeps the current set.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { importPublicKey } from '@loyalty/protocol';
import { writeFileDurably, type Logger } from '@loyalty/protocol/node';

export class TrustedGatewayKeys {
  private version = 0;
  private keys: string[];
  private objects: KeyObject[];
  private readonly path: string;

  constructor(
    initial: string[],
    stateDir: string,
    private readonly log: Logger,
  ) {
    this.path = join(stateDir, 'gateway-keys.json');
    this.keys = initial;
    if (existsSync(this.path)) {
      const stored = JSON.parse(readFileSync(this.path, 'utf8')) as { version: number; keys: string[] };
      this.version = stored.version;
      this.keys = stored.keys;
    }
    this.objects = this.keys.map(importPublicKey);
  }

  get current(): readonly KeyObject[] {
    return this.objects;
  }

  /** A verified key set from the gateway: true when it was taken. */
  offer(version: number, keys: unknown): boolean {
    if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string' && /^[A-Za-z0-9_-]{43}$/.test(k))) {
      this.log.warn('gateway key set ignored: not a list of Ed25519 keys');
      return false;
    }
    if (version <= this.version) return false;
    if (!keys.some((k) => this.keys.includes(k))) {
      this.log.error({ version }, 'gateway key set ignored: it keeps none of the keys this kiosk trusts');
      return false;
    }
    const objects = (keys as string[]).map(importPublicKey);
    writeFileDurably(this.path, JSON.stringify({ version, keys }), 0o600);
    this.version = version;
    this.keys = keys as string[];
    this.objects = objects;
    this.log.info({ version, keys: keys.length }, 'trusted gateway keys updated');
    return true;
  }
}
