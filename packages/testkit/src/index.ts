export * from './resources.js';
export * from './servers.js';
