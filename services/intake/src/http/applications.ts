import {
  ApplicationPage,
  ApplicationParams,
  ApplicationRecord,
  ApplicationsQuery,
  AttachDocumentBody,
  CloseApplicationBody,
  commandProblems,
  Problem,
  RecordReferralBody,
  SubmitApplicationBody,
  WithdrawApplicationBody,
} from '@casework/contracts';
import { serviceType } from '@casework/reference-data';
import {
  assertMayAsk,
  causeOf,
  ifMatch,
  jurisdictionOf,
  principalOf,
  type ServiceContext,
  shown,
} from '@casework/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { runApplicationCommand, submitApplication, visibleApplication } from '../application/applications.js';
import { visibleClient } from '../application/clients.js';
import type { Application, ApplicationCommand } from '../domain/application.js';
import { listApplications } from '../projections/applications.js';
import { STAFF } from './clients.js';

type Open = Exclude<Application, { status: 'unknown' }>;

const toRecord = (a: Open, version: number): ApplicationRecord => ({
  applicationId: a.applicationId,
  clientId: a.clientId,
  serviceType: a.serviceType,
  municipality: a.municipality,
  status: a.status,
  submittedOn: a.submittedOn,
  assessmentDueBy: a.assessmentDueBy,
  referralRequired: a.referralRequired,
  ...(a.referral ? { referral: a.referral } : {}),
  documents: a.documents,
  ...(a.endedOn ? { endedOn: a.endedOn } : {}),
  ...(a.outcome ? { outcome: a.outcome } : {}),
  version,
});

const send = (reply: FastifyReply, r: { state: Application; version: number }) => {
  reply.header('etag', `"${r.version}"`);
  return toRecord(r.state as Open, r.version);
};

export const applicationRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const scopeOf = (request: FastifyRequest) => jurisdictionOf(principalOf(request));

  app.post(
    '/v1/applications',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['intake'],
        summary: 'Submit an application for a service type (one open application per client and type)',
        body: SubmitApplicationBody,
        response: { 201: ApplicationRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      const cause = causeOf(request, request.body.municipality);
      const result = await submitApplication(ctx, scopeOf(request), request.body, cause);
      reply.status(201).header('location', `/v1/applications/${(result.state as Open).applicationId}`);
      // the answer names the client and the service they asked for: a read of the record, logged
      return shown(ctx, request, send(reply, result));
    },
  );

  app.get(
    '/v1/applications',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['intake'],
        summary:
          'Applications in your municipality, newest first; filter those whose needs assessment is overdue',
        querystring: ApplicationsQuery,
        response: { 200: ApplicationPage, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (request) => {
      const j = scopeOf(request);
      const q = request.query;
      if (q.municipality) assertMayAsk(j, { municipality: q.municipality });
      // a client named in the filter is one the caller can see, else 404 as for any id
      if (q.clientId) await visibleClient(ctx, j, q.clientId);
      const page = await listApplications(ctx.store.db, ctx.store.schema, j, {
        ...q,
        ...(q.clientId ? { clientIds: [q.clientId] } : {}),
      });
      // a page of applications names its clients: a search, one row per client shown
      return shown(ctx, request, page);
    },
  );

  app.get(
    '/v1/applications/:applicationId',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['intake'],
        summary: 'An application with its documents and referral',
        params: ApplicationParams,
        response: { 200: ApplicationRecord, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (request, reply) =>
      shown(
        ctx,
        request,
        send(reply, await visibleApplication(ctx, scopeOf(request), request.params.applicationId)),
      ),
  );

  /** A route that runs one command on the application and answers with its record. */
  const commandRoute = <B extends z.ZodType>(summary: string, body: B) => ({
    config: { roles: STAFF },
    schema: {
      tags: ['intake'],
      summary,
      params: ApplicationParams,
      body,
      response: { 200: ApplicationRecord, ...commandProblems },
    },
  });
  /** Runs the command built from the application the path names and answers with its record. */
  const runCommand = async (
    request: FastifyRequest<{ Params: z.infer<typeof ApplicationParams> }>,
    reply: FastifyReply,
    build: (a: Open) => ApplicationCommand,
  ) => {
    const result = await runApplicationCommand(
      ctx,
      scopeOf(request),
      request.params.applicationId,
      (a) => build(a as Open),
      ifMatch(request),
      causeOf(request),
    );
    return shown(ctx, request, send(reply, result));
  };

  app.post(
    `/v1/applications/:applicationId/documents`,
    commandRoute('Attach a document (metadata only: kind, number, date)', AttachDocumentBody),
    (request, reply) => {
      const b = request.body;
      return runCommand(request, reply, (_) => ({
        type: 'AttachDocument',
        documentId: ctx.newId(),
        kind: b.kind,
        ...(b.number ? { number: b.number } : {}),
        issuedOn: b.issuedOn,
      }));
    },
  );
  app.post(
    `/v1/applications/:applicationId/referral`,
    commandRoute(
      'Record the referral (from the municipality, or the Directorate where the law reserves it)',
      RecordReferralBody,
    ),
    (request, reply) => {
      const b = request.body;
      return runCommand(request, reply, (a) => ({
        type: 'RecordReferral',
        reservedTo: serviceType(a.serviceType).referral.issuer,
        issuer: b.issuer,
        issuedBy: b.issuedBy,
        referralNumber: b.referralNumber,
        issuedOn: b.issuedOn,
      }));
    },
  );
  app.post(
    `/v1/applications/:applicationId/withdraw`,
    commandRoute('The client withdraws the application', WithdrawApplicationBody),
    (request, reply) => {
      const b = request.body;
      return runCommand(request, reply, (_) => ({
        type: 'Withdraw',
        withdrawnOn: b.withdrawnOn,
      }));
    },
  );
  app.post(
    `/v1/applications/:applicationId/close`,
    commandRoute('Close the application with an outcome', CloseApplicationBody),
    (request, reply) => {
      const b = request.body;
      return runCommand(request, reply, (_) => ({
        type: 'Close',
        closedOn: b.closedOn,
        outcome: b.outcome,
      }));
    },
  );
};
