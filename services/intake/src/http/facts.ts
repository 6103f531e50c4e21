import {
  ClientGroupBody,
  ClientIdParams,
  ConsentBody,
  DisabilityBody,
  DwellingDisposalBody,
  DwellingOwnershipBody,
  FactParams,
  FactRecorded,
  FactsAsOf,
  FactsQuery,
  IncomeBody,
  Problem,
  RetractFactBody,
  SavingsBody,
  SchoolEnrolmentBody,
  sofiaDate,
} from '@casework/contracts';
import { causeOf, jurisdictionOf, principalOf, type ServiceContext } from '@casework/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { logAccess } from '../application/accessLog.js';
import { visibleClient } from '../application/clients.js';
import { factsStream, runFactCommand } from '../application/facts.js';
import type { Registered } from '../domain/client.js';
import type { FactCommand } from '../domain/facts.js';
import { factsAsOf, storedFacts } from '../views/facts.js';
import { STAFF } from './clients.js';

const ERRORS = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem };
const KIND_OF = {
  DeclareIncome: 'income',
  RecordDisability: 'disability',
  RecordDwellingOwnership: 'dwelling_ownership',
  DeclareSavings: 'savings',
  RecordDwellingDisposal: 'dwelling_disposal',
  RecordClientGroup: 'client_group',
  RecordSchoolEnrolment: 'school_enrolment',
  RecordConsent: 'consent',
} as const;

/** A fact to record, as a route builds it from its body: the client and the fact's id are added. */
type NewFact =
  Exclude<FactCommand, { type: 'RetractFact' }> extends infer C
    ? C extends unknown
      ? Omit<C, 'clientId' | 'factId'>
      : never
    : never;

export const factRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const scopeOf = (request: FastifyRequest) => jurisdictionOf(principalOf(request));

  /** The route of one kind of fact: its body, and the fact recorded as its answer. */
  const factRoute = <B extends z.ZodType>(summary: string, body: B) => ({
    config: { roles: STAFF },
    schema: {
      tags: ['intake'],
      summary,
      params: ClientIdParams,
      body,
      response: { 201: FactRecorded, ...ERRORS },
    },
  });
  /** Records a fact of the client the path names; a correction names the fact it replaces in `supersedes`. */
  const recordFact = async (
    request: FastifyRequest<{ Params: z.infer<typeof ClientIdParams> }>,
    reply: FastifyReply,
    partial: NewFact,
  ) => {
    const { clientId } = request.params;
    const factId = ctx.newId();
    const command: FactCommand = { ...partial, clientId, factId };
    const result = await runFactCommand(ctx, scopeOf(request), command, causeOf(request));
    reply.status(201).header('etag', `"${result.version}"`);
    return { clientId, factId, kind: KIND_OF[partial.type], version: result.version };
  };

  const base = (b: { validFrom: string; validTo?: string | undefined; supersedes?: string | undefined }) => ({
    validFrom: b.validFrom,
    ...(b.validTo ? { validTo: b.validTo } : {}),
    ...(b.supersedes ? { supersedes: b.supersedes } : {}),
  });

  app.post(
    `/v1/clients/:clientId/facts/incomes`,
    factRoute('Declare a monthly income from one source over a period', IncomeBody),
    (request, reply) => {
      const b = request.body;
      return recordFact(request, reply, {
        type: 'DeclareIncome',
        ...base(b),
        ...(b.memberId ? { memberId: b.memberId } : {}),
        source: b.source,
        monthlyAmount: b.monthlyAmount,
      });
    },
  );
  app.post(
    `/v1/clients/:clientId/facts/disability-assessments`,
    factRoute('Record a ТЕЛК/НЕЛК decision', DisabilityBody),
    (request, reply) => {
      const b = request.body;
      return recordFact(request, reply, {
        type: 'RecordDisability',
        ...base(b),
        degreePercent: b.degreePercent,
        outsideAssistanceNeeded: b.outsideAssistanceNeeded,
        commission: b.commission,
        decisionNumber: b.decisionNumber,
        decidedOn: b.decidedOn,
      });
    },
  );
  app.post(
    `/v1/clients/:clientId/facts/dwelling-ownership`,
    factRoute('Record whether the client owns a dwelling', DwellingOwnershipBody),
    (request, reply) => {
      const b = request.body;
      return recordFact(request, reply, {
        type: 'RecordDwellingOwnership',
        ...base(b),
        ownsDwelling: b.ownsDwelling,
      });
    },
  );
  app.post(
    `/v1/clients/:clientId/facts/savings`,
    factRoute("Declare the client's savings on a date (zero for none)", SavingsBody),
    (request, reply) => {
      const b = request.body;
      return recordFact(request, reply, {
        type: 'DeclareSavings',
        ...base(b),
        amount: b.amount,
      });
    },
  );
  app.post(
    `/v1/clients/:clientId/facts/dwelling-disposals`,
    factRoute('Record a dwelling the client sold or gave away', DwellingDisposalBody),
    (request, reply) => {
      const b = request.body;
      return recordFact(request, reply, {
        type: 'RecordDwellingDisposal',
        ...base({ validFrom: b.disposedOn, supersedes: b.supersedes }),
        how: b.how,
      });
    },
  );
  app.post(
    `/v1/clients/:clientId/facts/client-groups`,
    factRoute('Record a client group a tariff charges differently, over a period', ClientGroupBody),
    (request, reply) => {
      const b = request.body;
      return recordFact(request, reply, { type: 'RecordClientGroup', ...base(b), group: b.group });
    },
  );
  app.post(
    `/v1/clients/:clientId/facts/school-enrolments`,
    factRoute('Record that the client is a pupil in secondary school over a period', SchoolEnrolmentBody),
    (request, reply) => {
      const b = request.body;
      return recordFact(request, reply, { type: 'RecordSchoolEnrolment', ...base(b) });
    },
  );
  app.post(
    `/v1/clients/:clientId/facts/consents`,
    factRoute('Record consent to data processing given or withdrawn', ConsentBody),
    (request, reply) => {
      const b = request.body;
      return recordFact(request, reply, {
        type: 'RecordConsent',
        validFrom: b.validFrom,
        status: b.status,
      });
    },
  );

  app.post(
    '/v1/clients/:clientId/facts/:factId/retract',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['intake'],
        summary: 'Retract a fact recorded in error (it stays in the history, marked retracted)',
        params: FactParams,
        body: RetractFactBody,
        response: { 200: FactRecorded, ...ERRORS },
      },
    },
    async (request, reply) => {
      const { clientId, factId } = request.params;
      const result = await runFactCommand(
        ctx,
        scopeOf(request),
        { type: 'RetractFact', clientId, factId, reason: request.body.reason },
        causeOf(request),
      );
      reply.header('etag', `"${result.version}"`);
      const kind = result.state.facts.get(factId)!.kind;
      return { clientId, factId, kind, version: result.version };
    },
  );

  app.get(
    '/v1/clients/:clientId/facts',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['intake'],
        summary: 'What was known at a time about the facts in force on a date',
        description:
          'Facts of merged records count for the survivor. `inForce` resolves overlaps by effective date; ' +
          '`history` lists every fact recorded by `knownAt`, corrections and retractions included.',
        params: ClientIdParams,
        querystring: FactsQuery,
        response: { 200: FactsAsOf, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (request) => {
      const { clientId } = request.params;
      const { state } = await visibleClient(ctx, scopeOf(request), clientId);
      const client = state as Registered;
      const asOf = request.query.asOf ?? sofiaDate(ctx.clock());
      const knownAt = request.query.knownAt ?? ctx.clock().toISOString();
      const streams = await Promise.all(
        [clientId, ...client.mergedClients].map((id) => ctx.store.readStream(factsStream(id))),
      );
      const stored = storedFacts(streams.flatMap((s) => s.events));
      const kind = request.query.kind;
      const { inForce, history } = factsAsOf(
        kind ? stored.filter((f) => f.kind === kind) : stored,
        asOf,
        knownAt,
      );
      await logAccess(ctx, request, 'read', [client]);
      return { clientId, asOf, knownAt, inForce, history };
    },
  );
};
