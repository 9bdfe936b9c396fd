import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** Ed25519 keys. Public keys travel as the 32 raw bytes in base64url (the JWK `x` member). */
export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function generateKeyPair(): KeyPair {
  return generateKeyPairSync('ed25519');
}

export function exportPublicKey(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 public key');
  return jwk.x;
}

/** Throws on anything that is not a 32-byte Ed25519 public key (config/enrollment input). */
export function importPublicKey(x: string): KeyObject {
  if (!/^[A-Za-z0-9_-]{43}$/.test(x)) throw new Error('an Ed25519 public key is 43 base64url characters');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
}

export function exportPrivateKeyPem(privateKey: KeyObject): string {
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

export function importPrivateKeyPem(pem: string): KeyPair {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the key file does not hold an Ed25519 private key');
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** A short, human-comparable fingerprint: SHA-256 of the raw key, first 8 bytes as hex pairs. */
export function keyFingerprint(publicKey: KeyObject): string {
  const raw = Buffer.from(exportPublicKey(publicKey), 'base64url');
  return createHash('sha256').update(raw).digest('hex').slice(0, 16).match(/../g)!.join(':');
}
