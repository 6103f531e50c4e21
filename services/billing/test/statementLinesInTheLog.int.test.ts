import { randomUUID } from 'node:crypto';
import { migrate, type RecordedEvent } from '@casework/eventstore';
import { testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { billingMigrations } from '../src/migrations/readModels.js';
import { statementsProjection } from '../src/projections/statements.js';

const SCHEMA = 'billing';
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

t.test('statements are projected again from the log, each pointing to its own month assessed', async (t) => {
  const database = await testPostgres(t);
  const db = database.db;
  const all = billingMigrations(SCHEMA);
  const { '0209_statement_lines_in_the_log': linesInTheLog, ...before } = all;
  t.ok(linesInTheLog, 'the migration is there');
  await migrate(db, SCHEMA, before);

  // a client's account with two months stated, projected as the projection before 0209 did
  const clientId = randomUUID();
  const stream = `account-BGS04-${clientId}`;
  const statements = [randomUUID(), randomUUID()];
  const assessedEvents = [randomUUID(), randomUUID()];
  const append = (position: number, eventId: string, type: string, data: object) =>
    sql`INSERT INTO billing.events (stream_id, stream_position, event_id, type, data, metadata)
      VALUES (${stream}, ${position}, ${eventId}::uuid, ${type}, ${JSON.stringify(data)}::jsonb, '{}'::jsonb)`.execute(
      db,
    );
  const issued = (i: number, statementId: string, total: number) => ({
    clientId,
    municipality: 'BGS04',
    statementId,
    statementNumber: `BGS04-20260${i + 1}-00000${i + 1}`,
    month: `2026-0${i + 1}`,
    issuedOn: `2026-0${i + 2}-01`,
    dueOn: `2026-0${i + 2}-20`,
    paymentReference: `ref-${statementId}`,
    assessed: eur(total),
    adjustments: [],
    creditApplied: eur(0),
    totalDue: eur(total),
    stateShare: eur(0),
  });
  for (const [i, statementId] of statements.entries()) {
    const lines = [{ placementId: randomUUID(), amount: eur(1000 + i) }];
    await append(2 * i + 1, assessedEvents[i]!, 'MonthAssessed', {
      clientId,
      statementId,
      month: `2026-0${i + 1}`,
      lines,
    });
    await append(2 * i + 2, randomUUID(), 'StatementIssued', issued(i, statementId, 1000 + i));
    await sql`INSERT INTO billing.statements (statement_id, statement_number, payment_reference, client_id,
        municipality, month, issued_on, due_on, assessed, adjusted, credit_applied, total_due, state_share,
        adjustments, recorded_at, outstanding)
      VALUES (${statementId}::uuid, ${`BGS04-20260${i + 1}-00000${i + 1}`}, ${`ref-${statementId}`},
        ${clientId}::uuid, 'BGS04', ${`2026-0${i + 1}`}, '2026-03-01', '2026-03-20', 0, 0, 0, 0, 0, '{}', now(), 0)`.execute(
      db,
    );
    await sql`INSERT INTO billing.assessments (statement_id, client_id, municipality, month, total, lines)
      VALUES (${statementId}::uuid, ${clientId}::uuid, 'BGS04', ${`2026-0${i + 1}`}, 0,
        ${JSON.stringify(lines)}::jsonb)`.execute(db);
  }
  await sql`INSERT INTO billing.checkpoints (subscription, transaction_id, global_position)
    VALUES ('projection:statements', pg_current_xact_id(), 4)`.execute(db);

  await migrate(db, SCHEMA, all);
  const { rows: left } = await sql<{ table: string | null; statements: number; at: string }>`
    SELECT to_regclass('billing.assessments')::text AS table,
      (SELECT count(*)::int FROM billing.statements) AS statements,
      (SELECT global_position::text FROM billing.checkpoints WHERE subscription = 'projection:statements') AS at`.execute(
    db,
  );
  t.same(
    left[0],
    { table: null, statements: 0, at: '0' },
    'the copy of the lines is gone, the statements emptied, their projection rewound to the log start',
  );

  // the projection fills them again from the log, as it does on start
  const projection = statementsProjection(SCHEMA);
  const logged = async () =>
    (
      await sql<{ event_id: string; type: string; stream_position: string }>`
        SELECT event_id::text, type, stream_position::text FROM billing.events
        WHERE type = ANY(${[...projection.handles]}::text[]) ORDER BY global_position`.execute(db)
    ).rows.map(
      (r) =>
        ({
          eventId: r.event_id,
          type: r.type,
          streamId: stream,
          streamPosition: Number(r.stream_position),
          data: null,
        }) as unknown as RecordedEvent,
    );
  await db.transaction().execute(async (tx) => {
    if (!projection.applyBatch) throw new Error('the statements projection applies batches');
    await projection.applyBatch(await logged(), tx);
  });
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

  // a statement with something else before it in its stream is refused, naming the statement only
  const orphan = randomUUID();
  await append(5, randomUUID(), 'ArrearsSettled', { clientId, municipality: 'BGS04', on: '2026-04-01' });
  await append(6, randomUUID(), 'StatementIssued', issued(2, orphan, 1002));
  await t.rejects(
    db.transaction().execute(async (tx) => projection.applyBatch!((await logged()).slice(-1), tx)),
    new RegExp(`^statements: statement ${orphan} has no MonthAssessed just before its StatementIssued`),
    'the projection stops there, saying which statement',
  );
});
