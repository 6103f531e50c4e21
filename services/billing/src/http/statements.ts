import {
  AssessmentLine,
  eur,
  type Month,
  MunicipalityCode,
  Problem,
  StatementPage,
  StatementParams,
  StatementRecord,
  StatementsQuery,
} from '@casework/contracts';
import {
  assertMayAsk,
  decodeCursor,
  inJurisdiction,
  jurisdictionOf,
  notFound,
  pageOf,
  principalOf,
  type ServiceContext,
  shown,
} from '@casework/service-kit';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';
import { statementDocument } from '../documents/fromStatement.js';
import { renderStatementPdf } from '../documents/statementPdf.js';
import { assertClientNamed } from './clientReaders.js';

/** Billing officers work the statements; case managers and supervisors read their clients'. */
const READERS = ['billing_officer', 'case_manager', 'supervisor'] as const;

type Row = {
  statement_id: string;
  statement_number: string;
  client_id: string;
  municipality: string;
  month: string;
  issued_on: string;
  due_on: string;
  payment_reference: string;
  assessed: string;
  adjusted: string;
  credit_applied: string;
  total_due: string;
  outstanding: string;
};
/** A statement row's columns, of the table aliased `st`. */
const COLUMNS = sql`st.statement_id::text, st.statement_number, st.client_id::text, st.municipality, st.month,
  st.issued_on::text, st.due_on::text, st.payment_reference, st.assessed::text, st.adjusted::text,
  st.credit_applied::text, st.total_due::text, st.outstanding::text`;

const summaryOf = (r: Row) => ({
  statementId: r.statement_id,
  statementNumber: r.statement_number,
  clientId: r.client_id,
  municipality: MunicipalityCode.parse(r.municipality),
  month: r.month,
  issuedOn: r.issued_on,
  dueOn: r.due_on,
  paymentReference: r.payment_reference,
  assessed: eur(Number(r.assessed)),
  adjusted: eur(Number(r.adjusted)),
  creditApplied: eur(Number(r.credit_applied)),
  totalDue: eur(Number(r.total_due)),
  outstanding: eur(Number(r.outstanding)),
});

export const statementRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const s = (table: string) => sql.id(ctx.store.schema, table);

  /** A statement with its lines and adjustments; absent (404) outside the caller's jurisdiction. */
  const statement = async (
    request: FastifyRequest,
    statementId: string,
  ): Promise<z.infer<typeof StatementRecord>> => {
    const j = jurisdictionOf(principalOf(request));
    const { rows } = await sql<Row & { lines: unknown }>`SELECT ${COLUMNS}, a.lines
      FROM ${s('statements')} st JOIN ${s('assessments')} a USING (statement_id)
      WHERE st.statement_id = ${statementId}::uuid AND ${inJurisdiction(j, sql.ref('st.municipality'))}`.execute(
      ctx.store.db,
    );
    const row = rows[0];
    if (!row) throw notFound('the statement');
    const { rows: adjustments } = await sql<{
      adjustment_id: string;
      corrects_month: Month;
      placement_id: string;
      service_type: string;
      billed: string;
      corrected: string;
      amount: string;
      state_share: string;
      caused_by: string[];
    }>`SELECT adjustment_id::text, corrects_month, placement_id::text, service_type, billed::text, corrected::text,
        amount::text, state_share::text, caused_by::text[]
      FROM ${s('adjustments')} WHERE adjustment_id = ANY(
        SELECT unnest(adjustments) FROM ${s('statements')} WHERE statement_id = ${statementId}::uuid)
      ORDER BY corrects_month, placement_id`.execute(ctx.store.db);
    return StatementRecord.parse({
      ...summaryOf(row),
      lines: z.array(AssessmentLine).parse(row.lines),
      adjustments: adjustments.map((a) => ({
        adjustmentId: a.adjustment_id,
        correctsMonth: a.corrects_month,
        placementId: a.placement_id,
        serviceType: a.service_type,
        billed: eur(Number(a.billed)),
        corrected: eur(Number(a.corrected)),
        amount: eur(Number(a.amount)),
        stateShare: eur(Number(a.state_share)),
        causedBy: a.caused_by,
      })),
    });
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
      const after = decodeCursor(q.cursor, 3);
      const where = [
        inJurisdiction(j, sql.ref('municipality')),
        q.municipality ? sql`municipality = ${q.municipality}` : undefined,
        q.month ? sql`month = ${q.month}` : undefined,
        q.clientId ? sql`client_id = ${q.clientId}::uuid` : undefined,
        after
          ? sql`(municipality, month, statement_number) > (${after[0]}, ${after[1]}, ${after[2]})`
          : undefined,
      ].filter((w) => w !== undefined);
      const { rows } = await sql<Row>`SELECT ${COLUMNS} FROM ${s('statements')} st
        WHERE ${sql.join(where, sql` AND `)}
        ORDER BY municipality, month, statement_number LIMIT ${q.limit + 1}`.execute(ctx.store.db);
      const page = pageOf(rows, q.limit, (r) => [r.municipality, r.month, r.statement_number]);
      return shown(ctx, request, { ...page, items: page.items.map(summaryOf) });
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
      const { rows: sites } = await sql<{
        site_id: string;
        name: string;
      }>`SELECT site_id::text, name FROM ${s('sites')}
        WHERE site_id = ANY(${record.lines.map((l) => l.siteId)}::uuid[])`.execute(ctx.store.db);
      const pdf = await renderStatementPdf(
        statementDocument(record, new Map(sites.map((x) => [x.site_id, x.name]))),
      );
      reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="${record.statementNumber}.pdf"`);
      return pdf;
    },
  );
};
