import { type EventOf, PeriodClosed, StatementNumbersAllocated } from '@casework/contracts';
import type { Projection, RecordedEvent, Tx } from '@casework/eventstore';
import { sql } from 'kysely';
import { applyPaymentEvent, paymentEventTypes } from './payments.js';

/** A run's events: rows only added, never changed, so a batch of them is written a table at a time. */
const ADDED = new Set(['StatementIssued', 'AdjustmentRaised']);

/**
 * Statements as issued, the adjustments raised, and each municipality's months: how many statements,
 * and when closed. A run appends a statement a client, so consecutive ones are written a table at a time
 * (one statement each, a replay adding nothing); payments and periods, which change rows, are applied
 * one by one in order after them. A statement's lines are not copied: its row points to the MonthAssessed
 * event that holds them, the one its statement's decision appended just before it (account decider).
 */
export const statementsProjection = (schema: string): Projection => {
  const s = (table: string) => sql.id(schema, table);
  /** An event's Money field in euro cents, in SQL over the log's row `e`. */
  const amount = (field: string) => sql.raw(`(e.data -> '${field}' ->> 'amountMinor')::bigint`);

  /**
   * The rows of a run's events, read from the log where they lie (same schema): they go from the event
   * to the read model without a round trip.
   */
  async function addAll(events: RecordedEvent[], tx: Tx) {
    const ids = (type: string) => events.filter((e) => e.type === type).map((e) => e.eventId);
    const issued = ids('StatementIssued');
    const raised = ids('AdjustmentRaised');
    if (issued.length > 0)
      await insertStatements(issued, tx).catch((e: unknown) => {
        throw withoutAssessment(e) ?? e;
      });
    if (raised.length > 0)
      await sql`INSERT INTO ${s('adjustments')} (adjustment_id, client_id, municipality, corrects_month,
          placement_id, service_type, billed, corrected, amount, state_share, caused_by, converted_from_bgn)
        SELECT (e.data ->> 'adjustmentId')::uuid, (e.data ->> 'clientId')::uuid, e.data ->> 'municipality',
          e.data ->> 'correctsMonth', (e.data ->> 'placementId')::uuid, e.data ->> 'serviceType',
          ${amount('billed')}, ${amount('corrected')}, ${amount('amount')}, coalesce(${amount('stateShare')}, 0),
          ARRAY(SELECT jsonb_array_elements_text(e.data -> 'causedBy'))::uuid[],
          coalesce((e.data ->> 'convertedFromBgn')::boolean, false)
        FROM ${s('events')} e WHERE e.event_id = ANY(${raised}::uuid[])
        ON CONFLICT (adjustment_id) DO NOTHING`.execute(tx);
  }

  /**
   * Each statement, and what settled it at issue: credit carried from earlier, or (below zero) the credit
   * it leaves; in one pass over the events (the rows just inserted, so a replay adds neither).
   */
  async function insertStatements(issued: string[], tx: Tx) {
    await sql`WITH added AS (
          INSERT INTO ${s('statements')} (statement_id, statement_number, payment_reference, client_id,
            municipality, month, issued_on, due_on, assessed, adjusted, credit_applied, total_due, state_share,
            adjustments, recorded_at, outstanding, assessment_event)
          SELECT (e.data ->> 'statementId')::uuid, e.data ->> 'statementNumber', e.data ->> 'paymentReference',
            (e.data ->> 'clientId')::uuid, e.data ->> 'municipality', e.data ->> 'month',
            (e.data ->> 'issuedOn')::date, (e.data ->> 'dueOn')::date, ${amount('assessed')},
            (SELECT coalesce(sum((a -> 'amount' ->> 'amountMinor')::bigint), 0)
              FROM jsonb_array_elements(e.data -> 'adjustments') a),
            ${amount('creditApplied')}, ${amount('totalDue')}, ${amount('stateShare')},
            ARRAY(SELECT (a ->> 'adjustmentId')::uuid FROM jsonb_array_elements(e.data -> 'adjustments') a),
            e.recorded_at, ${amount('totalDue')},
            (SELECT m.event_id FROM ${s('events')} m
              WHERE m.stream_id = e.stream_id AND m.stream_position = e.stream_position - 1
                AND m.type = 'MonthAssessed' AND m.data ->> 'statementId' = e.data ->> 'statementId')
          FROM ${s('events')} e WHERE e.event_id = ANY(${issued}::uuid[])
          ON CONFLICT (statement_id) DO NOTHING
          RETURNING statement_id, client_id, municipality, issued_on, credit_applied, assessed + adjusted AS net)
        INSERT INTO ${s('settlements')} (statement_id, source_id, kind, municipality, client_id, on_date,
          recorded_on, amount)
        SELECT statement_id, statement_id, k.kind, municipality, client_id, issued_on, issued_on, k.amount
        FROM added, LATERAL (VALUES ('credit', credit_applied), ('below_zero', net)) AS k(kind, amount)
        WHERE CASE k.kind WHEN 'credit' THEN k.amount > 0 ELSE k.amount < 0 END`.execute(tx);
  }

  /**
   * A statement not directly after its own month assessed in its account's stream (the account decider
   * appends them so) breaks `assessment_event NOT NULL`: said so, naming the statement (the first value
   * of the failing row PostgreSQL reports) and nothing else of the row. It stops the projection's line
   * there, as any failing batch does (ADR 11).
   */
  function withoutAssessment(e: unknown): Error | undefined {
    const failed = e as { code?: unknown; column?: unknown; detail?: unknown } | null;
    if (failed?.code !== '23502' || failed.column !== 'assessment_event') return undefined;
    const statementId = /^Failing row contains \(([0-9a-f-]{36}),/.exec(String(failed.detail))?.[1];
    return new Error(
      `statements: statement ${statementId ?? '(not told)'} has no MonthAssessed just before its StatementIssued in its account's stream`,
    );
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
    readInPlace: [...ADDED],
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
      await sql`TRUNCATE ${s('statements')}, ${s('adjustments')}, ${s('periods')},
        ${s('payments')}, ${s('settlements')}, ${s('bank_imports')}, ${s('bank_lines')}, ${s('arrears')}`.execute(
        tx,
      );
    },
  };
};
