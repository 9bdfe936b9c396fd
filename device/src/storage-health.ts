/**
 * The kiosk's storage as its fleet sees it (docs/fleet.md "Storage"): every operation is written
 * to the journal before a customer is answered, so a kiosk whose card is full serves nobody.
 * Reported with the devices' health in each heartbeat:
 *
 * - `down`: the journal's last write failed and none has succeeded since (its size cap reached,
 *   the disk full, an I/O error) — customers are told the kiosk cannot record operations;
 * - `degraded`: the file system of the state directory has less free space than the low mark,
 *   so an operator can act before it is full;
 * - `ok` otherwise.
 */
import { statfs } from 'node:fs/promises';
import { errorCode, type JournalFailure } from './outbox/outbox.js';
import type { HealthReport } from './ports/health.js';

const MiB = 1024 * 1024;

/** What is known of a file system's free space: node's `statfs` reports it in blocks. */
export type FreeSpace = (dir: string) => Promise<{ bavail: number; bsize: number }>;

export interface StorageHealthOptions {
  /** the kiosk's state directory: the journal and its caches live there */
  dir: string;
  /** below this many bytes free the storage is `degraded` */
  lowFreeBytes: number;
  /** the journal's last failed write, while none has succeeded since */
  journalFailure: () => JournalFailure | null;
  freeSpace?: FreeSpace;
}

export class StorageHealth {
  private readonly freeSpace: FreeSpace;

  constructor(private readonly options: StorageHealthOptions) {
    this.freeSpace = options.freeSpace ?? ((dir) => statfs(dir));
  }

  async health(): Promise<HealthReport> {
    const failure = this.options.journalFailure();
    if (failure) {
      const why = failure.code === 'SQLITE_FULL' || failure.code === 'ENOSPC' ? 'journal full' : 'journal not writable';
      return { state: 'down', detail: `${why} (${failure.code}) since ${new Date(failure.at).toISOString()}` };
    }
    let free: number;
    try {
      const stats = await this.freeSpace(this.options.dir);
      free = stats.bavail * stats.bsize;
    } catch (error) {
      return { state: 'degraded', detail: `free space unknown (${errorCode(error)})` };
    }
    const detail = `${formatMiB(free)} free`;
    return free < this.options.lowFreeBytes ? { state: 'degraded', detail: `${detail}, below ${formatMiB(this.options.lowFreeBytes)}` } : { state: 'ok', detail };
  }
}

function formatMiB(bytes: number): string {
  return `${Math.floor(bytes / MiB)} MiB`;
}
