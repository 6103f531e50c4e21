import {
  AppealParams,
  ClientEligibilityView,
  ClientIdParams,
  commandProblems,
  Determination,
  DeterminationPage,
  DeterminationParams,
  DeterminationsQuery,
  DetermineBody,
  LodgeAppealBody,
  OverrideBody,
  Problem,
  ReevaluationJobs,
  ResolveAppealBody,
  ServiceEligibility as ServiceEligibilitySchema,
  sofiaDate,
} from '@casework/contracts';
import {
  assertMayAsk,
  causeOf,
  decodeCursor,
  ifMatch,
  jurisdictionOf,
  logAccess,
  principalOf,
  type ServiceContext,
  shown,
} from '@casework/service-kit';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { loadEligibility, lodgeAppeal, override, resolveAppeal } from '../application/decisions.js';
import { determineNow } from '../application/determine.js';
import { outcomeOn } from '../domain/clientEligibility.js';
import { listDeterminations, listReevaluationJobs } from '../projections/determinationQueries.js';
import { namingOnlyVisibleDeterminations, type SeenService, visible } from './visible.js';

/** Only the owning municipality's staff (and national integrators) see determinations. */
const READERS = ['case_manager', 'supervisor', 'integrator'] as const;
const STAFF = ['case_manager', 'supervisor'] as const;

/** A service type as the caller sees it: built only from what `eligibilitySeen` lets through. */
function view(s: SeenService, today: string): z.infer<typeof ServiceEligibilitySchema> {
  const effective = outcomeOn(s, today);
  return {
    serviceType: s.current.serviceType,
    effectiveOutcome: effective,
    ...(s.decreed && s.decreed.until >= today
      ? { decreed: { by: s.decreed.by, outcome: s.decreed.outcome, until: s.decreed.until } }
      : {}),
    current: s.current,
    appeals: s.appeals.map((a) => ({
      appealId: a.appealId,
      determinationId: a.determinationId,
      status: a.status,
      deadline: a.deadline,
    })),
  };
}

export const determinationRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const jurisdiction = (request: FastifyRequest) => jurisdictionOf(principalOf(request));
  /** A command's answer about a client's determination shows their record: logged as a read. */
  const showing = (clientId: string, d: { municipality: string }) => ({
    clients: [{ clientId, municipality: d.municipality }],
  });

  app.post(
    '/v1/eligibility/determinations',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['eligibility'],
        summary: 'Determine eligibility now (or on a date) for a client and service type, with reasons',
        body: DetermineBody,
        response: { 201: Determination, ...commandProblems },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const j = jurisdiction(request);
      // every id the body names is the caller's, before any rule runs (else 404, as if absent)
      const scope = visible(ctx, request);
      const client = await scope.client(b.clientId);
      if (b.applicationId) await scope.application(b.clientId, b.applicationId);
      const municipality = b.municipality ?? client.municipality;
      assertMayAsk(j, { municipality });
      const asOf = b.asOf ?? sofiaDate(ctx.clock());
      const determination = await determineNow(
        ctx,
        {
          clientId: b.clientId,
          serviceType: b.serviceType,
          municipality,
          ...(b.applicationId ? { applicationId: b.applicationId } : {}),
          asOf,
          trigger: { kind: 'request' },
        },
        causeOf(request, municipality),
      );
      reply.status(201);
      return shown(ctx, request, determination);
    },
  );

  app.get(
    '/v1/eligibility/determinations',
    {
      config: { roles: READERS },
      schema: {
        tags: ['eligibility'],
        summary: 'Current determinations in your municipality, filtered by client, service type or outcome',
        querystring: DeterminationsQuery,
        response: { 200: DeterminationPage, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (request) => {
      const q = request.query;
      const j = jurisdiction(request);
      if (q.municipality) assertMayAsk(j, { municipality: q.municipality });
      const page = await listDeterminations(ctx, {
        jurisdiction: j,
        clientId: q.clientId,
        serviceType: q.serviceType,
        outcome: q.outcome,
        municipality: q.municipality,
        after: decodeCursor(q.cursor, 2),
        limit: q.limit,
      });
      await logAccess(
        ctx,
        request,
        'search',
        page.items.map((r) => ({ clientId: r.clientId, municipality: r.municipality })),
      );
      return page;
    },
  );

  app.get(
    '/v1/eligibility/clients/:clientId/eligibility',
    {
      config: { roles: READERS },
      schema: {
        tags: ['eligibility'],
        summary: "A client's eligibility per service type: the outcome in effect, why, overrides and appeals",
        params: ClientIdParams,
        response: { 200: ClientEligibilityView, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (request, reply) => {
      const { clientId } = request.params;
      const scope = visible(ctx, request);
      const { state, version } = await loadEligibility(ctx, clientId);
      // the caller's determinations in force; with none, the client must be the caller's
      const shown = [...scope.eligibility(state).values()].filter((s) => s.inForce);
      if (shown.length === 0) await scope.client(clientId);
      const today = sofiaDate(ctx.clock());
      await logAccess(
        ctx,
        request,
        'read',
        shown.map((s) => ({ clientId, municipality: s.current.municipality })),
      );
      reply.header('etag', `"${version}"`);
      return { clientId, services: shown.map((s) => view(s, today)), version };
    },
  );

  app.get(
    '/v1/eligibility/clients/:clientId/determinations/:determinationId',
    {
      config: { roles: READERS },
      schema: {
        tags: ['eligibility'],
        summary: 'One determination, current or past, with every criterion, fact and reason',
        params: DeterminationParams,
        response: { 200: Determination, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (request) => {
      const { clientId, determinationId } = request.params;
      const { determination } = await visible(ctx, request).determination(clientId, determinationId);
      await logAccess(ctx, request, 'read', [{ clientId, municipality: determination.municipality }]);
      return determination;
    },
  );

  app.post(
    '/v1/eligibility/clients/:clientId/determinations/:determinationId/override',
    {
      config: { roles: ['supervisor'] },
      schema: {
        tags: ['eligibility'],
        summary:
          'Override the outcome with a written reason (supervisors); the computed outcome stays visible',
        params: DeterminationParams,
        body: OverrideBody,
        response: { 200: ServiceEligibilitySchema, ...commandProblems },
      },
    },
    async (request, reply) => {
      const { clientId, determinationId } = request.params;
      const scope = visible(ctx, request);
      const { determination: d } = await scope.determination(clientId, determinationId);
      const today = sofiaDate(ctx.clock());
      // a refusal as superseded names the determination in force only if the caller sees it
      const result = await namingOnlyVisibleDeterminations(scope, clientId, () =>
        override(
          ctx,
          clientId,
          {
            determinationId,
            outcome: request.body.outcome,
            reason: request.body.reason,
            supervisor: principalOf(request).sub,
            on: today,
          },
          causeOf(request, d.municipality),
          ifMatch(request),
        ),
      );
      reply.header('etag', `"${result.version}"`);
      return shown(
        ctx,
        request,
        view(scope.eligibility(result.state).get(d.serviceType)!, today),
        showing(clientId, d),
      );
    },
  );

  app.post(
    '/v1/eligibility/clients/:clientId/determinations/:determinationId/appeals',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['eligibility'],
        summary: 'Record an appeal against a refusal, within the deadline counted from notification',
        params: DeterminationParams,
        body: LodgeAppealBody,
        response: { 201: ServiceEligibilitySchema, ...commandProblems },
      },
    },
    async (request, reply) => {
      const { clientId, determinationId } = request.params;
      const scope = visible(ctx, request);
      const { determination: d } = await scope.determination(clientId, determinationId);
      const result = await lodgeAppeal(
        ctx,
        clientId,
        { determinationId, municipality: d.municipality, ...request.body },
        causeOf(request, d.municipality),
      );
      reply.status(201).header('etag', `"${result.version}"`);
      return shown(
        ctx,
        request,
        view(scope.eligibility(result.state).get(d.serviceType)!, sofiaDate(ctx.clock())),
        showing(clientId, d),
      );
    },
  );

  app.post(
    '/v1/eligibility/clients/:clientId/appeals/:appealId/resolve',
    {
      config: { roles: ['supervisor'] },
      schema: {
        tags: ['eligibility'],
        summary:
          'Record the decision on an appeal: upheld keeps the refusal, overturned makes the client eligible',
        params: AppealParams,
        body: ResolveAppealBody,
        response: { 200: ServiceEligibilitySchema, ...commandProblems },
      },
    },
    async (request, reply) => {
      const { clientId, appealId } = request.params;
      // an appeal against another municipality's determination reads as absent, like one that never was
      const scope = visible(ctx, request);
      const { determination: d } = await scope.appeal(clientId, appealId);
      const result = await resolveAppeal(
        ctx,
        clientId,
        { appealId, ...request.body },
        causeOf(request, d.municipality),
      );
      reply.header('etag', `"${result.version}"`);
      return shown(
        ctx,
        request,
        view(scope.eligibility(result.state).get(d.serviceType)!, sofiaDate(ctx.clock())),
        showing(clientId, d),
      );
    },
  );

  app.get(
    '/v1/eligibility/reevaluations',
    {
      config: { roles: ['supervisor', 'admin'] },
      schema: {
        tags: ['eligibility'],
        summary: 'Re-evaluations scheduled by rule-set changes, with their progress',
        response: { 200: ReevaluationJobs, 401: Problem, 403: Problem },
      },
    },
    async (request) => ({ items: await listReevaluationJobs(ctx, jurisdiction(request)) }),
  );
};
