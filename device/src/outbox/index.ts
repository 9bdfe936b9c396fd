export * from './outbox.js';
export * from './libsql-store.js';
