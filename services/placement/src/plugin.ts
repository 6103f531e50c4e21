import { clientDirectoryRoutes } from '@casework/client-directory';
import { placementServiceEvents } from '@casework/contracts';
import {
  accessLogRoutes,
  revokedIntegrators,
  type ServiceContext,
  type ServiceModule,
} from '@casework/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { billingConsumer } from './consumers/billing.js';
import { eligibilityConsumer } from './consumers/eligibility.js';
import { intakeConsumer } from './consumers/intake.js';
import { attendanceRoutes } from './http/attendance.js';
import { directorateRoutes } from './http/directorate.js';
import { placementRoutes } from './http/placements.js';
import { siteRoutes } from './http/sites.js';
import { taskRoutes } from './http/tasks.js';
import { waitingListRoutes } from './http/waitingList.js';
import { placementMigrations } from './migrations/readModels.js';
import { absencesProjection } from './projections/absences.js';
import { attendanceProjection } from './projections/attendance.js';
import { sitesProjection } from './projections/sites.js';
import { staysProjection } from './projections/stays.js';
import { tasksProjection } from './projections/tasks.js';
import { waitingListProjection } from './projections/waitingList.js';
import { offerExpiryWorker } from './workers/offerExpiry.js';

const routes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, opts) => {
  for (const r of [
    clientDirectoryRoutes('placement'),
    accessLogRoutes('placement'),
    siteRoutes,
    placementRoutes,
    waitingListRoutes,
    taskRoutes,
    attendanceRoutes,
    directorateRoutes,
  ])
    await app.register(r, opts);
};

/**
 * Placement: sites and their effective-dated capacity, the capacity ledger, waiting lists and offers,
 * admissions, transfers and discharges, and tasks for what it must not do by itself.
 */
export const placement: ServiceModule = {
  name: 'placement',
  schema: 'placement',
  migrations: placementMigrations('placement'),
  events: placementServiceEvents,
  routes,
  // one projection per read model, each with its checkpoint, so a rebuild can target one
  projections: (ctx) =>
    [
      sitesProjection,
      staysProjection,
      waitingListProjection,
      absencesProjection,
      attendanceProjection,
      tasksProjection,
    ].map((projection) => projection(ctx.store.schema)),
  consumers: (ctx) => [
    intakeConsumer(ctx),
    eligibilityConsumer(ctx),
    billingConsumer(ctx),
    revokedIntegrators(ctx),
  ],
  workers: (ctx) => [offerExpiryWorker(ctx)],
};
