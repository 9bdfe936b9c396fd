/**
 * `npm run admin -- release keygen|build|sign|upload` (docs/fleet.md "Agent updates"). Each step
 * is separate so the release key can stay on the machine that signs (offline, if you like):
 * build anywhere of the kiosks' platform, carry the tarball to the signer, upload from anywhere.
 * `<tarball>.json` beside the tarball carries the version and, once signed, the signature; size
 * and hash are always computed from the tarball itself.
 */
import { createHash } from 'node:crypto';
import { existsSync, openAsBlob, readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ReleaseVersion, exportPrivateKeyPem, exportPublicKey, generateKeyPair, importPrivateKeyPem, signRelease } from '@loyalty/protocol';
import { buildRelease } from './release-build.js';

export const RELEASE_USAGE = `  npm run admin -- release keygen --key FILE           a release key pair: the private key to FILE (0600), the public key printed
  npm run admin -- release build [--version V] [--out DIR]   the agent as a tarball (build on the kiosks' platform)
  npm run admin -- release sign TARBALL --key FILE      sign it with a release key
  npm run admin -- release upload TARBALL --gateway URL  upload to a gateway (admin token in LOYALTY_ADMIN_TOKEN)`;

interface Sidecar {
  version: string;
  signature?: string;
}

export interface ReleaseCliOptions {
  key?: string;
  version?: string;
  out?: string;
  gateway?: string;
  token?: string;
}

/** Runs one release step; returns the exit code. */
export async function releaseCommand(step: string | undefined, file: string | undefined, options: ReleaseCliOptions, out: (text: string) => void): Promise<number> {
  switch (step) {
    case 'keygen': {
      if (!options.key) throw new Error('release keygen needs --key FILE (where the private key goes)');
      if (existsSync(options.key)) throw new Error(`${options.key} exists; a release key is never overwritten`);
      const pair = generateKeyPair();
      writeFileSync(options.key, exportPrivateKeyPem(pair.privateKey), { mode: 0o600 });
      out(
        `release key written to ${options.key} (keep it off the gateway and the kiosks)\npublic key, for updates.releaseKeys in kiosk configs and fleet.releaseKeys in the gateway's:\n${exportPublicKey(pair.publicKey)}\n`,
      );
      return 0;
    }
    case 'build': {
      if (options.version !== undefined) ReleaseVersion.parse(options.version);
      const built = await buildRelease({ root: process.cwd(), outDir: resolve(options.out ?? '.'), version: options.version });
      writeFileSync(`${built.file}.json`, `${JSON.stringify({ version: built.version } satisfies Sidecar)}\n`);
      out(`${built.file}\n  version ${built.version}, ${built.size} bytes, SHA-256 ${built.sha256}\n  sign it: npm run admin -- release sign ${built.file} --key FILE\n`);
      return 0;
    }
    case 'sign': {
      if (!file || !options.key) throw new Error('release sign needs TARBALL and --key FILE');
      const sidecar = readSidecar(file);
      const facts = { version: sidecar.version, ...measure(file) };
      const signature = signRelease(facts, importPrivateKeyPem(readFileSync(options.key, 'utf8')).privateKey);
      writeFileSync(`${file}.json`, `${JSON.stringify({ ...sidecar, signature } satisfies Sidecar)}\n`);
      out(`signed ${file}: version ${facts.version}, ${facts.size} bytes, SHA-256 ${facts.sha256}\n`);
      return 0;
    }
    case 'upload': {
      if (!file || !options.gateway) throw new Error('release upload needs TARBALL and --gateway URL');
      if (!options.token) throw new Error('release upload needs an admin token in LOYALTY_ADMIN_TOKEN');
      const sidecar = readSidecar(file);
      if (!sidecar.signature) throw new Error(`${file} is not signed yet: npm run admin -- release sign ${file} --key FILE`);
      const url = new URL(`/api/v1/releases?version=${encodeURIComponent(sidecar.version)}&signature=${sidecar.signature}`, options.gateway);
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/gzip' },
          body: await openAsBlob(file),
        });
      } catch (error) {
        throw new Error(`cannot reach the gateway at ${options.gateway}: ${(error as Error).message}`);
      }
      const body = (await response.json().catch(() => ({}))) as { message?: string; version?: string };
      if (!response.ok) throw new Error(`the gateway refused the release (HTTP ${response.status}): ${body.message ?? 'no reason given'}`);
      out(`uploaded release ${body.version}; roll it out with POST /api/v1/stores/{id}/commands {"type":"update_agent","args":{"version":"${body.version}"}}, a canary store first\n`);
      return 0;
    }
    default:
      return 2;
  }
}

function readSidecar(file: string): Sidecar {
  try {
    const sidecar = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as Sidecar;
    ReleaseVersion.parse(sidecar.version);
    return sidecar;
  } catch (error) {
    throw new Error(`cannot read ${file}.json (written by release build): ${(error as Error).message}`);
  }
}

function measure(file: string): { size: number; sha256: string } {
  return { size: statSync(file).size, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
}
