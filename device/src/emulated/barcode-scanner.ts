import { EventEmitter } from 'node:events';
import type { BarcodeScanner, BarcodeScannerEvents } from '../ports/barcode-scanner.js';
import type { HealthReport } from '../ports/health.js';

/** An in-process scanner: `scan(code)` as if the code had been read (only while started, as a real port). */
export class EmulatedBarcodeScanner extends EventEmitter<BarcodeScannerEvents> implements BarcodeScanner {
  private running = false;
  async start(): Promise<void> {
    this.running = true;
  }
  async stop(): Promise<void> {
    this.running = false;
  }
  health(): HealthReport {
    return this.running ? { state: 'ok' } : { state: 'absent', detail: 'not started' };
  }
  scan(code: string): void {
    if (this.running) this.emit('scan', { code });
  }
}
