export * from './health.js';
export * from './card-reader.js';
export * from './barcode-scanner.js';
export * from './receipt-printer.js';
export * from './display.js';
export * from './kiosk-link.js';
