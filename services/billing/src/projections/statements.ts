import {
  AdjustmentRaised,
  MonthAssessed,
  PeriodClosed,
  StatementIssued,
  StatementNumbersAllocated,
} from '@casework/contracts';
import type { Projection } from '@casework/eventstore';
import { sql } from 'kysely';
import { applyPaymentEvent, paymentEventTypes } from './payments.js';

/**
 * Statements as issued, each month's assessment line by line, the adjustments raised, and each
 * municipality's months: how many statements, and when closed.
 */
export const statementsProjection = (schema: string): Projection => {
  const s = (table: string) => sql.id(schema, table);
  return {
    name: 'statements',
    handles: [
      MonthAssessed.name,
      StatementIssued.name,
      AdjustmentRaised.name,
      StatementNumbersAllocated.name,
      PeriodClosed.name,
      ...paymentEventTypes,
    ],
    apply: async (e, tx) => {
      switch (e.type) {
        case MonthAssessed.name: {
          const d = MonthAssessed.schema.parse(e.data);
          await sql`INSERT INTO ${s('assessments')} (statement_id, client_id, municipality, month, total, lines)
            VALUES (${d.statementId}::uuid, ${d.clientId}::uuid, ${d.municipality}, ${d.month}, ${d.total.amountMinor},
              ${JSON.stringify(d.lines)}::jsonb)
            ON CONFLICT (statement_id) DO NOTHING`.execute(tx);
          break;
        }
        case StatementIssued.name: {
          const d = StatementIssued.schema.parse(e.data);
          const adjusted = d.adjustments.reduce((n, a) => n + a.amount.amountMinor, 0);
          await sql`INSERT INTO ${s('statements')} (statement_id, statement_number, payment_reference, client_id,
              municipality, month, issued_on, due_on, assessed, adjusted, credit_applied, total_due, state_share,
              adjustments, recorded_at, outstanding)
            VALUES (${d.statementId}::uuid, ${d.statementNumber}, ${d.paymentReference}, ${d.clientId}::uuid,
              ${d.municipality}, ${d.month}, ${d.issuedOn}::date, ${d.dueOn}::date, ${d.assessed.amountMinor}, ${adjusted},
              ${d.creditApplied.amountMinor}, ${d.totalDue.amountMinor}, ${d.stateShare.amountMinor},
              ${d.adjustments.map((a) => a.adjustmentId)}::uuid[], ${e.recordedAt}::timestamptz, ${d.totalDue.amountMinor})
            ON CONFLICT (statement_id) DO NOTHING`.execute(tx);
          break;
        }
        case AdjustmentRaised.name: {
          const d = AdjustmentRaised.schema.parse(e.data);
          await sql`INSERT INTO ${s('adjustments')} (adjustment_id, client_id, municipality, corrects_month,
              placement_id, service_type, billed, corrected, amount, caused_by)
            VALUES (${d.adjustmentId}::uuid, ${d.clientId}::uuid, ${d.municipality}, ${d.correctsMonth},
              ${d.placementId}::uuid, ${d.serviceType}, ${d.billed.amountMinor}, ${d.corrected.amountMinor},
              ${d.amount.amountMinor}, ${d.causedBy}::uuid[])
            ON CONFLICT (adjustment_id) DO NOTHING`.execute(tx);
          break;
        }
        case StatementNumbersAllocated.name: {
          const d = StatementNumbersAllocated.schema.parse(e.data);
          await sql`INSERT INTO ${s('periods')} (municipality, month, statements)
            VALUES (${d.municipality}, ${d.month}, ${d.first + d.count - 1})
            ON CONFLICT (municipality, month) DO UPDATE SET statements = EXCLUDED.statements`.execute(tx);
          break;
        }
        case PeriodClosed.name: {
          const d = PeriodClosed.schema.parse(e.data);
          await sql`INSERT INTO ${s('periods')} (municipality, month, statements, closed_on)
            VALUES (${d.municipality}, ${d.month}, ${d.statements}, ${d.closedOn}::date)
            ON CONFLICT (municipality, month) DO UPDATE SET closed_on = EXCLUDED.closed_on`.execute(tx);
          break;
        }
        default:
          await applyPaymentEvent(schema, e, tx);
      }
    },
    reset: async (tx) => {
      await sql`TRUNCATE ${s('statements')}, ${s('assessments')}, ${s('adjustments')}, ${s('periods')},
        ${s('payments')}, ${s('bank_imports')}, ${s('bank_lines')}, ${s('arrears')}`.execute(tx);
    },
  };
};
