import {
  Problem,
  StatementPage,
  StatementParams,
  StatementRecord,
  StatementsQuery,
} from '@casework/contracts';
import {
  assertMayAsk,
  decodeCursor,
  jurisdictionOf,
  notFound,
  principalOf,
  type ServiceContext,
  shown,
} from '@casework/service-kit';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { statementDocument } from '../documents/fromStatement.js';
import { renderStatementPdf } from '../documents/statementPdf.js';
import { siteNames } from '../projections/siteQueries.js';
import { listStatements, statementOf } from '../projections/statementQueries.js';
import { assertClientNamed } from './clientReaders.js';

/** Billing officers work the statements; case managers and supervisors read their clients'. */
const READERS = ['billing_officer', 'case_manager', 'supervisor'] as const;

export const statementRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  /** A statement with its lines and adjustments; absent (404) outside the caller's jurisdiction. */
  const statement = async (request: FastifyRequest, statementId: string) => {
    const record = await statementOf(ctx, jurisdictionOf(principalOf(request)), statementId);
    if (!record) throw notFound('the statement');
    return record;
  };

  app.get(
    '/v1/billing/statements',
    {
      config: { roles: READERS },
      schema: {
        tags: ['billing'],
        summary: "Statements in the caller's jurisdiction, by municipality, month or client",
        querystring: StatementsQuery,
        response: { 200: StatementPage, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (request) => {
      const q = request.query;
      assertClientNamed(request, q.clientId);
      const j = jurisdictionOf(principalOf(request));
      // another municipality named is refused; a client named only narrows statements already in scope
      if (q.municipality) assertMayAsk(j, { municipality: q.municipality });
      const page = await listStatements(ctx, {
        jurisdiction: j,
        municipality: q.municipality,
        month: q.month,
        clientId: q.clientId,
        after: decodeCursor(q.cursor, 3),
        limit: q.limit,
      });
      return shown(ctx, request, page);
    },
  );

  app.get(
    '/v1/billing/statements/:statementId',
    {
      config: { roles: READERS },
      schema: {
        tags: ['billing'],
        summary:
          'A statement line by line: days counted and exempted, tariff, incomes used, adjustments and their causes',
        params: StatementParams,
        response: { 200: StatementRecord, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (request) => shown(ctx, request, await statement(request, request.params.statementId)),
  );

  app.get(
    '/v1/billing/statements/:statementId/document',
    {
      config: { roles: READERS },
      schema: {
        tags: ['billing'],
        summary: 'A statement as a PDF to read and print, in Bulgarian',
        params: StatementParams,
        produces: ['application/pdf'],
        response: {
          200: z.any().meta({ description: 'The statement as application/pdf' }),
          400: Problem,
          401: Problem,
          403: Problem,
          404: Problem,
        },
      },
    },
    async (request, reply) => {
      const record = await shown(ctx, request, await statement(request, request.params.statementId));
      const names = await siteNames(
        ctx,
        record.lines.map((l) => l.siteId),
      );
      const pdf = await renderStatementPdf(statementDocument(record, names));
      reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="${record.statementNumber}.pdf"`);
      return pdf;
    },
  );
};
