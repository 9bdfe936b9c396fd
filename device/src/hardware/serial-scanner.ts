/**
 * A barcode scanner on a serial port (USB-CDC or RS-232): `serialport` with a line parser. The
 * line ending, path and baud rate come from config. Scanners get unplugged, and a vanished port
 * does not always emit `close` (docs/hardware-lab.md: on a pty the bindings may spin reading 0 bytes),
 * so a periodic probe checks that the device is still there; the port is then closed and
 * reopened as soon as the device is back. Health: `ok` while open, `down` naming the path while
 * it is not.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
// Loaded when the scanner is opened (serialport's bindings cost memory a kiosk without a serial scanner should not pay).
import type { SerialPort } from 'serialport';
import type { Logger } from '@loyalty/protocol/node';
import type { BarcodeScanner, BarcodeScannerEvents } from '../ports/barcode-scanner.js';
import type { HealthReport } from '../ports/health.js';

export type LineEnding = 'CRLF' | 'LF' | 'CR';
const DELIMITERS: Record<LineEnding, string> = { CRLF: '\r\n', LF: '\n', CR: '\r' };

export interface SerialScannerOptions {
  path: string;
  baudRate: number;
  lineEnding: LineEnding;
  log: Logger;
  /** how often the device's presence is checked and a closed port reopened */
  probeMs?: number;
  /** for unit tests: a SerialPort-compatible class (SerialPortMock) */
  SerialPortClass?: typeof SerialPort;
  /** whether the device node exists; a mock binding has no file */
  present?: (path: string) => boolean;
}

export class SerialBarcodeScanner extends EventEmitter<BarcodeScannerEvents> implements BarcodeScanner {
  private port: SerialPort | null = null;
  private probe: NodeJS.Timeout | null = null;
  private opening = false;
  private report: HealthReport = { state: 'absent', detail: 'not started' };
  private stopped = true;

  constructor(private readonly options: SerialScannerOptions) {
    super();
  }

  health(): HealthReport {
    return this.report;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.open();
    this.probe = setInterval(() => this.check(), this.options.probeMs ?? 1000);
    this.probe.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
    await this.closePort();
  }

  private present(): boolean {
    return (this.options.present ?? existsSync)(this.options.path);
  }

  private check(): void {
    if (this.port && !this.present()) {
      this.options.log.warn({ path: this.options.path }, 'barcode scanner gone (device node vanished); closing and waiting for it');
      void this.closePort().then(() => this.setHealth({ state: 'down', detail: `scanner ${this.options.path} unplugged` }));
    } else if (!this.port && !this.opening && this.present()) {
      void this.open();
    }
  }

  private async open(): Promise<void> {
    if (this.stopped || this.opening) return;
    this.opening = true;
    const serialport = await import('serialport');
    const Port = this.options.SerialPortClass ?? serialport.SerialPort;
    const port = new Port({ path: this.options.path, baudRate: this.options.baudRate, autoOpen: false });
    try {
      await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    } catch (error) {
      this.opening = false;
      this.setHealth({ state: 'down', detail: `scanner ${this.options.path} not available: ${(error as Error).message}` });
      return;
    }
    this.opening = false;
    if (this.stopped) {
      port.close();
      return;
    }
    const parser = port.pipe(new serialport.ReadlineParser({ delimiter: DELIMITERS[this.options.lineEnding], encoding: 'latin1' }));
    parser.on('data', (line: string) => {
      const code = line.replace(/[\r\n\0]/g, '').trim();
      if (code) this.emit('scan', { code });
    });
    port.on('close', () => {
      if (this.port !== port) return;
      this.port = null;
      if (!this.stopped) this.setHealth({ state: 'down', detail: `scanner ${this.options.path} disconnected` });
    });
    port.on('error', (error) => {
      this.options.log.warn({ path: this.options.path, err: error.message }, 'barcode scanner error; reopening');
      void this.closePort();
    });
    this.port = port;
    this.setHealth({ state: 'ok' });
  }

  private async closePort(): Promise<void> {
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private setHealth(report: HealthReport): void {
    if (report.state === this.report.state && report.detail === this.report.detail) return;
    this.report = report;
    this.options.log.info({ scanner: this.options.path, ...report }, 'scanner health');
    this.emit('health', report);
  }
}
