import { intakeEvents } from '@casework/contracts';
import type { ServiceModule } from '@casework/service-kit';
import { clientRoutes } from './http/clients.js';

/** Intake: where a municipality first meets a person. Owns all personal data. */
export const intake: ServiceModule = {
  name: 'intake',
  schema: 'intake',
  migrations: {},
  events: intakeEvents,
  routes: clientRoutes,
  projections: () => [],
  consumers: () => [],
};
