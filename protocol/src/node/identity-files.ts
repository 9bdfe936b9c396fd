/**
 * The two small files each signer keeps in its state directory: its Ed25519 private key (mode
 * 0600, never sent anywhere) and its sequence reservation. Kiosk and gateway both need them, so
 * they live here, in a separate `@loyalty/protocol/node` entry point: the main protocol entry
 * stays pure (no file I/O).
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportPrivateKeyPem, generateKeyPair, importPrivateKeyPem, type KeyPair } from '../keys.js';
import { BlockSequence } from '../sequence.js';

/** Writes to a temp file, fsyncs, then renames: a crash leaves the old or the new file, never half. */
export function writeFileDurably(path: string, text: string | Uint8Array, mode = 0o600): void {
  // Keys and cached state: a directory this creates is the owner's alone.
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    if (typeof text === 'string') writeSync(fd, text);
    else writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dirFd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** Loads the key at `path`, or makes one there on first start. */
export function loadOrCreateKeyPair(path: string): { keys: KeyPair; created: boolean } {
  if (existsSync(path)) {
    try {
      return { keys: importPrivateKeyPem(readFileSync(path, 'utf8')), created: false };
    } catch (error) {
      throw new Error(`key file ${path} is unreadable or not an Ed25519 key (${(error as Error).message}); restore it from backup or re-enroll`, { cause: error });
    }
  }
  const keys = generateKeyPair();
  writeFileDurably(path, exportPrivateKeyPem(keys.privateKey), 0o600);
  return { keys, created: true };
}

/** A BlockSequence whose reservations are kept in a file. */
export function fileSequence(path: string, blockSize = 1000): BlockSequence {
  let persisted = 0;
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8').trim();
    if (!/^\d+$/.test(text)) throw new Error(`sequence file ${path} is corrupt; delete it only together with re-enrolling this sender`);
    persisted = Number(text);
  }
  return new BlockSequence(persisted, (upTo) => writeFileDurably(path, String(upTo)), blockSize);
}
