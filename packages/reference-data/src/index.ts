export * from './places.js';
export * from './serviceCatalogue.js';
