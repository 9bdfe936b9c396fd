/**
 * What boot.js starts (docs/fleet.md "Agent updates"), on a real state directory: the release
 * `current` points at; a release on trial until it has used its starts or its time, then the
 * version that ran before — a release, or the installed agent — with the reason kept for that
 * version to report; and a release that gave up on itself goes back the same way.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentDir, chooseRelease, noteStartError, type UpdateMarker } from '@loyalty/device';
import { tempDir } from '../support/system.js';

const NOW = new Date('2026-11-29T12:00:00Z');

function layout(...versions: string[]): AgentDir {
  const state = tempDir('boot');
  dirs.push(state);
  const dir = new AgentDir(state.path);
  for (const version of versions) mkdirSync(join(dir.releases, version), { recursive: true });
  return dir;
}
const dirs: Array<{ remove: () => void }> = [];

function trial(overrides: Partial<UpdateMarker> = {}): UpdateMarker {
  return {
    commandId: 'c-1',
    from: '1.0.0',
    fromRelease: '1.0.0',
    to: '1.1.0',
    startedAt: '2026-11-29T11:59:00Z',
    deadline: '2026-11-29T12:01:00Z',
    maxStarts: 2,
    starts: 0,
    state: 'trial',
    ...overrides,
  };
}

describe('boot decision', () => {
  afterEach(() => {
    for (const dir of dirs.splice(0)) dir.remove();
  });

  it('starts the installed agent with nothing installed, and the release current points at otherwise', () => {
    const dir = layout('1.0.0');
    expect(chooseRelease(dir, NOW)).toEqual({ release: null });
    dir.point('current', '1.0.0');
    expect(chooseRelease(dir, NOW)).toEqual({ release: '1.0.0' });
  });

  it('counts the starts of a release on trial and rolls back to the release before it when they are used up, with the last error', () => {
    const dir = layout('1.0.0', '1.1.0');
    dir.point('current', '1.1.0');
    dir.writeMarker(trial());
    expect(chooseRelease(dir, NOW)).toEqual({ release: '1.1.0' });
    noteStartError(dir, new Error('boom'));
    expect(chooseRelease(dir, NOW)).toEqual({ release: '1.1.0' });
    expect(dir.readMarker()).toMatchObject({ starts: 2, lastError: 'Error: boom' });
    const third = chooseRelease(dir, NOW);
    expect(third).toMatchObject({ release: '1.0.0', rolledBack: { state: 'rolled_back' } });
    expect(dir.current()).toBe('1.0.0');
    expect(dir.readMarker()).toMatchObject({ state: 'rolled_back', reason: 'version 1.1.0 started 2 times without becoming healthy (last error: Error: boom)' });
  });

  it('goes back to the installed agent when that is what ran before, once the deadline has passed', () => {
    const dir = layout('1.1.0');
    dir.point('current', '1.1.0');
    dir.writeMarker(trial({ fromRelease: null, deadline: '2026-11-29T11:59:30Z' }));
    expect(chooseRelease(dir, NOW)).toMatchObject({ release: null, rolledBack: { reason: 'version 1.1.0 was not healthy by 2026-11-29T11:59:30Z' } });
    expect(dir.current()).toBeNull();
  });

  it('rolls back a release that gave up on itself, with its reason', () => {
    const dir = layout('1.0.0', '1.1.0');
    dir.point('current', '1.1.0');
    dir.writeMarker(trial({ state: 'failed', reason: 'version 1.1.0 did not connect to the gateway and report within 120 s', starts: 1 }));
    expect(chooseRelease(dir, NOW)).toMatchObject({ release: '1.0.0', rolledBack: { reason: 'version 1.1.0 did not connect to the gateway and report within 120 s' } });
    expect(dir.readMarker()?.state).toBe('rolled_back');
  });

  it('starts what current points at when a rolled-back marker waits to be reported', () => {
    const dir = layout('1.0.0');
    dir.point('current', '1.0.0');
    dir.writeMarker(trial({ state: 'rolled_back', reason: 'x' }));
    expect(chooseRelease(dir, NOW)).toEqual({ release: '1.0.0' });
  });
});
