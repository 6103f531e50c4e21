import { intakeEvents } from '@casework/contracts';
import {
  accessLogRoutes,
  integratorCredentialMigrations,
  integratorCredentialRoutes,
  type ServiceContext,
  type ServiceModule,
} from '@casework/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { applicationRoutes } from './http/applications.js';
import { clientRoutes } from './http/clients.js';
import { factRoutes } from './http/facts.js';
import { needsRoutes } from './http/needs.js';
import { oversightRoutes } from './http/oversight.js';
import { intakeMigrations } from './migrations/readModels.js';
import { applicationsProjection } from './projections/applications.js';
import { clientsProjection } from './projections/clients.js';
import { reassessmentsProjection } from './projections/reassessments.js';

const routes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, opts) => {
  for (const r of [
    clientRoutes,
    factRoutes,
    applicationRoutes,
    needsRoutes,
    oversightRoutes,
    accessLogRoutes('intake'),
    // intake issues integrators' tokens for the platform: one registry, at the front door
    integratorCredentialRoutes,
  ])
    await app.register(r, opts);
};

/** Intake: where a municipality first meets a person. Owns all personal data. */
export const intake: ServiceModule = {
  name: 'intake',
  schema: 'intake',
  migrations: { ...intakeMigrations('intake'), ...integratorCredentialMigrations('intake') },
  events: intakeEvents,
  routes,
  projections: (ctx) => [
    clientsProjection(ctx.store.schema),
    applicationsProjection(ctx.store.schema),
    reassessmentsProjection(ctx.store.schema),
  ],
  consumers: () => [],
};
