/**
 * Where agent releases live on a kiosk (docs/fleet.md "Agent updates"), all under the state
 * directory because it is the only place the service may write (ProtectSystem=strict):
 *
 *   {stateDir}/agent/releases/{version}/   an unpacked release (release.json, device/, node_modules/)
 *   {stateDir}/agent/current  → releases/{version}   what boot.js starts; absent: the installed agent
 *   {stateDir}/agent/good     → releases/{version}   the last version that came up healthy;
 *                                                    absent: the installed agent is the good one
 *   {stateDir}/agent/update.json                     an update being tried, and how it went
 *
 * boot.js imports this from the installed agent, never from a release, so a broken release
 * cannot break the rollback.
 */
import { existsSync, mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileDurably } from '@loyalty/protocol/node';

export interface UpdateMarker {
  /** the update_agent command whose outcome this decides */
  commandId: string;
  /** the version that ran before, and its release directory (null: the installed agent) */
  from: string;
  fromRelease: string | null;
  to: string;
  startedAt: string;
  /** not healthy by then: roll back */
  deadline: string;
  /** starts allowed before it must be healthy */
  maxStarts: number;
  starts: number;
  /** trial: being tried; failed: the new version gave up on itself; rolled_back: the previous version is back */
  state: 'trial' | 'failed' | 'rolled_back';
  reason?: string;
  /** the error a start ended with, when boot.js saw it */
  lastError?: string;
}

export class AgentDir {
  readonly root: string;
  constructor(stateDir: string) {
    this.root = resolve(stateDir, 'agent');
  }
  get releases(): string {
    return join(this.root, 'releases');
  }
  releaseDir(version: string): string {
    return join(this.releases, version);
  }
  /** the release `current` points at, or null for the installed agent */
  current(): string | null {
    return this.target('current');
  }
  good(): string | null {
    return this.target('good');
  }
  /** Points `current` or `good` at a release (null: the installed agent), atomically. */
  point(link: 'current' | 'good', version: string | null): void {
    const path = join(this.root, link);
    if (version === null) {
      rmSync(path, { force: true });
      return;
    }
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    const temporary = `${path}.${process.pid}.tmp`;
    rmSync(temporary, { force: true });
    symlinkSync(join('releases', version), temporary);
    renameSync(temporary, path);
  }
  readMarker(): UpdateMarker | null {
    const path = join(this.root, 'update.json');
    if (!existsSync(path)) return null;
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as UpdateMarker;
    } catch {
      return null;
    }
  }
  writeMarker(marker: UpdateMarker): void {
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    writeFileDurably(join(this.root, 'update.json'), JSON.stringify(marker), 0o600);
  }
  clearMarker(): void {
    rmSync(join(this.root, 'update.json'), { force: true });
  }
  private target(link: string): string | null {
    try {
      const target = readlinkSync(join(this.root, link));
      const version = target.replace(/^releases\//, '');
      return existsSync(this.releaseDir(version)) ? version : null;
    } catch {
      return null;
    }
  }
}
