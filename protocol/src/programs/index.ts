export * from './schema.js';
export * from './arithmetic.js';
export * from './zoned-time.js';
export * from './calendar.js';
export * from './tiers.js';
export * from './membership.js';
export * from './evaluate.js';
export * from './rule-set.js';
