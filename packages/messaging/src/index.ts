export * from './cloudEventHeaders.js';
export * from './deadLetters.js';
export * from './inbox.js';
export * from './inProcess.js';
export * from './jetstream.js';
export * from './natsOptions.js';
export * from './transport.js';
export * from './types.js';
