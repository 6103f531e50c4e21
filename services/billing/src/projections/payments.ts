import {
  ArrearsSettled,
  ArrearsThresholdReached,
  BankStatementImported,
  PaymentRecorded,
  PaymentReversed,
  sofiaDate,
} from '@casework/contracts';
import type { RecordedEvent, Tx } from '@casework/eventstore';
import { sql } from 'kysely';

/**
 * Payments and what they leave owed on each statement, bank imports and their lines, and the arrears
 * reported. Part of the statements projection: a payment's statement row is always written before it.
 */
export const paymentEventTypes = [
  PaymentRecorded.name,
  PaymentReversed.name,
  ArrearsThresholdReached.name,
  ArrearsSettled.name,
  BankStatementImported.name,
];

export async function applyPaymentEvent(schema: string, e: RecordedEvent, tx: Tx): Promise<void> {
  const s = (table: string) => sql.id(schema, table);
  /** Takes each allocation off (−1) or puts it back on (+1) what its statement still owes. */
  const owe = (
    allocations: readonly { statementId: string; amount: { amountMinor: number } }[],
    sign: 1 | -1,
  ) =>
    sql`UPDATE ${s('statements')} st SET outstanding = st.outstanding + ${sign}::int * a.amount
      FROM unnest(${allocations.map((a) => a.statementId)}::uuid[], ${allocations.map((a) => a.amount.amountMinor)}::bigint[])
        AS a(statement_id, amount)
      WHERE st.statement_id = a.statement_id`.execute(tx);
  /** The allocations as settlements of their statements on a date (taken back: negative). */
  const settle = (
    d: { paymentId: string; municipality: string; clientId: string },
    kind: 'payment' | 'reversal',
    on: string,
    allocations: readonly { statementId: string; amount: { amountMinor: number } }[],
  ) =>
    sql`INSERT INTO ${s('settlements')} (statement_id, source_id, kind, municipality, client_id, on_date,
        recorded_on, amount)
      SELECT a.statement_id, ${d.paymentId}::uuid, ${kind}, ${d.municipality}, ${d.clientId}::uuid, ${on}::date,
        ${sofiaDate(new Date(e.metadata.time))}::date, ${kind === 'payment' ? 1 : -1}::int * a.amount
      FROM unnest(${allocations.map((a) => a.statementId)}::uuid[], ${allocations.map((a) => a.amount.amountMinor)}::bigint[])
        AS a(statement_id, amount)
      ON CONFLICT DO NOTHING`.execute(tx);
  switch (e.type) {
    case PaymentRecorded.name: {
      const d = PaymentRecorded.schema.parse(e.data);
      const { numAffectedRows } = await sql`INSERT INTO ${s('payments')} (payment_id, statement_id, client_id,
          municipality, amount, received_on, method, bank_line_key, allocations, to_credit, recorded_at)
        VALUES (${d.paymentId}::uuid, ${d.statementId}::uuid, ${d.clientId}::uuid, ${d.municipality},
          ${d.amount.amountMinor}, ${d.receivedOn}::date, ${d.method}, ${d.bankLineKey},
          ${JSON.stringify(d.allocations)}::jsonb, ${d.toCredit.amountMinor}, ${e.recordedAt}::timestamptz)
        ON CONFLICT (payment_id) DO NOTHING`.execute(tx);
      // applied once: a replayed event finds its payment row and leaves the statements alone
      if (numAffectedRows === 0n) return;
      await owe(d.allocations, -1);
      await settle(d, 'payment', d.receivedOn, d.allocations);
      if (d.bankLineKey)
        await sql`UPDATE ${s('bank_lines')} SET payment_id = ${d.paymentId}::uuid
          WHERE line_key = ${d.bankLineKey}`.execute(tx);
      return;
    }
    case PaymentReversed.name: {
      const d = PaymentReversed.schema.parse(e.data);
      const { numAffectedRows } = await sql`UPDATE ${s('payments')}
        SET reversed_on = ${d.reversedOn}::date, reversal_reason = ${d.reason},
          reinstated = ${JSON.stringify(d.reinstated)}::jsonb
        WHERE payment_id = ${d.paymentId}::uuid AND reversed_on IS NULL`.execute(tx);
      if (numAffectedRows === 0n) return;
      await owe(d.reinstated, 1);
      await settle(d, 'reversal', d.reversedOn, d.reinstated);
      return;
    }
    case ArrearsThresholdReached.name: {
      const d = ArrearsThresholdReached.schema.parse(e.data);
      await sql`INSERT INTO ${s('arrears')} (client_id, municipality, reported_on, months, owed)
        VALUES (${d.clientId}::uuid, ${d.municipality}, ${d.on}::date, ${d.months}::text[], ${d.owed.amountMinor})
        ON CONFLICT (client_id, municipality) DO UPDATE
          SET reported_on = EXCLUDED.reported_on, months = EXCLUDED.months, owed = EXCLUDED.owed`.execute(tx);
      return;
    }
    case ArrearsSettled.name: {
      const d = ArrearsSettled.schema.parse(e.data);
      await sql`DELETE FROM ${s('arrears')}
        WHERE client_id = ${d.clientId}::uuid AND municipality = ${d.municipality}`.execute(tx);
      return;
    }
    case BankStatementImported.name: {
      const d = BankStatementImported.schema.parse(e.data);
      await sql`INSERT INTO ${s('bank_imports')} (import_id, municipality, sha256, format, imported_on, lines)
        VALUES (${d.importId}::uuid, ${d.municipality}, ${d.sha256}, ${d.format}, ${d.importedOn}::date,
          ${JSON.stringify(d.lines)}::jsonb)
        ON CONFLICT DO NOTHING`.execute(tx);
      const fresh = d.lines.filter((l) => l.outcome !== 'already_imported');
      if (fresh.length === 0) return;
      // the first import of a line keeps it; a payment recorded for it already (same transaction) marks it
      await sql`INSERT INTO ${s('bank_lines')} (line_id, line_key, municipality, import_id, booked_on, amount,
          currency, refs, outcome, payment_id)
        SELECT l.line_id, l.line_key, ${d.municipality}, ${d.importId}::uuid, l.booked_on, l.amount, l.currency,
          l.refs, l.outcome, (SELECT p.payment_id FROM ${s('bank_line_payments')} p WHERE p.line_key = l.line_key)
        FROM jsonb_to_recordset(${JSON.stringify(
          fresh.map((l) => ({
            line_id: l.lineId,
            line_key: l.lineKey,
            booked_on: l.bookedOn,
            amount: l.amount.amountMinor,
            currency: l.amount.currency,
            refs: l.references,
            outcome: l.outcome,
          })),
        )}::jsonb) AS l(line_id text, line_key text, booked_on date, amount bigint, currency text, refs text[],
          outcome text)
        ON CONFLICT DO NOTHING`.execute(tx);
      return;
    }
  }
}
