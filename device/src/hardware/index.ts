export * from './printer-transports.js';
export * from './escpos-printer.js';
export * from './serial-scanner.js';
export * from './tty-scanner.js';
export * from './lcd-display.js';
export * from './pcsc-reader.js';
export * from './create.js';
