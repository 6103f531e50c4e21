export * from './checkpoints.js';
export * from './database.js';
export * from './errors.js';
export * from './eventStore.js';
export * from './migrations.js';
export * from './projection.js';
export * from './subscription.js';
export * from './types.js';
