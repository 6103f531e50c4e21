import { testPGlite, testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { type Database, EventStore, migrate } from '../src/index.js';
import { event } from './eventStoreSuite.js';

// Migrations hold the tables' history; the store's routines are code, installed after them as this
// version has them: replaced where a schema holds another version, left alone where it holds this one,
// and installed once when instances start together.

const routines = async (database: Database, schema: string) =>
  (
    await sql<{ name: string; xmin: string; mark: string | null }>`
      SELECT p.proname AS name, p.xmin::text AS xmin, obj_description(p.oid, 'pg_proc') AS mark
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = ${schema} ORDER BY p.proname`.execute(database.db)
  ).rows;

/** Two streams in one append: the routine's path (one stream takes the store's own statements). */
const appendsTwo = async (database: Database, schema: string) => {
  const store = new EventStore(database, schema);
  const r = await store.append(
    ['a', 'b'].map((s) => ({
      streamId: `${s}-${Math.random()}`,
      streamType: s,
      expectedVersion: 'no_stream' as const,
      events: [event('A', {})],
    })),
  );
  return r.streams.map((s) => s.version);
};

t.test('a second migrate with the same code replaces no routine', async (t) => {
  const database = await testPostgres(t);
  await migrate(database.db, 'es');
  const first = await routines(database, 'es');
  t.same(
    first.map((r) => r.name),
    ['append_events', 'read_streams_locked', 'safe_frontier'],
  );
  t.ok(
    first.every((r) => /^[0-9a-f]{64}$/.test(r.mark ?? '')),
    'each marked with its digest',
  );
  await migrate(database.db, 'es');
  t.same(await routines(database, 'es'), first, 'the same rows: nothing replaced');
  t.same(await appendsTwo(database, 'es'), [1, 1]);
});

t.test('a schema holding another version of a routine gets this one', async (t) => {
  const database = await testPostgres(t);
  await migrate(database.db, 'es');
  const installed = await routines(database, 'es');
  // as an older version of the store left it: a different body, no mark
  await sql`CREATE OR REPLACE FUNCTION es.append_events(p_streams jsonb)
    RETURNS TABLE (r_stream_id text, r_version bigint, r_first_position bigint, r_last_position bigint)
    LANGUAGE plpgsql AS $fn$ BEGIN RAISE EXCEPTION 'old version'; END $fn$`.execute(database.db);
  await sql`COMMENT ON FUNCTION es.append_events(jsonb) IS NULL`.execute(database.db);
  await t.rejects(appendsTwo(database, 'es'), /old version/);
  await migrate(database.db, 'es');
  const now = await routines(database, 'es');
  t.same(
    now.map((r) => r.mark),
    installed.map((r) => r.mark),
    'marked as this version',
  );
  t.same(await appendsTwo(database, 'es'), [1, 1], 'appends with this version');
});

t.test('instances migrating one new schema at once install the routines once', async (t) => {
  const database = await testPostgres(t, { max: 6 });
  await Promise.all(Array.from({ length: 4 }, () => migrate(database.db, 'together')));
  const installed = await routines(database, 'together');
  t.equal(installed.length, 3);
  t.ok(installed.every((r) => r.mark));
  t.same(await appendsTwo(database, 'together'), [1, 1]);
});

t.test('PGlite installs them too', async (t) => {
  const database = await testPGlite(t);
  await migrate(database.db, 'es');
  t.equal((await routines(database, 'es')).filter((r) => r.mark).length, 3);
  t.same(await appendsTwo(database, 'es'), [1, 1]);
});
