import {
  clientDirectoryConsumer,
  clientDirectoryMigration,
  clientDirectoryRoutes,
  type ServiceModule,
} from '@casework/service-kit';

/** Billing: for now it keeps its client directory from intake's events (issue 3's walking skeleton). */
export const billing: ServiceModule = {
  name: 'billing',
  schema: 'billing',
  migrations: clientDirectoryMigration('billing'),
  events: [],
  routes: clientDirectoryRoutes('billing'),
  projections: () => [],
  consumers: (ctx) => [clientDirectoryConsumer(ctx)],
};
