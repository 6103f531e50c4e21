import {
  AssignBankLineBody,
  BankImportRecord,
  BankLinePage,
  BankLineParams,
  BankLinesQuery,
  BankStatementUpload,
  commandProblems,
  eur,
  type MunicipalityCode,
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
  pageOf,
  principalOf,
  type ServiceContext,
} from '@casework/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { assignBankLine, importBankStatement } from '../application/bankImport.js';
import { statementAccount } from './payments.js';

const OFFICERS = ['billing_officer'] as const;

/** Bank statement files in, their lines matched to statements by payment reference, the rest assigned by hand. */
export const bankRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const s = (table: string) => sql.id(ctx.store.schema, table);

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
      const after = decodeCursor(q.cursor, 2);
      const { rows } = await sql<{
        line_id: string;
        booked_on: string;
        amount: string;
        currency: 'EUR' | 'BGN';
        refs: string[];
        outcome: 'unmatched' | 'ambiguous';
      }>`SELECT line_id, booked_on::text, amount::text, currency, refs, outcome FROM ${s('bank_lines')}
        WHERE municipality = ${q.municipality} AND payment_id IS NULL AND outcome IN ('unmatched', 'ambiguous')
          ${after ? sql`AND (booked_on, line_id) > (${String(after[0])}::date, ${String(after[1])})` : sql``}
        ORDER BY booked_on, line_id LIMIT ${q.limit + 1}`.execute(ctx.store.db);
      const page = pageOf(rows, q.limit, (r) => [r.booked_on, r.line_id]);
      return {
        ...page,
        items: page.items.map((r) => ({
          lineId: r.line_id,
          bookedOn: r.booked_on,
          amount: { amountMinor: Number(r.amount), currency: r.currency },
          references: r.refs,
          outcome: r.outcome,
          statementId: null,
          paymentId: null,
        })),
      };
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
      const { rows } = await sql<{ municipality: MunicipalityCode; sha256: string }>`
        SELECT l.municipality, i.sha256 FROM ${s('bank_lines')} l JOIN ${s('bank_imports')} i USING (import_id)
        WHERE l.line_id = ${request.params.lineId}`.execute(ctx.store.db);
      const line = rows[0];
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
