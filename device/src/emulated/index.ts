import type { CodePage } from '../receipts/code-pages.js';
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

export function createEmulatedHardware(options: { displayColumns?: number; displayRows?: number; printerColumns?: 32 | 42 | 48; codePage?: CodePage } = {}): EmulatedHardware {
  return {
    reader: new EmulatedCardReader(),
    scanner: new EmulatedBarcodeScanner(),
    // The code page the config names, as a real printer is set up (PC866 by default: Cyrillic prints).
    printer: new EmulatedReceiptPrinter(options.printerColumns, options.codePage),
    display: new EmulatedDisplay(options.displayColumns, options.displayRows),
  };
}
