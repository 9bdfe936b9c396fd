export * from './printer-transports.js';
export * from './escpos-printer.js';
