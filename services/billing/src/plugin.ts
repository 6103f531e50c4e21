import { clientDirectoryConsumer, clientDirectoryRoutes } from '@casework/client-directory';
import { billingEvents } from '@casework/contracts';
import {
  accessLogRoutes,
  revokedIntegrators,
  type ServiceContext,
  type ServiceModule,
} from '@casework/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { seedDefaultTariffs } from './application/tariffs.js';
import { intakeInputs, placementInputs } from './consumers/inputs.js';
import { arrearsRoutes } from './http/arrears.js';
import { bankRoutes } from './http/bank.js';
import { paymentRoutes } from './http/payments.js';
import { periodRoutes } from './http/periods.js';
import { reportRoutes } from './http/reports.js';
import { siteCostRoutes } from './http/siteCosts.js';
import { statementRoutes } from './http/statements.js';
import { tariffRoutes } from './http/tariffs.js';
import { billingMigrations } from './migrations/readModels.js';
import { siteCostsProjection } from './projections/siteCosts.js';
import { statementsProjection } from './projections/statements.js';
import { tariffsProjection } from './projections/tariffs.js';
import { arrearsReviewWorker } from './workers/arrearsReview.js';
import { statementRunsWorker } from './workers/statementRuns.js';

const routes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, opts) => {
  for (const r of [
    clientDirectoryRoutes('billing'),
    accessLogRoutes('billing'),
    tariffRoutes,
    siteCostRoutes,
    periodRoutes,
    statementRoutes,
    paymentRoutes,
    arrearsRoutes,
    bankRoutes,
    reportRoutes,
  ])
    await app.register(r, opts);
};

/**
 * Billing: tariffs as versioned data, site costs, monthly statements assessed from placement's and
 * intake's events, adjustments for what is learned late, closed periods, statements as PDF, payments and arrears, and the
 * fees, remittance and delegated-funding reports.
 */
export const billing: ServiceModule = {
  name: 'billing',
  schema: 'billing',
  migrations: billingMigrations('billing'),
  events: billingEvents,
  routes,
  projections: (ctx) => [
    tariffsProjection(ctx.store.schema),
    siteCostsProjection(ctx.store.schema),
    statementsProjection(ctx.store.schema),
  ],
  consumers: (ctx) => [
    clientDirectoryConsumer(ctx),
    placementInputs(ctx),
    intakeInputs(ctx),
    revokedIntegrators(ctx),
  ],
  workers: (ctx) => [arrearsReviewWorker(ctx), statementRunsWorker(ctx)],
  seed: seedDefaultTariffs,
};
