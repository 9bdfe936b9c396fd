/**
 * A printer without a device: the real print queue (EscPosPrinter) over an in-memory transport
 * that keeps every job's bytes and answers status requests from a settable paper and power
 * state, so the demo and the unit tests hold and release slips exactly as a kiosk does. (The TCP
 * fake printer in test/support is the real-socket version.)
 */
import { createLogger, type Logger } from '@loyalty/protocol/node';
import { EscPosPrinter } from '../hardware/escpos-printer.js';
import { TransportError, type PrinterTransport } from '../hardware/printer-transports.js';
import type { CodePage } from '../receipts/code-pages.js';

export class MemoryPrinterTransport implements PrinterTransport {
  readonly description = 'emulated printer';
  readonly jobs: Buffer[] = [];
  paper: 'ok' | 'near_end' | 'out' = 'ok';
  online = true;

  async send(bytes: Buffer): Promise<void> {
    if (!this.online) throw new TransportError('emulated printer: switched off');
    this.jobs.push(Buffer.from(bytes));
  }

  async query(request: Buffer): Promise<number | null> {
    if (!this.online) throw new TransportError('emulated printer: switched off');
    if (request[2] === 4) return 0x12 | (this.paper === 'near_end' ? 0x0c : 0) | (this.paper === 'out' ? 0x60 : 0);
    return 0x12;
  }

  async close(): Promise<void> {}
}

export class EmulatedReceiptPrinter extends EscPosPrinter {
  private readonly device: MemoryPrinterTransport;

  constructor(columns: 32 | 42 | 48 = 42, codePage: CodePage = 'PC866_CYRILLIC2', log: Logger = createLogger({ level: 'silent', name: 'printer' })) {
    const device = new MemoryPrinterTransport();
    super({ transport: device, columns, codePage, log, pollMs: 250 });
    this.device = device;
  }

  get jobs(): Buffer[] {
    return this.device.jobs;
  }
  get paper(): 'ok' | 'near_end' | 'out' {
    return this.device.paper;
  }
  set paper(state: 'ok' | 'near_end' | 'out') {
    this.device.paper = state;
  }
  get online(): boolean {
    return this.device.online;
  }
  set online(on: boolean) {
    this.device.online = on;
  }
}
