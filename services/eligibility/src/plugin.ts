import {
  clientDirectoryConsumer,
  clientDirectoryMigration,
  clientDirectoryRoutes,
  type ServiceModule,
} from '@casework/service-kit';

/** Eligibility: for now it keeps its client directory from intake's events (issue 3's walking skeleton). */
export const eligibility: ServiceModule = {
  name: 'eligibility',
  schema: 'eligibility',
  migrations: clientDirectoryMigration('eligibility'),
  events: [],
  routes: clientDirectoryRoutes('eligibility'),
  projections: () => [],
  consumers: (ctx) => [clientDirectoryConsumer(ctx)],
};
