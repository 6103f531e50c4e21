import { clientDirectoryRoutes } from '@casework/client-directory';
import { eligibilityEvents } from '@casework/contracts';
import {
  accessLogRoutes,
  revokedIntegrators,
  type ServiceContext,
  type ServiceModule,
} from '@casework/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { seedDefaultRuleSets } from './application/ruleSets.js';
import { intakeConsumer } from './consumers/intake.js';
import { placementConsumer } from './consumers/placement.js';
import { determinationRoutes } from './http/determinations.js';
import { ruleSetRoutes } from './http/ruleSets.js';
import { eligibilityMigrations } from './migrations/readModels.js';
import { eligibilityProjection } from './projections/eligibility.js';
import { Reevaluation } from './workers/reevaluation.js';

const routes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, opts) => {
  for (const r of [
    clientDirectoryRoutes('eligibility'),
    accessLogRoutes('eligibility'),
    ruleSetRoutes,
    determinationRoutes,
  ])
    await app.register(r, opts);
};

/** Eligibility: versioned rule sets as data, explainable determinations, re-evaluation, overrides, appeals. */
export const eligibility: ServiceModule = {
  name: 'eligibility',
  schema: 'eligibility',
  migrations: eligibilityMigrations('eligibility'),
  events: eligibilityEvents,
  routes,
  projections: (ctx) => [eligibilityProjection(ctx.store.schema)],
  consumers: (ctx) => [intakeConsumer(ctx), placementConsumer(ctx), revokedIntegrators(ctx)],
  seed: seedDefaultRuleSets,
  workers: (ctx) => [new Reevaluation(ctx).worker()],
};
