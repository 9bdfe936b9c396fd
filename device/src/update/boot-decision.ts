/**
 * What boot.js starts (docs/fleet.md "Agent updates"): the release `current` points at, unless an
 * update on trial has used up its starts or its time, or gave up on itself — then `current` goes
 * back to the version that ran before and the marker says why, for the restored version to
 * report. Runs from the installed agent, before any release is loaded.
 */
import type { AgentDir, UpdateMarker } from './agent-dir.js';

export interface BootChoice {
  /** the release to start, or null for the installed agent */
  release: string | null;
  /** set when this start rolled an update back */
  rolledBack?: UpdateMarker;
}

export function chooseRelease(dir: AgentDir, now: Date): BootChoice {
  const marker = dir.readMarker();
  if (marker?.state === 'trial') {
    const starts = marker.starts + 1;
    const timedOut = now.getTime() > Date.parse(marker.deadline);
    if (starts > marker.maxStarts || timedOut) {
      const reason = timedOut
        ? `version ${marker.to} was not healthy by ${marker.deadline}`
        : `version ${marker.to} started ${marker.starts} times without becoming healthy${marker.lastError ? ` (last error: ${marker.lastError})` : ''}`;
      return rollBack(dir, marker, reason);
    }
    dir.writeMarker({ ...marker, starts });
  } else if (marker?.state === 'failed') {
    return rollBack(dir, marker, marker.reason ?? `version ${marker.to} gave up`);
  }
  return { release: dir.current() };
}

function rollBack(dir: AgentDir, marker: UpdateMarker, reason: string): BootChoice {
  // Back to exactly what ran before the update (null: the installed agent).
  const previous = marker.fromRelease;
  dir.point('current', previous);
  const rolledBack: UpdateMarker = { ...marker, state: 'rolled_back', reason };
  dir.writeMarker(rolledBack);
  return { release: previous, rolledBack };
}

/**
 * Gives a release on trial until its deadline, from inside the process that runs it: if the
 * marker still says `trial` then, the release neither became healthy nor gave up (it hangs, or
 * cannot reach the gateway), so it is marked failed and the process exits for boot.js to roll
 * it back at the next start. A release that blocks its event loop is systemd's watchdog's case.
 */
export function armDeadline(dir: AgentDir, release: string, exit: (code: number) => void, now = Date.now()): NodeJS.Timeout | null {
  const marker = dir.readMarker();
  if (marker?.state !== 'trial' || marker.to !== release) return null;
  const timer = setTimeout(
    () => {
      const current = dir.readMarker();
      if (current?.state !== 'trial' || current.to !== release) return;
      const seconds = Math.round((Date.parse(current.deadline) - Date.parse(current.startedAt)) / 1000);
      dir.writeMarker({ ...current, state: 'failed', reason: `version ${release} did not connect to the gateway and report within ${seconds} s` });
      process.stderr.write(`loyalty-kiosk boot: version ${release} is not healthy by its deadline; exiting so the previous version comes back\n`);
      exit(1);
    },
    Math.max(0, Date.parse(marker.deadline) - now),
  );
  timer.unref();
  return timer;
}

/** Records the error a start of a release on trial ended with, for the rollback's reason. */
export function noteStartError(dir: AgentDir, error: unknown): void {
  const marker = dir.readMarker();
  if (marker?.state !== 'trial') return;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  dir.writeMarker({ ...marker, lastError: text.slice(0, 300) });
}
