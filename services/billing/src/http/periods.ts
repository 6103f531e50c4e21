import {
  commandProblems,
  eur,
  PeriodParams,
  PeriodRecord,
  Problem,
  RunResult,
  sofiaDate,
} from '@casework/contracts';
import {
  assertMayAsk,
  causeOf,
  jurisdictionOf,
  principalOf,
  type ServiceContext,
} from '@casework/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { closePeriod } from '../application/closePeriod.js';
import { issueStatements } from '../application/issueStatements.js';

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
        params: PeriodParams,
        response: { 200: RunResult, ...commandProblems },
      },
    },
    async (request) => {
      const { municipality, month } = request.params;
      assertMayAsk(jurisdictionOf(principalOf(request)), { municipality });
      return issueStatements(ctx, {
        municipality,
        month,
        today: today(),
        cause: causeOf(request, municipality),
      });
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
    const { rows } = await sql<{ due: string }>`SELECT coalesce(sum(total_due), 0)::text AS due
      FROM ${sql.id(ctx.store.schema, 'statements')} WHERE municipality = ${municipality} AND month = ${month}`.execute(
      ctx.store.db,
    );
    return PeriodRecord.parse({
      municipality,
      month,
      statements,
      status: closedOn ? 'closed' : 'open',
      ...(closedOn ? { closedOn } : {}),
      totalDue: eur(Number(rows[0]?.due ?? 0)),
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
      const { rows } = await sql<{ statements: number; closed_on: string | null }>`
        SELECT statements, closed_on::text FROM ${sql.id(ctx.store.schema, 'periods')}
        WHERE municipality = ${municipality} AND month = ${month}`.execute(ctx.store.db);
      return periodRecord(municipality, month, rows[0]?.statements ?? 0, rows[0]?.closed_on ?? undefined);
    },
  );
};
