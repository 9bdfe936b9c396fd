/**
 * The gateway's signing keys and their rotation with overlap (docs/security.md). Files in the data dir:
 *
 *   {id}.key           the active key: signs everything
 *   {id}.next.key      announced to kiosks, not yet used (after `gateway-key rotate`)
 *   {id}.previous.key  still announced after `gateway-key promote`, until `gateway-key retire`
 *   {id}.keyset.json   the announced set's version, bumped whenever the set changes
 *
 * Kiosks trust the set the gateway publishes, signed with a key they already trust, so every
 * step keeps at least one key both sides agree on. Each step takes effect at the next start.
 */
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { exportPublicKey, keyFingerprint, type KeyPair } from '@loyalty/protocol';
import { loadOrCreateKeyPair, writeFileDurably } from '@loyalty/protocol/node';

export interface GatewayKeys {
  active: KeyPair;
  /** public keys kiosks should trust, active first */
  announced: string[];
  version: number;
}

const paths = (dataDir: string, id: string) => ({
  active: join(dataDir, `${id}.key`),
  next: join(dataDir, `${id}.next.key`),
  previous: join(dataDir, `${id}.previous.key`),
  keyset: join(dataDir, `${id}.keyset.json`),
});

export function loadGatewayKeys(dataDir: string, id: string): GatewayKeys & { created: boolean } {
  const p = paths(dataDir, id);
  const { keys: active, created } = loadOrCreateKeyPair(p.active);
  const announced = [active, ...[p.next, p.previous].filter(existsSync).map((file) => loadOrCreateKeyPair(file).keys)].map((k) => exportPublicKey(k.publicKey));
  const stored = existsSync(p.keyset) ? (JSON.parse(readFileSync(p.keyset, 'utf8')) as { version: number; keys: string[] }) : { version: 0, keys: [] };
  let version = stored.version;
  if (stored.keys.join(',') !== announced.join(',')) {
    version += 1;
    writeFileDurably(p.keyset, JSON.stringify({ version, keys: announced }), 0o600);
  }
  return { active, announced, version, created };
}

/** Step 1: make the next key and announce it (from the next start on). */
export function rotateGatewayKey(dataDir: string, id: string): string {
  const { keys } = loadOrCreateKeyPair(paths(dataDir, id).next);
  return keyFingerprint(keys.publicKey);
}

/** Step 2, once kiosks hold the new set: sign with the next key; keep announcing the old one. */
export function promoteGatewayKey(dataDir: string, id: string): string {
  const p = paths(dataDir, id);
  if (!existsSync(p.next)) throw new Error('there is no next key: run `gateway-key rotate` first');
  if (existsSync(p.previous)) throw new Error('a previous key is still announced: run `gateway-key retire` first');
  renameSync(p.active, p.previous);
  renameSync(p.next, p.active);
  return keyFingerprint(loadOrCreateKeyPair(p.active).keys.publicKey);
}

/** Step 3: stop announcing the old key. */
export function retireGatewayKey(dataDir: string, id: string): boolean {
  const p = paths(dataDir, id);
  if (!existsSync(p.previous)) return false;
  rmSync(p.previous);
  return true;
}
