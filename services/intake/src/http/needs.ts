import {
  AgreePlanBody,
  AssessmentRecord,
  AssessmentsOfClient,
  ClientIdParams,
  OverduePage,
  OverdueQuery,
  Problem,
  RecordAssessmentBody,
  sofiaDate,
} from '@casework/contracts';
import {
  assertMayAsk,
  causeOf,
  jurisdictionOf,
  principalOf,
  type ServiceContext,
  shown,
} from '@casework/service-kit';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { logAccess } from '../application/accessLog.js';
import { visibleClient } from '../application/clients.js';
import { loadNeeds, runNeedsCommand } from '../application/needs.js';
import type { Registered } from '../domain/client.js';
import type { Assessment } from '../domain/needs.js';
import { overdueReassessments } from '../projections/reassessments.js';
import { STAFF } from './clients.js';

const ERRORS = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem };

const toRecord = (a: Assessment): AssessmentRecord => ({
  assessmentId: a.assessmentId,
  clientId: a.clientId,
  ...(a.applicationId ? { applicationId: a.applicationId } : {}),
  assessedOn: a.assessedOn,
  ...(a.recommendedServiceType ? { recommendedServiceType: a.recommendedServiceType } : {}),
  reassessmentDue: a.reassessmentDue,
  findings: a.findings,
  ...(a.plan ? { plan: a.plan } : {}),
});

export const needsRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const scopeOf = (request: FastifyRequest) => jurisdictionOf(principalOf(request));
  /** An assessment shown in a command's answer (health findings) is a read of the record: logged. */
  const logShown = async (request: FastifyRequest, clientId: string) => {
    const client = (await visibleClient(ctx, scopeOf(request), clientId)).state as Registered;
    await logAccess(ctx, request, 'read', [client]);
  };

  app.post(
    '/v1/clients/:clientId/needs-assessments',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['intake'],
        summary: 'Record an individual needs assessment (sets the reassessment date)',
        params: ClientIdParams,
        body: RecordAssessmentBody,
        response: { 201: AssessmentRecord, ...ERRORS },
      },
    },
    async (request, reply) => {
      const { clientId } = request.params;
      const b = request.body;
      const assessmentId = ctx.newId();
      const result = await runNeedsCommand(
        ctx,
        scopeOf(request),
        {
          type: 'RecordAssessment',
          clientId,
          assessmentId,
          assessedOn: b.assessedOn,
          findings: b.findings,
          ...(b.applicationId ? { applicationId: b.applicationId } : {}),
          ...(b.recommendedServiceType ? { recommendedServiceType: b.recommendedServiceType } : {}),
        },
        { ...causeOf(request), effectiveDate: b.assessedOn },
      );
      await logShown(request, clientId);
      reply.status(201).header('etag', `"${result.version}"`);
      return toRecord(result.state.assessments.find((a) => a.assessmentId === assessmentId)!);
    },
  );

  app.post(
    '/v1/clients/:clientId/support-plans',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['intake'],
        summary: 'Agree the individual support plan of an assessment: goals and review date',
        params: ClientIdParams,
        body: AgreePlanBody,
        response: { 201: AssessmentRecord, ...ERRORS },
      },
    },
    async (request, reply) => {
      const { clientId } = request.params;
      const b = request.body;
      const result = await runNeedsCommand(
        ctx,
        scopeOf(request),
        {
          type: 'AgreePlan',
          clientId,
          assessmentId: b.assessmentId,
          planId: ctx.newId(),
          agreedOn: b.agreedOn,
          reviewOn: b.reviewOn,
          goals: b.goals.map((g) => ({ domain: g.domain, goal: g.goal, ...(g.by ? { by: g.by } : {}) })),
        },
        causeOf(request),
      );
      await logShown(request, clientId);
      reply.status(201).header('etag', `"${result.version}"`);
      return toRecord(result.state.assessments.find((a) => a.assessmentId === b.assessmentId)!);
    },
  );

  app.get(
    '/v1/clients/:clientId/needs-assessments',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['intake'],
        summary: "A client's needs assessments and support plans (the read is logged)",
        params: ClientIdParams,
        response: { 200: AssessmentsOfClient, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (request, reply) => {
      const { clientId } = request.params;
      const j = scopeOf(request);
      const { state, version } = await loadNeeds(ctx, j, clientId);
      const client = (await visibleClient(ctx, j, clientId)).state as Registered;
      await logAccess(ctx, request, 'read', [client]);
      reply.header('etag', `"${version}"`);
      return { clientId, items: state.assessments.map(toRecord), version };
    },
  );

  app.get(
    '/v1/needs-assessments/overdue',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['intake'],
        summary: 'Reassessments overdue on a date, the most overdue first',
        querystring: OverdueQuery,
        response: { 200: OverduePage, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (request) => {
      const j = scopeOf(request);
      const q = request.query;
      if (q.municipality) assertMayAsk(j, { municipality: q.municipality });
      const asOf = q.asOf ?? sofiaDate(ctx.clock());
      const page = await overdueReassessments(ctx.store.db, ctx.store.schema, j, { ...q, asOf });
      // the page names clients and their case managers: a search, one row per client shown
      return shown(ctx, request, { asOf, ...page });
    },
  );
};
