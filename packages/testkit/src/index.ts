export * from './absent.js';
export * from './app.js';
export * from './decider.js';
export * from './heldTransaction.js';
export * from './natsCluster.js';
export * from './processes.js';
export * from './resources.js';
export * from './servers.js';
