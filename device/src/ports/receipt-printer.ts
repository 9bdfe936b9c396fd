import type { HealthReport } from './health.js';
import type { CodePage } from '../receipts/code-pages.js';

/** Why a print job did not print; the agent tells the customer and keeps the job queued. */
export class PrinterError extends Error {
  override readonly name = 'PrinterError';
  constructor(
    readonly reason: 'offline' | 'paper_out' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

/** An ESC/POS receipt printer. It receives finished ESC/POS bytes (receipts/encode.ts). */
export interface ReceiptPrinter {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** resolves once the printer took the whole job; rejects with PrinterError */
  print(job: Buffer): Promise<void>;
  /** the printable width in characters (32, 42 or 48); the operator may change it live (docs/fleet.md "Configuration") */
  columns: number;
  /** the code page receipts are encoded in (Cyrillic names need PC866 or WPC1251) */
  readonly codePage: CodePage;
  health(): HealthReport;
  /**
   * Drops the slips still held (no paper, printer offline) and says how many: a slip with a
   * customer's name must not print for whoever stands at the kiosk after them.
   */
  dropHeld(): number;
}
