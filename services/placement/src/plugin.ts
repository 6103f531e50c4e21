import { placementServiceEvents } from '@casework/contracts';
import {
  clientDirectoryConsumer,
  clientDirectoryRoutes,
  type ServiceContext,
  type ServiceModule,
} from '@casework/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { placementRoutes } from './http/placements.js';
import { siteRoutes } from './http/sites.js';
import { placementMigrations } from './migrations/readModels.js';
import { placementProjection } from './projections/placement.js';

const routes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, opts) => {
  for (const r of [clientDirectoryRoutes('placement'), siteRoutes, placementRoutes])
    await app.register(r, opts);
};

/** Placement: sites and their effective-dated capacity, the capacity ledger, admissions, transfers, discharges. */
export const placement: ServiceModule = {
  name: 'placement',
  schema: 'placement',
  migrations: placementMigrations('placement'),
  events: placementServiceEvents,
  routes,
  projections: (ctx) => [placementProjection(ctx.store.schema)],
  consumers: (ctx) => [clientDirectoryConsumer(ctx)],
};
