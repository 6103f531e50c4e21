import { testDatabaseUrl } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { connectPostgres, EventStore, migrate } from '../src/index.js';

// Lookups by key run as named prepared statements, parsed once per connection: an admission's reads
// of its streams, the client directory and the read models it checks skip the parse at every call.

t.test('lookups by key are prepared once per connection', async (t) => {
  const database = connectPostgres(await testDatabaseUrl(t));
  t.teardown(() => database.close());
  await migrate(database.db, 'es');
  const named: string[] = [];
  const store = new EventStore(
    {
      ...database,
      prepare: (text) => {
        named.push(text);
        database.prepare(text);
      },
    },
    'es',
  );
  // the appends' and the stream reads' statements, named at once; a load of snapshots names its own
  t.ok(
    named.some((text) => text.includes('AS s_id')),
    'a read of streams is one of the statements named at once',
  );
  t.ok(
    named.some((text) => text.includes('read_streams_locked')),
    'and so is the read that takes locks first',
  );
  const atOnce = named.length;
  await store.readStreams(['s-1', 's-2']);
  await store.loadSnapshots(['s-1'], 1);
  t.equal(named.length, atOnce + 1, 'a load of snapshots names its statement');
  t.ok(
    named.every((text) => text.includes('"es"')),
    "each statement is the schema's own",
  );

  // the same statement, named, answers as before on every connection of the pool
  const appended = await store.append([
    {
      streamId: 's-1',
      streamType: 'test',
      expectedVersion: 'no_stream',
      events: [
        {
          type: 'Noted',
          data: { n: 1 },
          metadata: {
            specversion: '1.0',
            id: crypto.randomUUID(),
            type: 'Noted',
            source: 'test',
            subject: 's-1',
            time: new Date().toISOString(),
            correlationid: 'c',
          },
        },
      ],
    },
  ]);
  t.equal(appended.streams[0]?.version, 1);
  const reads = await Promise.all(Array.from({ length: 30 }, () => store.readStreams(['s-1', 's-2'])));
  t.ok(
    reads.every(
      (r) => r.get('s-1')?.version === 1 && r.get('s-1')?.events.length === 1 && r.get('s-2')?.version === 0,
    ),
    'thirty reads at once, over the pool: each finds the stream and its event, and the absent one absent',
  );
});

t.test("a read of a command's few streams is planned once, not at every call", async (t) => {
  const database = connectPostgres(await testDatabaseUrl(t));
  t.teardown(() => database.close());
  await migrate(database.db, 'es');
  const store = new EventStore(database, 'es');
  // one connection: its prepared statements and how each was planned
  const plans = await database.db.transaction().execute(async (tx) => {
    for (let i = 0; i < 12; i++) {
      await store.readStreams([`s-${i}`, `s-${i + 1}`], tx);
      await store.loadSnapshots([`s-${i}`], 1, tx);
    }
    const { rows } = await sql<{ name: string; generic_plans: string; custom_plans: string }>`
      SELECT name, generic_plans::text, custom_plans::text FROM pg_prepared_statements
      WHERE statement LIKE '%AS s_id%' AND statement LIKE '%"es".events%'`.execute(tx);
    // the kept plan, made while the tables were empty: a probe of each stream's keys, never a scan
    const explained = rows[0]
      ? await sql<{
          'QUERY PLAN': string;
        }>`EXPLAIN EXECUTE ${sql.id(rows[0].name)}(${sql.lit(JSON.stringify([{ id: 's-1', after: 0 }]))})`.execute(
          tx,
        )
      : { rows: [] };
    const { rows: snapshots } = await sql<{ name: string; generic_plans: string }>`
      SELECT name, generic_plans::text FROM pg_prepared_statements WHERE statement LIKE '%"es".snapshots%'`.execute(
      tx,
    );
    const snapshotPlan = snapshots[0]
      ? await sql<{
          'QUERY PLAN': string;
        }>`EXPLAIN EXECUTE ${sql.id(snapshots[0].name)}(${sql.lit(JSON.stringify(['s-1']))}, 1)`.execute(tx)
      : { rows: [] };
    return {
      rows,
      plan: explained.rows.map((r) => r['QUERY PLAN']).join('\n'),
      snapshots,
      snapshotPlan: snapshotPlan.rows.map((r) => r['QUERY PLAN']).join('\n'),
    };
  });
  t.ok(Number(plans.snapshots[0]?.generic_plans) >= 6, 'a load of snapshots keeps its plan too');
  t.match(plans.snapshotPlan, /Index Scan using snapshots_pkey/, 'each snapshot found by its key');
  t.notMatch(plans.snapshotPlan, /Seq Scan/, 'never the table read whole');
  t.match(plans.plan, /Index Scan using streams_pkey/, 'each stream found by its key');
  t.match(
    plans.plan,
    /Index Scan using events_stream_id_stream_position_key/,
    'its events by their positions',
  );
  t.notMatch(plans.plan, /Seq Scan on (streams|events)/, 'no table read whole');
  t.equal(plans.rows.length, 1, 'the read is one prepared statement');
  t.ok(
    Number(plans.rows[0]!.generic_plans) >= 6,
    `the kept plan serves the calls after the first few (${JSON.stringify(plans.rows[0])})`,
  );
  t.ok(
    Number(plans.rows[0]!.custom_plans) <= 5,
    'at most the five trial plans PostgreSQL makes before keeping one',
  );
});
