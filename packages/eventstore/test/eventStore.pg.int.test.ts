import { testDatabaseUrl, testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import pg from 'pg';
import t from 'tap';
import { connectPostgres, EventStore, migrate, START } from '../src/index.js';
import { event, eventStoreSuite } from './eventStoreSuite.js';

eventStoreSuite(t, (t) => testPostgres(t));

t.test('recording times read as ISO-8601 UTC whatever DateStyle and TimeZone the database has', async (t) => {
  const url = await testDatabaseUrl(t);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const name = new URL(url).pathname.slice(1);
  await admin.query(`ALTER DATABASE "${name}" SET DateStyle = 'SQL, DMY'`);
  await admin.query(`ALTER DATABASE "${name}" SET TimeZone = 'Europe/Sofia'`);
  await admin.end();
  const database = connectPostgres(url);
  t.teardown(() => database.close());
  await migrate(database.db, 'es');
  const store = new EventStore(database, 'es');
  await store.append([
    { streamId: 'styled', streamType: 's', expectedVersion: 'no_stream', events: [event('Styled', {})] },
  ]);
  await sql`UPDATE es.events SET recorded_at = '2026-07-01 09:08:07.6+03' WHERE stream_id = 'styled'`.execute(
    database.db,
  );
  const [read] = (await store.readStream('styled')).events;
  t.equal(read?.recordedAt, '2026-07-01T06:08:07.600Z', 'read from the stream');
  const [logged] = await store.readAll(START);
  t.equal(logged?.recordedAt, '2026-07-01T06:08:07.600Z', 'read from the log');
});
