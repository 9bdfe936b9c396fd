import { EventEmitter } from 'node:events';
import type { BarcodeScanner, BarcodeScannerEvents } from '../ports/barcode-scanner.js';
import type { HealthReport } from '../ports/health.js';

/** An in-process scanner: `scan(code)` as if the code had been read. */
export class EmulatedBarcodeScanner extends EventEmitter<BarcodeScannerEvents> implements BarcodeScanner {
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  health(): HealthReport {
    return { state: 'ok' };
  }
  scan(code: string): void {
    this.emit('scan', { code });
  }
}
