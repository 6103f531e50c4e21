export * from './config.js';
export * from './platform.js';
export * from './secrets.js';
export * from './serve.js';
export * from './startup.js';
