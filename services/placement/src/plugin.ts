import {
  clientDirectoryConsumer,
  clientDirectoryMigration,
  clientDirectoryRoutes,
  type ServiceModule,
} from '@casework/service-kit';

/** Placement: for now it keeps its client directory from intake's events (issue 3's walking skeleton). */
export const placement: ServiceModule = {
  name: 'placement',
  schema: 'placement',
  migrations: clientDirectoryMigration('placement'),
  events: [],
  routes: clientDirectoryRoutes('placement'),
  projections: () => [],
  consumers: (ctx) => [clientDirectoryConsumer(ctx)],
};
