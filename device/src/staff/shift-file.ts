/**
 * When this kiosk's shift started (docs/staff.md "Shift report"): set by the first staff session
 * after the last shift report, cleared by printing the report. On disk, so a restart mid-shift
 * does not start a new one.
 */
import { readFileSync } from 'node:fs';
import { writeFileDurably } from '@loyalty/protocol/node';

export class ShiftFile {
  constructor(private readonly path: string) {}

  /** The shift's start, or null when none is open. */
  startedAt(): string | null {
    try {
      const stored = JSON.parse(readFileSync(this.path, 'utf8')) as { startedAt?: unknown };
      return typeof stored.startedAt === 'string' && !Number.isNaN(Date.parse(stored.startedAt)) ? stored.startedAt : null;
    } catch {
      return null;
    }
  }

  /** Opens a shift unless one is open; returns its start. */
  open(now: Date): string {
    const open = this.startedAt();
    if (open) return open;
    const startedAt = now.toISOString();
    writeFileDurably(this.path, JSON.stringify({ startedAt }), 0o600);
    return startedAt;
  }

  close(): void {
    writeFileDurably(this.path, JSON.stringify({ startedAt: null }), 0o600);
  }
}
