export * from './consumer.js';
export * from './migrations.js';
export * from './queries.js';
export * from './routes.js';
