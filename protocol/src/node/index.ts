export * from './identity-files.js';
