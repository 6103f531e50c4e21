import {
  commandProblems,
  eur,
  PeriodParams,
  PeriodRecord,
  Problem,
  RunResult,
  StatementRunParams,
  StatementRunRecord,
  sofiaDate,
} from '@casework/contracts';
import {
  assertMayAsk,
  causeOf,
  jurisdictionOf,
  notFound,
  principalOf,
  type ServiceContext,
} from '@casework/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { closePeriod } from '../application/closePeriod.js';
import { issueStatements } from '../application/issueStatements.js';
import { requestRun, runRecord } from '../application/statementRuns.js';
import { periodOf, totalDueOf } from '../projections/statementQueries.js';

const OFFICERS = ['billing_officer'] as const;

/** A municipality's billing months: issue their statements once they end, close them, see where they stand. */
export const periodRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const today = () => sofiaDate(ctx.clock());

  app.post(
    '/v1/billing/periods/:municipality/:month/statements',
    {
      config: { roles: OFFICERS },
      schema: {
        tags: ['billing'],
        summary:
          "Issue a month's statements: every client in the municipality's services that month, with the " +
          'adjustments of earlier months; a client already stated is not stated again',
        description:
          'Runs while the request waits, answering 200 with what it issued. With `Prefer: respond-async` ' +
          '(RFC 7240) the run is queued and done in the background: 202 with the run, `Location` to follow ' +
          'it; asked again while it is queued or running, the same run. A month not ended (422) or closed ' +
          '(409) is refused at once either way.',
        params: PeriodParams,
        headers: z.object({ prefer: z.string().optional() }),
        response: { 200: RunResult, 202: StatementRunRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      const { municipality, month } = request.params;
      const j = jurisdictionOf(principalOf(request));
      assertMayAsk(j, { municipality });
      const run = { municipality, month, today: today(), cause: causeOf(request, municipality) };
      if (!/(^|[,\s])respond-async([,;\s]|$)/i.test(request.headers.prefer ?? ''))
        return issueStatements(ctx, run);
      const runId = await requestRun(ctx, run);
      const record = await runRecord(ctx, runId, j);
      return reply
        .code(202)
        .header('location', `/v1/billing/runs/${runId}`)
        .header('preference-applied', 'respond-async')
        .send(record!);
    },
  );

  app.get(
    '/v1/billing/runs/:runId',
    {
      config: { roles: [...OFFICERS, 'supervisor'] },
      schema: {
        tags: ['billing'],
        summary:
          'A statement run asked for in the background: queued, running (clients done of all), done or failed',
        params: StatementRunParams,
        response: { 200: StatementRunRecord, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (request) => {
      const j = jurisdictionOf(principalOf(request));
      const record = await runRecord(ctx, request.params.runId, j);
      if (!record) throw notFound('the run');
      return record;
    },
  );

  app.post(
    '/v1/billing/periods/:municipality/:month/close',
    {
      config: { roles: OFFICERS },
      schema: {
        tags: ['billing'],
        summary: 'Close a month: its statements are frozen; what is learned of it later comes as adjustments',
        params: PeriodParams,
        response: { 200: PeriodRecord, ...commandProblems },
      },
    },
    async (request) => {
      const { municipality, month } = request.params;
      assertMayAsk(jurisdictionOf(principalOf(request)), { municipality });
      const r = await closePeriod(ctx, {
        municipality,
        month,
        today: today(),
        cause: causeOf(request, municipality),
      });
      return periodRecord(municipality, month, r.state.numbered, r.state.closedOn);
    },
  );

  const periodRecord = async (municipality: string, month: string, statements: number, closedOn?: string) => {
    return PeriodRecord.parse({
      municipality,
      month,
      statements,
      status: closedOn ? 'closed' : 'open',
      ...(closedOn ? { closedOn } : {}),
      totalDue: eur(await totalDueOf(ctx, municipality, month)),
    });
  };

  app.get(
    '/v1/billing/periods/:municipality/:month',
    {
      config: { roles: [...OFFICERS, 'supervisor'] },
      schema: {
        tags: ['billing'],
        summary: "A municipality's month: its statements so far, their total due, open or closed",
        params: PeriodParams,
        response: { 200: PeriodRecord, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (request) => {
      const { municipality, month } = request.params;
      assertMayAsk(jurisdictionOf(principalOf(request)), { municipality });
      const period = await periodOf(ctx, municipality, month);
      return periodRecord(municipality, month, period.statements, period.closedOn);
    },
  );
};
