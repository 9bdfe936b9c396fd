/**
 * The kiosk's devices from its config: the emulated set, or the real adapters (docs/hardware.md).
 * A device configured as `none` is stood in by its emulated adapter, which does nothing visible.
 */
import { join } from 'node:path';
import type { Logger } from '@loyalty/protocol/node';
import type { KioskConfig } from '../config.js';
import { EmulatedBarcodeScanner, EmulatedDisplay, EmulatedReceiptPrinter, createEmulatedHardware } from '../emulated/index.js';
import type { KioskHardware } from '../kiosk.js';
import { EscPosPrinter } from './escpos-printer.js';
import { LcdDisplay } from './lcd-display.js';
import { PcscCardReader } from './pcsc-reader.js';
import { DeviceFileTransport, SerialTransport, TcpTransport } from './printer-transports.js';
import { SerialBarcodeScanner } from './serial-scanner.js';
import { TtyWedgeScanner } from './tty-scanner.js';

export function createHardware(config: KioskConfig, log: Logger): KioskHardware {
  const columns = config.printer.columns;
  if (config.hardware.mode === 'emulated') {
    return createEmulatedHardware({ displayColumns: config.display.columns, displayRows: config.display.rows, printerColumns: columns });
  }
  const hw = config.hardware;
  const reader = new PcscCardReader({ log: log.child({ device: 'reader' }), readers: hw.reader.readers });
  const scanner =
    hw.scanner.kind === 'serial'
      ? new SerialBarcodeScanner({ path: hw.scanner.path, baudRate: hw.scanner.baudRate, lineEnding: hw.scanner.lineEnding, log: log.child({ device: 'scanner' }) })
      : hw.scanner.kind === 'tty'
        ? new TtyWedgeScanner({ path: hw.scanner.path, log: log.child({ device: 'scanner' }) })
        : new EmulatedBarcodeScanner();
  const transport =
    hw.printer.kind === 'tcp'
      ? new TcpTransport(hw.printer.host, hw.printer.port)
      : hw.printer.kind === 'serial'
        ? new SerialTransport(hw.printer.path, hw.printer.baudRate)
        : hw.printer.kind === 'device'
          ? new DeviceFileTransport(hw.printer.path)
          : null;
  const printer = transport
    ? new EscPosPrinter({ transport, columns, codePage: hw.codePage, log: log.child({ device: 'printer' }), spoolDir: join(config.stateDir, 'print-spool') })
    : new EmulatedReceiptPrinter(columns, hw.codePage);
  const display =
    hw.display.kind === 'lcd'
      ? new LcdDisplay({
          columns: config.display.columns === 16 ? 16 : 20,
          rows: config.display.rows <= 2 ? 2 : 4,
          address: hw.display.address,
          controller: hw.display.controller,
          port: hw.display.port,
          ledPin: hw.display.ledPin,
          piezoPin: hw.display.piezoPin,
          log: log.child({ device: 'display' }),
        })
      : new EmulatedDisplay(config.display.columns, config.display.rows);
  return { reader, scanner, printer, display };
}
