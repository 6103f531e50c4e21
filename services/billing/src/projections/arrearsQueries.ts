import { type LocalDate, type Month, sofiaDate } from '@casework/contracts';
import type { ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';

/**
 * Per person, the statements owed past their due date on `asOf`, and whether arrears were reported. Owed
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
  // one person once: a merged record's statements are listed under its survivor (billing's copy of
  // intake's directory), as an arrears review counts them
  const { rows } = await sql<{
    client_id: string;
    months: Month[];
    owed: string;
    oldest_due_on: string;
    reported: boolean;
  }>`SELECT owing.person::text AS client_id, array_agg(DISTINCT owing.month ORDER BY owing.month) AS months,
      sum(owing.owed)::text AS owed, min(owing.due_on)::text AS oldest_due_on,
      EXISTS (SELECT 1 FROM ${s('arrears')} a LEFT JOIN ${s('client_directory')} ad ON ad.client_id = a.client_id
        WHERE coalesce(ad.merged_into, a.client_id) = owing.person AND a.municipality = ${municipality}) AS reported
    FROM (
      SELECT coalesce(d.merged_into, st.client_id) AS person, st.month, st.due_on, ${owed} AS owed
      FROM ${s('statements')} st LEFT JOIN ${s('client_directory')} d ON d.client_id = st.client_id
      WHERE st.municipality = ${municipality} AND ${owed} > 0 AND st.due_on < ${asOf}::date
    ) owing
    ${afterClient ? sql`WHERE owing.person > ${afterClient}::uuid` : sql``}
    GROUP BY owing.person
    ORDER BY owing.person LIMIT ${limit + 1}`.execute(ctx.store.db);
  return rows;
}
