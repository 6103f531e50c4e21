import { type LocalDate, type Month, sofiaDate } from '@casework/contracts';
import type { ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';

/**
 * Per client, the statements owed past their due date on `asOf`, and whether arrears were reported. Owed
 * today is what each statement still owes (payments are never recorded ahead of their day); owed on an
 * earlier day is its total less what was paid and reversed by then.
 */
export async function arrearsOn(
  ctx: ServiceContext,
  municipality: string,
  asOf: LocalDate,
  limit: number,
  afterClient?: string,
) {
  const s = (table: string) => sql.id(ctx.store.schema, table);
  const owed =
    asOf >= sofiaDate(ctx.clock())
      ? sql`st.outstanding`
      : sql`(st.total_due - coalesce((SELECT sum(x.amount) FROM ${s('settlements')} x
          WHERE x.statement_id = st.statement_id AND x.kind IN ('payment', 'reversal')
            AND x.on_date <= ${asOf}::date), 0))`;
  const { rows } = await sql<{
    client_id: string;
    months: Month[];
    owed: string;
    oldest_due_on: string;
    reported: boolean;
  }>`SELECT st.client_id::text, array_agg(DISTINCT st.month ORDER BY st.month) AS months,
      sum(${owed})::text AS owed, min(st.due_on)::text AS oldest_due_on,
      EXISTS (SELECT 1 FROM ${s('arrears')} a
        WHERE a.client_id = st.client_id AND a.municipality = st.municipality) AS reported
    FROM ${s('statements')} st
    WHERE st.municipality = ${municipality} AND ${owed} > 0 AND st.due_on < ${asOf}::date
      ${afterClient ? sql`AND st.client_id > ${afterClient}::uuid` : sql``}
    GROUP BY st.client_id, st.municipality
    ORDER BY st.client_id LIMIT ${limit + 1}`.execute(ctx.store.db);
  return rows;
}
