export * from './identity-files.js';
export * from './log.js';
export * from './process.js';
export * from './timeout.js';
export * from './systemd.js';
