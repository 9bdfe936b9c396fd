/**
 * A keyboard-wedge barcode scanner: it types each code followed by Enter, so the kiosk reads
 * lines from the terminal it types into (a tty such as /dev/tty1 under systemd's `TTYPath=`, or
 * stdin). A tty that closes is reopened.
 */
import { EventEmitter } from 'node:events';
import { createReadStream, type ReadStream } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import type { Logger } from '@loyalty/protocol/node';
import type { BarcodeScanner, BarcodeScannerEvents } from '../ports/barcode-scanner.js';
import type { HealthReport } from '../ports/health.js';

export class TtyWedgeScanner extends EventEmitter<BarcodeScannerEvents> implements BarcodeScanner {
  private stream: ReadStream | null = null;
  private lines: Interface | null = null;
  private retry: NodeJS.Timeout | null = null;
  private stopped = true;
  private report: HealthReport = { state: 'absent', detail: 'not started' };

  constructor(private readonly options: { path: string; log: Logger; reopenMs?: number }) {
    super();
  }

  health(): HealthReport {
    return this.report;
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.open();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.lines?.close();
    this.stream?.destroy();
    this.stream = null;
  }

  private open(): void {
    if (this.stopped) return;
    const stream = createReadStream(this.options.path, { encoding: 'latin1' });
    stream.once('open', () => this.setHealth({ state: 'ok' }));
    stream.once('error', (error) => {
      this.setHealth({ state: 'down', detail: `keyboard-wedge tty ${this.options.path}: ${error.message}` });
      this.reopenLater();
    });
    stream.once('close', () => {
      if (this.stream === stream) this.reopenLater();
    });
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (line) => {
      const code = line.trim();
      if (code) this.emit('scan', { code });
    });
    this.stream = stream;
    this.lines = lines;
  }

  private reopenLater(): void {
    if (this.stopped || this.retry) return;
    this.stream = null;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.open();
    }, this.options.reopenMs ?? 1000);
    this.retry.unref();
  }

  private setHealth(report: HealthReport): void {
    if (report.state === this.report.state && report.detail === this.report.detail) return;
    this.report = report;
    this.options.log.info({ tty: this.options.path, ...report }, 'scanner health');
    this.emit('health', report);
  }
}
