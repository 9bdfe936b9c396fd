/**
 * Signed agent releases (docs/fleet.md "Agent updates"). A release is a tarball of the built
 * agent; its signature is an Ed25519 signature with a release key over the version, the size and
 * the SHA-256 of the tarball's bytes. Release keys are not gateway keys: a kiosk lists the release
 * keys it trusts in its own config file, so whoever controls a gateway still cannot make kiosks
 * run code nobody with a release key signed.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { importPublicKey } from './keys.js';

/** semver without build metadata: 1.2.3 or 1.2.3-rc.1 */
export const RELEASE_VERSION = /^\d{1,5}\.\d{1,5}\.\d{1,5}(?:-[0-9A-Za-z.-]{1,32})?$/;

export const ReleaseVersion = z.string().regex(RELEASE_VERSION, 'a release version such as 1.2.3 or 1.2.3-rc.1');
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'the SHA-256 of the tarball, 64 lowercase hex digits');
/** an Ed25519 signature, base64url */
export const ReleaseSignature = z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'an Ed25519 signature, 86 characters of base64url');

export interface ReleaseFacts {
  version: string;
  size: number;
  sha256: string;
}

/** What a release key signs: the three facts, each on its own line, under a domain tag. */
export function releaseSigningInput(release: ReleaseFacts): Buffer {
  return Buffer.from(`loyalty-kiosk agent release v1\n${release.version}\n${release.size}\n${release.sha256}\n`, 'utf8');
}

/** Signs a release's facts with a release key (the admin CLI's `release sign`). */
export function signRelease(release: ReleaseFacts, privateKey: KeyObject): string {
  return sign(null, releaseSigningInput(release), privateKey).toString('base64url');
}

/** True when one of the trusted release keys (base64url Ed25519) signed these facts. */
export function verifyReleaseSignature(release: ReleaseFacts, signature: string, trustedKeys: readonly string[]): boolean {
  const input = releaseSigningInput(release);
  const bytes = Buffer.from(signature, 'base64url');
  return trustedKeys.some((key) => {
    try {
      return verify(null, input, importPublicKey(key), bytes);
    } catch {
      return false;
    }
  });
}

/**
 * release.json at the top of every release tarball: what it is and what it runs on. An agent
 * update is a `loyalty-kiosk-agent`; `npm run release` also makes a `loyalty-gateway` tarball,
 * installed by unpacking it (docs/operator-guide.md).
 */
export const ReleaseManifest = z.object({
  name: z.enum(['loyalty-kiosk-agent', 'loyalty-gateway']),
  version: ReleaseVersion,
  /** `${process.platform}-${process.arch}`: native addons are built for one */
  platform: z.string().min(1).max(40),
  /** process.versions.modules: the Node ABI the native addons were built for */
  nodeAbi: z.string().regex(/^\d{1,4}$/),
  builtAt: z.string(),
});
export type ReleaseManifest = z.infer<typeof ReleaseManifest>;
