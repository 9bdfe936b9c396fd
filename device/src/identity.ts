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
  const { keys, created } = loadOrCreateKeyPair(join(stateDir, 'kiosk.key'));
  return { keys, publicKey: exportPublicKey(keys.publicKey), fingerprint: keyFingerprint(keys.publicKey), created };
}

export function kioskSequence(stateDir: string): BlockSequence {
  return fileSequence(join(stateDir, 'kiosk.seq'));
}
