import { randomUUID } from 'node:crypto';
import { migrate } from '@casework/eventstore';
import { eventually, testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { eligibilityMigrations } from '../src/migrations/readModels.js';

const SCHEMA = 'eligibility';

t.test('facts kept before the deciding fields were are given them, read from the index alone', async (t) => {
  const database = await testPostgres(t);
  const all = eligibilityMigrations(SCHEMA);
  const { '0203_deciding_facts': deciding, ...before } = all;
  t.ok(deciding, 'the migration is there');
  await migrate(database.db, SCHEMA, before);
  const clientId = randomUUID();
  const reason = 'Ж'.repeat(2000);
  await sql`INSERT INTO eligibility.client_facts (event_id, client_id, type, data, recorded_at) VALUES
    (${randomUUID()}::uuid, ${clientId}::uuid, 'FactRetracted',
      ${JSON.stringify({ clientId, factId: 'f-1', reason })}::jsonb, now())`.execute(database.db);
  await migrate(database.db, SCHEMA, all);
  const { rows } = await sql<{ deciding: object }>`SELECT deciding FROM eligibility.client_facts`.execute(
    database.db,
  );
  t.same(rows[0]!.deciding, { factId: 'f-1' }, 'only what deciding reads: no written reason, no client id');

  // a table of one row is read whole however it is indexed, and vacuum cannot mark its page all-visible
  // while other tests' transactions run: ask for the plan a large, vacuumed one gets
  const plan = () =>
    database.db.connection().execute(async (c) => {
      await sql`SET enable_seqscan = off`.execute(c);
      await sql`SET enable_bitmapscan = off`.execute(c);
      const { rows } = await sql<{
        'QUERY PLAN': string;
      }>`EXPLAIN SELECT event_id, type, deciding, recorded_at
        FROM eligibility.client_facts WHERE client_id = ANY(${[clientId]}::uuid[])`.execute(c);
      await sql`RESET ALL`.execute(c);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
  // an index built after the backfill's updates serves only transactions younger than it (pg_index
  // indcheckxmin), so it may wait for other tests' older transactions to end
  t.ok(
    await eventually(async () =>
      /Index Only Scan using client_facts_deciding/.test(await plan()) ? true : undefined,
    ),
    'the facts are read from the index alone',
  );
});
