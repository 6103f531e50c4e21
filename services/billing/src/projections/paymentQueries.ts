import type { MunicipalityCode } from '@casework/contracts';
import { eur, PaymentRecord } from '@casework/contracts';
import { inJurisdiction, type Jurisdiction, pageOf, type ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import { z } from 'zod';

type Row = {
  payment_id: string;
  statement_id: string;
  client_id: string;
  municipality: string;
  amount: string;
  received_on: string;
  method: string;
  bank_line_key: string | null;
  allocations: unknown;
  to_credit: string;
  reversed_on: string | null;
  reversal_reason: string | null;
  recorded_at: string;
};

/** Payments from the payments read model, newest recorded first, a page at a time. */
export async function paymentsOf(
  ctx: ServiceContext,
  q: {
    /** Only within it (any, when absent: the caller checked). */
    jurisdiction?: Jurisdiction;
    paymentId?: string;
    municipality?: string;
    clientId?: string;
    statementId?: string;
    after?: string[];
  },
  limit: number,
) {
  const where = [
    q.jurisdiction && inJurisdiction(q.jurisdiction, sql.ref('municipality')),
    q.paymentId ? sql`payment_id = ${q.paymentId}::uuid` : undefined,
    q.municipality ? sql`municipality = ${q.municipality}` : undefined,
    q.clientId ? sql`client_id = ${q.clientId}::uuid` : undefined,
    q.statementId ? sql`statement_id = ${q.statementId}::uuid` : undefined,
    q.after ? sql`(recorded_at, payment_id) < (${q.after[0]}::timestamptz, ${q.after[1]}::uuid)` : undefined,
  ].filter((w) => w !== undefined);
  const { rows } = await sql<Row>`SELECT payment_id::text, statement_id::text, client_id::text, municipality,
      amount::text, received_on::text, method, bank_line_key, allocations, to_credit::text, reversed_on::text,
      reversal_reason, to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS recorded_at
    FROM ${sql.id(ctx.store.schema, 'payments')}
    ${where.length ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``}
    ORDER BY recorded_at DESC, payment_id DESC LIMIT ${limit + 1}`.execute(ctx.store.db);
  const page = pageOf(rows, limit, (r) => [r.recorded_at, r.payment_id]);
  return {
    ...page,
    items: page.items.map((r) =>
      PaymentRecord.parse({
        paymentId: r.payment_id,
        statementId: r.statement_id,
        clientId: r.client_id,
        municipality: r.municipality,
        amount: eur(Number(r.amount)),
        receivedOn: r.received_on,
        method: r.method,
        fromBank: r.bank_line_key !== null,
        allocations: z.array(z.object({ statementId: z.string(), amount: z.any() })).parse(r.allocations),
        toCredit: eur(Number(r.to_credit)),
        reversed: r.reversed_on ? { on: r.reversed_on, reason: r.reversal_reason } : null,
      }),
    ),
  };
}

/** Whose account a payment is on (any jurisdiction: the caller checks). */
export async function paymentAccountOf(
  ctx: ServiceContext,
  paymentId: string,
): Promise<{ clientId: string; municipality: MunicipalityCode } | undefined> {
  const { rows } = await sql<{ client_id: string; municipality: MunicipalityCode }>`
    SELECT client_id::text, municipality FROM ${sql.id(ctx.store.schema, 'payments')}
    WHERE payment_id = ${paymentId}::uuid`.execute(ctx.store.db);
  const row = rows[0];
  return row && { clientId: row.client_id, municipality: row.municipality };
}
