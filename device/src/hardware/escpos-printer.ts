/**
 * The receipt printer on real hardware: a print queue in front of a transport (TCP, serial or a
 * device file). Before each job the printer is asked for its status (DLE EOT 1: online; DLE EOT
 * 4: paper), so a job is not sent into an empty or offline printer. A job that cannot print now
 * is held, the caller is told why (PrinterError), and it prints once, in order, when the printer
 * is back: a job leaves the queue only after its bytes were handed over, and never twice. Jobs
 * older than `maxHoldMs` are dropped with a warning (a balance slip an hour late is no use).
 *
 * With a spool directory, a job that is held is also written there (one file each, 0600) and
 * removed once printed or dropped, so held slips survive a restart of the agent and print, in
 * order, when it is back (if still younger than `maxHoldMs`). A job that prints at once never
 * touches the disk.
 *
 * What cannot be promised: if a connection dies half-way through a job we cannot know how much
 * the printer printed; that job is sent again whole (a torn slip, then a full one).
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from '@loyalty/protocol/node';
import type { Logger } from '@loyalty/protocol/node';
import type { HealthReport } from '../ports/health.js';
import { PrinterError, type ReceiptPrinter } from '../ports/receipt-printer.js';
import type { CodePage } from '../receipts/code-pages.js';
import type { PrinterTransport } from './printer-transports.js';

const DLE_EOT_PRINTER = Buffer.from([0x10, 0x04, 0x01]);
const DLE_EOT_PAPER = Buffer.from([0x10, 0x04, 0x04]);

export interface PrinterStatus {
  online: boolean;
  paper: 'ok' | 'near_end' | 'out' | 'unknown';
}

/** DLE EOT 1 bit 3: offline. DLE EOT 4 bits 2-3: paper near end; bits 5-6: paper out. */
export function parseStatus(printerByte: number | null, paperByte: number | null): PrinterStatus {
  const online = printerByte === null ? true : (printerByte & 0x08) === 0;
  const paper = paperByte === null ? 'unknown' : (paperByte & 0x60) !== 0 ? 'out' : (paperByte & 0x0c) !== 0 ? 'near_end' : 'ok';
  return { online, paper };
}

export interface EscPosPrinterOptions {
  transport: PrinterTransport;
  columns: 32 | 42 | 48;
  codePage: CodePage;
  log: Logger;
  /** how often held jobs are retried and the status refreshed */
  pollMs?: number;
  maxHoldMs?: number;
  now?: () => number;
  /** where held jobs are kept across restarts; without it they are in memory only */
  spoolDir?: string;
}

interface Job {
  id: number;
  bytes: Buffer;
  queuedAt: number;
  /** the job's file in the spool, once it was held */
  spooled?: string;
}

const SPOOL_FILE = /^(\d{13})-(\d+)\.job$/;

export class EscPosPrinter extends EventEmitter<{ printed: [Buffer]; health: [HealthReport] }> implements ReceiptPrinter {
  columns: number;
  readonly codePage: CodePage;
  private readonly queue: Job[] = [];
  private nextId = 1;
  private draining: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private report: HealthReport = { state: 'absent', detail: 'not started' };
  private readonly now: () => number;

  constructor(private readonly options: EscPosPrinterOptions) {
    super();
    this.columns = options.columns;
    this.codePage = options.codePage;
    this.now = options.now ?? Date.now;
  }

  /** Jobs waiting for the printer. */
  get held(): number {
    return this.queue.length;
  }

  async start(): Promise<void> {
    this.loadSpool();
    await this.refresh();
    if (this.queue.length) void this.drain();
    this.timer = setInterval(() => void (this.queue.length ? this.drain() : this.refresh()), this.options.pollMs ?? 2000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.draining;
    if (this.queue.length) this.options.log.warn({ held: this.queue.length }, 'printer stopped with slips still held; they are not printed');
    await this.options.transport.close();
  }

  health(): HealthReport {
    return this.report;
  }

  async print(bytes: Buffer): Promise<void> {
    const job: Job = { id: this.nextId++, bytes: Buffer.from(bytes), queuedAt: this.now() };
    this.queue.push(job);
    await this.drain();
    // A drain that was finishing as this job arrived may have missed it: one more pass.
    if (this.queue.includes(job) && this.report.state !== 'down') await this.drain();
    if (!this.queue.includes(job)) return;
    this.spool(job);
    const reason = this.report.detail?.includes('paper out') ? 'paper_out' : 'offline';
    throw new PrinterError(reason, `${this.report.detail ?? 'printer not ready'}; the slip is kept and prints when the printer is back`);
  }

  /** Prints held jobs in order while the printer is ready; one drain at a time. */
  private drain(): Promise<void> {
    this.draining ??= this.drainNow().finally(() => (this.draining = null));
    return this.draining;
  }

  private async drainNow(): Promise<void> {
    this.dropStale();
    while (this.queue.length) {
      if (!(await this.refresh())) return;
      const job = this.queue[0]!;
      try {
        await this.options.transport.send(job.bytes);
      } catch (error) {
        this.setHealth({ state: 'down', detail: `printer not reachable (${(error as Error).message})` });
        return;
      }
      this.queue.shift();
      this.unspool(job);
      this.emit('printed', job.bytes);
      this.options.log.debug({ job: job.id, bytes: job.bytes.length, waitedMs: this.now() - job.queuedAt }, 'slip printed');
    }
  }

  /** Asks the printer how it is; true when a job may be sent. */
  private async refresh(): Promise<boolean> {
    let status: PrinterStatus;
    try {
      const printerByte = await this.options.transport.query(DLE_EOT_PRINTER);
      const paperByte = printerByte === null ? null : await this.options.transport.query(DLE_EOT_PAPER);
      status = parseStatus(printerByte, paperByte);
    } catch (error) {
      this.setHealth({ state: 'down', detail: `printer not reachable (${(error as Error).message})` });
      return false;
    }
    if (!status.online) this.setHealth({ state: 'down', detail: 'printer offline (cover open or error)' });
    else if (status.paper === 'out') this.setHealth({ state: 'down', detail: 'paper out' });
    else if (status.paper === 'near_end') this.setHealth({ state: 'degraded', detail: 'paper near end' });
    else this.setHealth({ state: 'ok', ...(status.paper === 'unknown' ? { detail: 'no status from this printer' } : {}) });
    return status.online && status.paper !== 'out';
  }

  dropHeld(): number {
    const dropped = this.queue.length;
    if (dropped) this.options.log.warn({ dropped }, 'held slips dropped: the customer they were for has left');
    for (const job of this.queue) this.unspool(job);
    this.queue.length = 0;
    this.droppedTotal += dropped;
    return dropped;
  }

  /** Slips dropped unprinted since the start (telemetry). */
  droppedTotal = 0;

  private dropStale(): void {
    const limit = this.options.maxHoldMs ?? 15 * 60_000;
    while (this.queue.length && this.now() - this.queue[0]!.queuedAt > limit) {
      const job = this.queue.shift()!;
      this.unspool(job);
      this.droppedTotal += 1;
      this.options.log.warn({ job: job.id, heldMs: this.now() - job.queuedAt }, 'held slip dropped: too old to be of use');
    }
  }

  /** Held jobs from before a restart, oldest first. A file that cannot be read is left for an operator, not printed. */
  private loadSpool(): void {
    const dir = this.options.spoolDir;
    if (!dir) return;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const files = readdirSync(dir)
      .filter((f) => SPOOL_FILE.test(f))
      .sort();
    for (const file of files) {
      const queuedAt = SPOOL_FILE.exec(file)![1];
      try {
        this.queue.push({ id: this.nextId++, bytes: readFileSync(join(dir, file)), queuedAt: Number(queuedAt), spooled: file });
      } catch (error) {
        this.options.log.warn({ file, err: (error as Error).message }, 'a held slip from before cannot be read; left in the spool');
      }
    }
    if (this.queue.length) this.options.log.info({ held: this.queue.length }, 'held slips from before the restart');
  }

  private spool(job: Job): void {
    const dir = this.options.spoolDir;
    if (!dir || job.spooled) return;
    const file = `${String(job.queuedAt).padStart(13, '0')}-${String(job.id).padStart(6, '0')}.job`;
    try {
      writeFileDurably(join(dir, file), job.bytes, 0o600);
      job.spooled = file;
    } catch (error) {
      this.options.log.warn({ err: (error as Error).message }, 'a held slip could not be spooled; it is held in memory only');
    }
  }

  private unspool(job: Job): void {
    if (!job.spooled || !this.options.spoolDir) return;
    rmSync(join(this.options.spoolDir, job.spooled), { force: true });
    job.spooled = undefined;
  }

  private setHealth(report: HealthReport): void {
    const changed = report.state !== this.report.state || report.detail !== this.report.detail;
    this.report = report;
    if (changed) {
      this.options.log.info({ printer: this.options.transport.description, ...report }, 'printer health');
      this.emit('health', report);
    }
  }
}
