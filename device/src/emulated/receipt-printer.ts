import { EventEmitter } from 'node:events';
import type { HealthReport } from '../ports/health.js';
import { PrinterError, type ReceiptPrinter } from '../ports/receipt-printer.js';

/**
 * A printer that keeps every job's bytes. Its paper and power can be changed to exercise the
 * error paths. (The TCP fake printer of the hardware issue is the real-socket version.)
 */
export class EmulatedReceiptPrinter extends EventEmitter<{ printed: [Buffer] }> implements ReceiptPrinter {
  readonly jobs: Buffer[] = [];
  paper: 'ok' | 'near_end' | 'out' = 'ok';
  online = true;

  constructor(readonly columns = 42) {
    super();
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  health(): HealthReport {
    if (!this.online) return { state: 'down', detail: 'printer not reachable' };
    if (this.paper === 'out') return { state: 'down', detail: 'paper out' };
    if (this.paper === 'near_end') return { state: 'degraded', detail: 'paper near end' };
    return { state: 'ok' };
  }

  async print(job: Buffer): Promise<void> {
    if (!this.online) throw new PrinterError('offline', 'the receipt printer is not reachable');
    if (this.paper === 'out') throw new PrinterError('paper_out', 'the receipt printer is out of paper');
    this.jobs.push(Buffer.from(job));
    this.emit('printed', job);
  }
}
