import {
  type AdjustmentRaised,
  type EventOf,
  type MonthAssessed,
  PeriodClosed,
  type StatementIssued,
  StatementNumbersAllocated,
} from '@casework/contracts';
import type { Projection, RecordedEvent, Tx } from '@casework/eventstore';
import { sql } from 'kysely';
import { applyPaymentEvent, paymentEventTypes } from './payments.js';

/** Billing's own events: validated against their schemas when they were appended. */
type Data<T extends typeof MonthAssessed | typeof StatementIssued | typeof AdjustmentRaised> =
  EventOf<T>['data'];

/** A run's events: rows only added, never changed, so a batch of them is written a table at a time. */
const ADDED = new Set(['MonthAssessed', 'StatementIssued', 'AdjustmentRaised']);

/**
 * Statements as issued, each month's assessment line by line, the adjustments raised, and each
 * municipality's months: how many statements, and when closed. A run appends three events a client, so
 * consecutive ones are written a table at a time (one statement each, a replay adding nothing); payments
 * and periods, which change rows, are applied one by one in order after them.
 */
export const statementsProjection = (schema: string): Projection => {
  const s = (table: string) => sql.id(schema, table);
  const json = (rows: unknown[]) => JSON.stringify(rows);

  async function addAll(events: RecordedEvent[], tx: Tx) {
    const assessed: Data<typeof MonthAssessed>[] = [];
    const issued: (Data<typeof StatementIssued> & { recordedAt: string })[] = [];
    const raised: Data<typeof AdjustmentRaised>[] = [];
    for (const e of events) {
      if (e.type === 'MonthAssessed') assessed.push(e.data as Data<typeof MonthAssessed>);
      else if (e.type === 'StatementIssued')
        issued.push({ ...(e.data as Data<typeof StatementIssued>), recordedAt: e.recordedAt });
      else raised.push(e.data as Data<typeof AdjustmentRaised>);
    }
    if (assessed.length > 0)
      await sql`INSERT INTO ${s('assessments')} (statement_id, client_id, municipality, month, total, lines)
        SELECT x.statement_id, x.client_id, x.municipality, x.month, (x.total ->> 'amountMinor')::bigint, x.lines
        FROM jsonb_to_recordset(${json(
          assessed.map((d) => ({
            statement_id: d.statementId,
            client_id: d.clientId,
            municipality: d.municipality,
            month: d.month,
            total: d.total,
            lines: d.lines,
          })),
        )}::jsonb) AS x(statement_id uuid, client_id uuid, municipality text, month text, total jsonb, lines jsonb)
        ON CONFLICT (statement_id) DO NOTHING`.execute(tx);
    if (issued.length > 0)
      await sql`INSERT INTO ${s('statements')} (statement_id, statement_number, payment_reference, client_id,
          municipality, month, issued_on, due_on, assessed, adjusted, credit_applied, total_due, state_share,
          adjustments, recorded_at, outstanding)
        SELECT x.statement_id, x.statement_number, x.payment_reference, x.client_id, x.municipality, x.month,
          x.issued_on, x.due_on, x.assessed, x.adjusted, x.credit_applied, x.total_due, x.state_share,
          ARRAY(SELECT jsonb_array_elements_text(x.adjustments))::uuid[], x.recorded_at, x.total_due
        FROM jsonb_to_recordset(${json(
          issued.map((d) => ({
            statement_id: d.statementId,
            statement_number: d.statementNumber,
            payment_reference: d.paymentReference,
            client_id: d.clientId,
            municipality: d.municipality,
            month: d.month,
            issued_on: d.issuedOn,
            due_on: d.dueOn,
            assessed: d.assessed.amountMinor,
            adjusted: d.adjustments.reduce((n, a) => n + a.amount.amountMinor, 0),
            credit_applied: d.creditApplied.amountMinor,
            total_due: d.totalDue.amountMinor,
            state_share: d.stateShare.amountMinor,
            adjustments: d.adjustments.map((a) => a.adjustmentId),
            recorded_at: d.recordedAt,
          })),
        )}::jsonb) AS x(statement_id uuid, statement_number text, payment_reference text, client_id uuid,
          municipality text, month text, issued_on date, due_on date, assessed bigint, adjusted bigint,
          credit_applied bigint, total_due bigint, state_share bigint, adjustments jsonb, recorded_at timestamptz)
        ON CONFLICT (statement_id) DO NOTHING`.execute(tx);
    if (raised.length > 0)
      await sql`INSERT INTO ${s('adjustments')} (adjustment_id, client_id, municipality, corrects_month,
          placement_id, service_type, billed, corrected, amount, caused_by)
        SELECT x.adjustment_id, x.client_id, x.municipality, x.corrects_month, x.placement_id, x.service_type,
          x.billed, x.corrected, x.amount, ARRAY(SELECT jsonb_array_elements_text(x.caused_by))::uuid[]
        FROM jsonb_to_recordset(${json(
          raised.map((d) => ({
            adjustment_id: d.adjustmentId,
            client_id: d.clientId,
            municipality: d.municipality,
            corrects_month: d.correctsMonth,
            placement_id: d.placementId,
            service_type: d.serviceType,
            billed: d.billed.amountMinor,
            corrected: d.corrected.amountMinor,
            amount: d.amount.amountMinor,
            caused_by: d.causedBy,
          })),
        )}::jsonb) AS x(adjustment_id uuid, client_id uuid, municipality text, corrects_month text,
          placement_id uuid, service_type text, billed bigint, corrected bigint, amount bigint, caused_by jsonb)
        ON CONFLICT (adjustment_id) DO NOTHING`.execute(tx);
  }

  async function applyOne(e: RecordedEvent, tx: Tx) {
    switch (e.type) {
      case StatementNumbersAllocated.name: {
        const d = e.data as EventOf<typeof StatementNumbersAllocated>['data'];
        await sql`INSERT INTO ${s('periods')} (municipality, month, statements)
          VALUES (${d.municipality}, ${d.month}, ${d.first + d.count - 1})
          ON CONFLICT (municipality, month) DO UPDATE SET statements = EXCLUDED.statements`.execute(tx);
        return;
      }
      case PeriodClosed.name: {
        const d = e.data as EventOf<typeof PeriodClosed>['data'];
        await sql`INSERT INTO ${s('periods')} (municipality, month, statements, closed_on)
          VALUES (${d.municipality}, ${d.month}, ${d.statements}, ${d.closedOn}::date)
          ON CONFLICT (municipality, month) DO UPDATE SET closed_on = EXCLUDED.closed_on`.execute(tx);
        return;
      }
      default:
        await applyPaymentEvent(schema, e, tx);
    }
  }

  return {
    name: 'statements',
    handles: [...ADDED, StatementNumbersAllocated.name, PeriodClosed.name, ...paymentEventTypes],
    async applyBatch(events, tx) {
      let run: RecordedEvent[] = [];
      for (const e of events) {
        if (ADDED.has(e.type)) {
          run.push(e);
          continue;
        }
        // a payment's statement row is written before the payment changes it
        if (run.length > 0) await addAll(run, tx);
        run = [];
        await applyOne(e, tx);
      }
      if (run.length > 0) await addAll(run, tx);
    },
    reset: async (tx) => {
      await sql`TRUNCATE ${s('statements')}, ${s('assessments')}, ${s('adjustments')}, ${s('periods')},
        ${s('payments')}, ${s('bank_imports')}, ${s('bank_lines')}, ${s('arrears')}`.execute(tx);
    },
  };
};
