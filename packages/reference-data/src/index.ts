export * from './eligibilityDefaults.js';
export * from './intakeParameters.js';
export * from './placementParameters.js';
export * from './places.js';
export * from './serviceCatalogue.js';
export * from './versioned.js';
export * from './workingDays.js';
