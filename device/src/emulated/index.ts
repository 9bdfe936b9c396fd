import { EmulatedBarcodeScanner } from './barcode-scanner.js';
import { EmulatedCardReader } from './card-reader.js';
import { EmulatedDisplay } from './display.js';
import { EmulatedReceiptPrinter } from './receipt-printer.js';

export { EmulatedBarcodeScanner, EmulatedCardReader, EmulatedDisplay, EmulatedReceiptPrinter };
export { EMULATED_ATR } from './card-reader.js';
export * from './kiosk-link.js';

export interface EmulatedHardware {
  reader: EmulatedCardReader;
  scanner: EmulatedBarcodeScanner;
  printer: EmulatedReceiptPrinter;
  display: EmulatedDisplay;
}

export function createEmulatedHardware(options: { displayColumns?: number; displayRows?: number; printerColumns?: 32 | 42 | 48 } = {}): EmulatedHardware {
  return {
    reader: new EmulatedCardReader(),
    scanner: new EmulatedBarcodeScanner(),
    printer: new EmulatedReceiptPrinter(options.printerColumns),
    display: new EmulatedDisplay(options.displayColumns, options.displayRows),
  };
}
