import { applicationEvents } from './applications.js';
import { assessmentEvents } from './assessments.js';
import { clientEvents } from './clients.js';
import { factEvents } from './facts.js';
import { integratorRegistryEvents } from './integrators.js';

export * from './applications.js';
export * from './assessments.js';
export * from './clients.js';
export * from './facts.js';
export * from './integrators.js';

export const intakeEvents = [
  ...clientEvents,
  ...factEvents,
  ...applicationEvents,
  ...assessmentEvents,
  ...integratorRegistryEvents,
] as const;
