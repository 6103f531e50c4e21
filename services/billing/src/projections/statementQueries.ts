import { AssessmentLine, eur, type Month, MunicipalityCode, StatementRecord } from '@casework/contracts';
import { inJurisdiction, type Jurisdiction, pageOf, type ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import { z } from 'zod';

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

const table = (ctx: ServiceContext, name: string) => sql.id(ctx.store.schema, name);

/** A statement with its lines and adjustments, if it is within the jurisdiction. */
export async function statementOf(
  ctx: ServiceContext,
  jurisdiction: Jurisdiction,
  statementId: string,
): Promise<z.infer<typeof StatementRecord> | undefined> {
  const { rows } = await sql<Row & { lines: unknown }>`SELECT ${COLUMNS}, m.data -> 'lines' AS lines
    FROM ${table(ctx, 'statements')} st JOIN ${table(ctx, 'events')} m ON m.event_id = st.assessment_event
    WHERE st.statement_id = ${statementId}::uuid AND ${inJurisdiction(jurisdiction, sql.ref('st.municipality'))}`.execute(
    ctx.store.db,
  );
  const row = rows[0];
  if (!row) return undefined;
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
    converted_from_bgn: boolean;
  }>`SELECT adjustment_id::text, corrects_month, placement_id::text, service_type, billed::text, corrected::text,
      amount::text, state_share::text, caused_by::text[], converted_from_bgn
    FROM ${table(ctx, 'adjustments')} WHERE adjustment_id = ANY(
      SELECT unnest(adjustments) FROM ${table(ctx, 'statements')} WHERE statement_id = ${statementId}::uuid)
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
      convertedFromBgn: a.converted_from_bgn,
    })),
  });
}

/** Which statements a list asks for, within the caller's jurisdiction. */
export type StatementFilter = {
  jurisdiction: Jurisdiction;
  municipality?: string | undefined;
  month?: string | undefined;
  clientId?: string | undefined;
  after?: readonly (string | number)[] | undefined;
  limit: number;
};

/** A page of statements in municipality, month and number order. */
export async function listStatements(ctx: ServiceContext, f: StatementFilter) {
  const where = [
    inJurisdiction(f.jurisdiction, sql.ref('municipality')),
    f.municipality ? sql`municipality = ${f.municipality}` : undefined,
    f.month ? sql`month = ${f.month}` : undefined,
    f.clientId ? sql`client_id = ${f.clientId}::uuid` : undefined,
    f.after
      ? sql`(municipality, month, statement_number) > (${f.after[0]}, ${f.after[1]}, ${f.after[2]})`
      : undefined,
  ].filter((w) => w !== undefined);
  const { rows } = await sql<Row>`SELECT ${COLUMNS} FROM ${table(ctx, 'statements')} st
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY municipality, month, statement_number LIMIT ${f.limit + 1}`.execute(ctx.store.db);
  const page = pageOf(rows, f.limit, (r) => [r.municipality, r.month, r.statement_number]);
  return { ...page, items: page.items.map(summaryOf) };
}

/** Whose account a statement is on (any jurisdiction: the caller checks). */
export async function statementAccountOf(
  ctx: ServiceContext,
  statementId: string,
): Promise<{ clientId: string; municipality: MunicipalityCode } | undefined> {
  const { rows } = await sql<{ client_id: string; municipality: MunicipalityCode }>`
    SELECT client_id::text, municipality FROM ${table(ctx, 'statements')}
    WHERE statement_id = ${statementId}::uuid`.execute(ctx.store.db);
  const row = rows[0];
  return row && { clientId: row.client_id, municipality: row.municipality };
}

/** A municipality's month as the `periods` read model has it: statements numbered, closed when. */
export async function periodOf(ctx: ServiceContext, municipality: string, month: string) {
  const { rows } = await sql<{ statements: number; closed_on: string | null }>`
    SELECT statements, closed_on::text FROM ${table(ctx, 'periods')}
    WHERE municipality = ${municipality} AND month = ${month}`.execute(ctx.store.db);
  return { statements: rows[0]?.statements ?? 0, closedOn: rows[0]?.closed_on ?? undefined };
}

/** The total due, in euro cents, on a municipality's statements of a month. */
export async function totalDueOf(ctx: ServiceContext, municipality: string, month: string): Promise<number> {
  const { rows } = await sql<{ due: string }>`SELECT coalesce(sum(total_due), 0)::text AS due
    FROM ${table(ctx, 'statements')} WHERE municipality = ${municipality} AND month = ${month}`.execute(
    ctx.store.db,
  );
  return Number(rows[0]?.due ?? 0);
}
