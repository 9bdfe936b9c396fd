/**
 * The kiosk's journal as a hash chain (docs/offline.md "The journal"): every state-changing
 * request a kiosk journals carries its link — its place in the kiosk's sequence, the hash of the
 * link before it, and the kiosk key's signature over its own hash:
 *
 *   hash(n) = SHA-256(hash(n-1) "\n" canonical JSON of the request without its link)
 *   sig(n)  = Ed25519(kiosk key, "loyalty-journal:v1:" kioskId ":" n ":" hash(n))
 *
 * The gateway recomputes each hash on upload and keeps the links, so an operation removed from
 * a kiosk's journal (or changed) shows as a gap or a broken link, never as silence.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson, sha256Hex } from './canonical.js';

export const JOURNAL_GENESIS = '0'.repeat(64);

export const JournalLink = z.strictObject({
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  prev: z.string().regex(/^[0-9a-f]{64}$/),
  sig: z.string().regex(/^[A-Za-z0-9_-]{86}$/),
});
export type JournalLink = z.infer<typeof JournalLink>;

/** The hash of a request's link, from the hash before it (the request's own `journal` left out). */
export function journalHash(prev: string, request: object): string {
  const { journal: _link, ...rest } = request as { journal?: unknown };
  return sha256Hex(`${prev}\n${canonicalJson(rest)}`);
}

function signingInput(kioskId: string, seq: number, hash: string): Buffer {
  return Buffer.from(`loyalty-journal:v1:${kioskId}:${seq}:${hash}`);
}

export function signJournalLink(kioskId: string, seq: number, hash: string, privateKey: KeyObject): string {
  return sign(null, signingInput(kioskId, seq, hash), privateKey).toString('base64url');
}

export function verifyJournalLink(kioskId: string, link: JournalLink, hash: string, keys: readonly KeyObject[]): boolean {
  const signature = Buffer.from(link.sig, 'base64url');
  return keys.some((key) => verify(null, signingInput(kioskId, link.seq, hash), key, signature));
}
