import type { MunicipalityCode } from '@casework/contracts';
import { pageOf, type ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';

const table = (ctx: ServiceContext, name: string) => sql.id(ctx.store.schema, name);

/** A page of a municipality's bank lines no statement matched (or several did) and no one assigned yet. */
export async function openBankLines(
  ctx: ServiceContext,
  q: { municipality: string; after?: readonly (string | number)[] | undefined; limit: number },
) {
  const { rows } = await sql<{
    line_id: string;
    booked_on: string;
    amount: string;
    currency: 'EUR' | 'BGN';
    refs: string[];
    outcome: 'unmatched' | 'ambiguous';
  }>`SELECT line_id, booked_on::text, amount::text, currency, refs, outcome FROM ${table(ctx, 'bank_lines')}
    WHERE municipality = ${q.municipality} AND payment_id IS NULL AND outcome IN ('unmatched', 'ambiguous')
      ${q.after ? sql`AND (booked_on, line_id) > (${String(q.after[0])}::date, ${String(q.after[1])})` : sql``}
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
}

/** A bank line's municipality and the file it came in (by content), if it was imported. */
export async function bankLineOf(ctx: ServiceContext, lineId: string) {
  const { rows } = await sql<{ municipality: MunicipalityCode; sha256: string }>`
    SELECT l.municipality, i.sha256 FROM ${table(ctx, 'bank_lines')} l JOIN ${table(ctx, 'bank_imports')} i USING (import_id)
    WHERE l.line_id = ${lineId}`.execute(ctx.store.db);
  return rows[0];
}
