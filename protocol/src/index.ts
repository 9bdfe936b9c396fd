export * from './topics.js';
export * from './codes.js';
export * from './op-id.js';
export * from './card-number.js';
export * from './messages.js';
export * from './keys.js';
export * from './envelope.js';
export * from './replay.js';
