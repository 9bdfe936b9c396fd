import type { EventEmitter } from 'node:events';
import type { HealthReport } from './health.js';

export interface BarcodeScannerEvents {
  /** one decoded barcode, without its line ending */
  scan: [{ code: string }];
  health: [HealthReport];
}

/** A barcode scanner (serial or keyboard-wedge on a real kiosk). */
export interface BarcodeScanner extends EventEmitter<BarcodeScannerEvents> {
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): HealthReport;
}
