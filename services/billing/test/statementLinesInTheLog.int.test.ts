import { randomUUID } from 'node:crypto';
import { migrate } from '@casework/eventstore';
import { testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { billingMigrations } from '../src/migrations/readModels.js';

const SCHEMA = 'billing';

t.test(
  'statements projected before their lines stayed in the log point to their MonthAssessed event',
  async (t) => {
    const database = await testPostgres(t);
    const db = database.db;
    const all = billingMigrations(SCHEMA);
    const { '0209_statement_lines_in_the_log': linesInTheLog, ...before } = all;
    t.ok(linesInTheLog, 'the migration is there');
    await migrate(db, SCHEMA, before);
    const clientId = randomUUID();
    const stream = `account-BGS04-${clientId}`;
    const statements = [randomUUID(), randomUUID()];
    const assessedEvents = [randomUUID(), randomUUID()];
    for (const [i, statementId] of statements.entries()) {
      const lines = [{ placementId: randomUUID(), amount: { amountMinor: 1000 + i, currency: 'EUR' } }];
      await sql`INSERT INTO billing.events (stream_id, stream_position, event_id, type, data, metadata) VALUES
      (${stream}, ${2 * i + 1}, ${assessedEvents[i]}::uuid, 'MonthAssessed',
        ${JSON.stringify({ clientId, statementId, month: `2026-0${i + 1}`, lines })}::jsonb, '{}'::jsonb),
      (${stream}, ${2 * i + 2}, ${randomUUID()}::uuid, 'StatementIssued', ${JSON.stringify({ statementId })}::jsonb,
        '{}'::jsonb)`.execute(db);
      await sql`INSERT INTO billing.statements (statement_id, statement_number, payment_reference, client_id,
        municipality, month, issued_on, due_on, assessed, adjusted, credit_applied, total_due, state_share,
        adjustments, recorded_at, outstanding)
      VALUES (${statementId}::uuid, ${`BGS04-20260${i + 1}-00000${i + 1}`}, ${`ref-${i}`}, ${clientId}::uuid, 'BGS04',
        ${`2026-0${i + 1}`}, '2026-03-01', '2026-03-20', 0, 0, 0, 0, 0, '{}', now(), 0)`.execute(db);
      await sql`INSERT INTO billing.assessments (statement_id, client_id, municipality, month, total, lines)
      VALUES (${statementId}::uuid, ${clientId}::uuid, 'BGS04', ${`2026-0${i + 1}`}, 0,
        ${JSON.stringify(lines)}::jsonb)`.execute(db);
    }
    await migrate(db, SCHEMA, all);
    const { rows } = await sql<{ statement_id: string; assessment_event: string; amount: string }>`
    SELECT st.statement_id::text, st.assessment_event::text,
      m.data -> 'lines' -> 0 -> 'amount' ->> 'amountMinor' AS amount
    FROM billing.statements st JOIN billing.events m ON m.event_id = st.assessment_event
    ORDER BY st.month`.execute(db);
    t.same(
      rows,
      [
        { statement_id: statements[0], assessment_event: assessedEvents[0], amount: '1000' },
        { statement_id: statements[1], assessment_event: assessedEvents[1], amount: '1001' },
      ],
      "each statement points to its own month's assessment, whose lines are the statement's",
    );
    const { rows: left } = await sql<{ table: string | null }>`
    SELECT to_regclass('billing.assessments')::text AS table`.execute(db);
    t.equal(left[0]!.table, null, 'the copy of the lines is gone');
  },
);
