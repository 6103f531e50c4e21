import {
  AssignBankLineBody,
  BankImportRecord,
  BankLinePage,
  BankLineParams,
  BankLinesQuery,
  BankStatementUpload,
  commandProblems,
  eur,
  PaymentRecord,
  Problem,
  sofiaDate,
} from '@casework/contracts';
import {
  assertMayAsk,
  causeOf,
  covers,
  decodeCursor,
  jurisdictionOf,
  notFound,
  principalOf,
  type ServiceContext,
} from '@casework/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { assignBankLine, importBankStatement } from '../application/bankImport.js';
import { bankLineOf, openBankLines } from '../projections/bankLineQueries.js';
import { statementAccount } from './payments.js';

const OFFICERS = ['billing_officer'] as const;

/** Bank statement files in, their lines matched to statements by payment reference, the rest assigned by hand. */
export const bankRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(
    '/v1/billing/bank-statements',
    {
      config: { roles: OFFICERS },
      // a month's camt.053 of a large municipality runs to megabytes
      bodyLimit: 10 * 1_048_576,
      schema: {
        tags: ['billing'],
        summary:
          "Import a bank's statement file (camt.053 or MT940): lines naming one statement's payment " +
          'reference are recorded as payments, the others listed for an officer; the same file twice records nothing twice',
        body: BankStatementUpload,
        response: { 200: BankImportRecord, 201: BankImportRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      const { municipality, content } = request.body;
      assertMayAsk(jurisdictionOf(principalOf(request)), { municipality });
      const r = await importBankStatement(ctx, {
        municipality,
        content,
        today: sofiaDate(ctx.clock()),
        cause: causeOf(request, municipality),
      });
      reply.status(r.alreadyImported ? 200 : 201);
      return {
        importId: r.importId,
        municipality: r.municipality,
        format: r.format,
        importedOn: r.importedOn,
        alreadyImported: r.alreadyImported,
        lines: r.lines.map(({ lineKey: _, ...l }) => l),
      };
    },
  );

  app.get(
    '/v1/billing/bank-lines',
    {
      config: { roles: OFFICERS },
      schema: {
        tags: ['billing'],
        summary: 'Bank lines no statement matched, or several did, waiting for an officer to assign them',
        querystring: BankLinesQuery,
        response: { 200: BankLinePage, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (request) => {
      const q = request.query;
      assertMayAsk(jurisdictionOf(principalOf(request)), { municipality: q.municipality });
      return openBankLines(ctx, {
        municipality: q.municipality,
        after: decodeCursor(q.cursor, 2),
        limit: q.limit,
      });
    },
  );

  app.post(
    '/v1/billing/bank-lines/:lineId/assignment',
    {
      config: { roles: OFFICERS },
      schema: {
        tags: ['billing'],
        summary:
          'Assign a bank line no statement matched to the statement it pays: it is recorded as a payment',
        params: BankLineParams,
        body: AssignBankLineBody,
        response: { 201: PaymentRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      const line = await bankLineOf(ctx, request.params.lineId);
      if (!line || !covers(jurisdictionOf(principalOf(request)), line.municipality))
        throw notFound('the bank line');
      const account = await statementAccount(ctx, request, request.body.statementId);
      // a line is paid into one municipality's account: it settles only that municipality's statements
      if (account.municipality !== line.municipality) throw notFound('the statement');
      const recorded = await assignBankLine(ctx, {
        line: { lineId: request.params.lineId, ...line },
        statement: { statementId: request.body.statementId, clientId: account.clientId },
        cause: causeOf(request, line.municipality),
      });
      reply.status(201);
      return { ...recorded, fromBank: true, reversed: null, toCredit: eur(recorded.toCredit.amountMinor) };
    },
  );
};
