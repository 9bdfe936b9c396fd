/**
 * Installing a signed agent release beside the running one (docs/fleet.md "Agent updates").
 * Nothing is unpacked before the release is proven: the signature over version, size and hash is
 * checked against the kiosk's own release keys first, then the download is held to the signed
 * size while it streams and to the signed hash at its end. Only then is it unpacked (files and
 * directories only, nothing outside its folder), checked for this kiosk's platform and Node ABI,
 * and `current` switched to it with an update marker that gives it its trial.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { ReleaseManifest, verifyReleaseSignature, type COMMAND_ARGS } from '@loyalty/protocol';
import type { Logger } from '@loyalty/protocol/node';
import type { z } from 'zod';
import type { AgentDir } from './agent-dir.js';

export type UpdateAgentArgs = z.output<(typeof COMMAND_ARGS)['update_agent']>;

/** An update that did not install; the message is the reason reported to the operator. */
export class UpdateError extends Error {
  override readonly name = 'UpdateError';
}

export interface InstallOptions {
  dir: AgentDir;
  /** the release keys this kiosk trusts (its config file's, never the gateway's word) */
  releaseKeys: readonly string[];
  runningVersion: string;
  commandId: string;
  healthDeadlineMs: number;
  maxStarts: number;
  downloadTimeoutMs: number;
  log: Logger;
  clock?: { now(): number };
}

export async function installRelease(release: UpdateAgentArgs, options: InstallOptions): Promise<void> {
  const { dir, log } = options;
  if (release.version === options.runningVersion) throw new UpdateError(`version ${release.version} is already running`);
  if (!verifyReleaseSignature(release, release.signature, options.releaseKeys)) {
    throw new UpdateError('the release signature does not verify with any release key this kiosk trusts; nothing was downloaded');
  }
  mkdirSync(dir.releases, { recursive: true, mode: 0o700 });
  const tarball = join(dir.root, `download-${release.version}.tgz`);
  const unpacked = join(dir.releases, `.unpacking-${release.version}`);
  try {
    await download(release, tarball, options.downloadTimeoutMs);
    rmSync(unpacked, { recursive: true, force: true });
    mkdirSync(unpacked, { mode: 0o700 });
    await unpack(tarball, unpacked);
    checkManifest(unpacked, release.version);
    const target = dir.releaseDir(release.version);
    rmSync(target, { recursive: true, force: true });
    renameSync(unpacked, target);
  } finally {
    rmSync(tarball, { force: true });
    rmSync(unpacked, { recursive: true, force: true });
  }
  const now = (options.clock ?? Date).now();
  const fromRelease = dir.current();
  dir.writeMarker({
    commandId: options.commandId,
    from: options.runningVersion,
    fromRelease,
    to: release.version,
    startedAt: new Date(now).toISOString(),
    deadline: new Date(now + options.healthDeadlineMs).toISOString(),
    maxStarts: options.maxStarts,
    starts: 0,
    state: 'trial',
  });
  dir.point('current', release.version);
  prune(dir, [release.version, fromRelease, dir.good()]);
  log.info({ from: options.runningVersion, to: release.version }, 'agent release installed; restarting into it');
}

async function download(release: UpdateAgentArgs, path: string, timeoutMs: number): Promise<void> {
  let response: Response;
  try {
    response = await fetch(release.url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new UpdateError(`cannot download ${release.url}: ${(error as Error).message}`);
  }
  if (!response.ok || !response.body) throw new UpdateError(`the download of ${release.url} failed: HTTP ${response.status}`);
  const hash = createHash('sha256');
  const file = createWriteStream(path, { mode: 0o600 });
  let size = 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      // Held to the signed size while it streams: a longer download stops here, not on a full disk.
      if (size > release.size) throw new UpdateError(`the download is larger than the signed ${release.size} bytes; it is not the signed release`);
      hash.update(chunk);
      if (!file.write(chunk)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
    }
  } catch (error) {
    throw error instanceof UpdateError ? error : new UpdateError(`the download of ${release.url} broke off: ${(error as Error).message}`);
  } finally {
    file.end();
    await finished(file).catch(() => undefined);
  }
  if (size !== release.size) throw new UpdateError(`the download has ${size} bytes, the signed release ${release.size}; it is not the signed release`);
  const digest = hash.digest('hex');
  if (digest !== release.sha256) throw new UpdateError('hash mismatch: the download is not the signed release (SHA-256 differs)');
}

async function unpack(tarball: string, into: string): Promise<void> {
  const refused: string[] = [];
  // Loaded here, not at start: the kiosk unpacks a release a few times a year and tar costs ~4 MiB resident (docs/benchmarks.md "kiosk").
  const { x: extract } = await import('tar');
  try {
    await extract({
      file: tarball,
      cwd: into,
      // Paths that climb out or are absolute are errors, not warnings.
      strict: true,
      preserveOwner: false,
      filter: (path, entry) => {
        const type = 'type' in entry ? entry.type : 'File';
        if (type === 'File' || type === 'OldFile' || type === 'Directory') return true;
        refused.push(`${path} (${type})`);
        return false;
      },
    });
  } catch (error) {
    throw new UpdateError(`the release cannot be unpacked: ${(error as Error).message}`);
  }
  if (refused.length) throw new UpdateError(`a release holds only files and directories; it has ${refused.slice(0, 3).join(', ')}`);
}

function checkManifest(unpacked: string, version: string): void {
  let manifest: ReleaseManifest;
  try {
    manifest = ReleaseManifest.parse(JSON.parse(readFileSync(join(unpacked, 'release.json'), 'utf8')));
  } catch {
    throw new UpdateError('the release has no valid release.json');
  }
  if (manifest.name !== 'loyalty-kiosk-agent') throw new UpdateError(`the tarball is a ${manifest.name} release, not the kiosk agent`);
  if (manifest.version !== version) throw new UpdateError(`the release says it is version ${manifest.version}, the command ${version}`);
  const platform = `${process.platform}-${process.arch}`;
  if (manifest.platform !== platform) throw new UpdateError(`the release is built for ${manifest.platform}; this kiosk is ${platform}`);
  if (manifest.nodeAbi !== process.versions.modules)
    throw new UpdateError(`the release is built for Node ABI ${manifest.nodeAbi}; this kiosk runs ${process.versions.modules} (Node ${process.version})`);
  if (!existsSync(join(unpacked, 'device', 'dist', 'main.js'))) throw new UpdateError('the release has no device/dist/main.js');
}

/** Keeps the releases in use (current, the one to go back to, the last healthy one); removes the rest. */
function prune(dir: AgentDir, keep: Array<string | null>): void {
  for (const name of readdirSync(dir.releases)) {
    if (!keep.includes(name)) rmSync(dir.releaseDir(name), { recursive: true, force: true });
  }
}
