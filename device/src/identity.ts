import { join } from 'node:path';
import { exportPublicKey, keyFingerprint, type KeyPair } from '@loyalty/protocol';
import { fileSequence, loadOrCreateKeyPair } from '@loyalty/protocol/node';
import type { BlockSequence } from '@loyalty/protocol';

/** The kiosk's Ed25519 identity: made on first start in its state directory (mode 0600). */
export interface KioskIdentity {
  keys: KeyPair;
  publicKey: string;
  fingerprint: string;
  created: boolean;
}

export function loadKioskIdentity(stateDir: string): KioskIdentity {
  const { keys, created } = loadOrCreateKeyPair(kioskKeyPath(stateDir));
  return { keys, publicKey: exportPublicKey(keys.publicKey), fingerprint: keyFingerprint(keys.publicKey), created };
}

export const kioskKeyPath = (stateDir: string) => join(stateDir, 'kiosk.key');
/** A new key waiting for the gateway to accept it (see Kiosk.rotateKey). */
export const nextKeyPath = (stateDir: string) => join(stateDir, 'kiosk.next.key');

export function kioskSequence(stateDir: string): BlockSequence {
  return fileSequence(join(stateDir, 'kiosk.seq'));
}
