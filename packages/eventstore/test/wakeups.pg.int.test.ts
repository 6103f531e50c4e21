import { testDatabaseUrl } from '@casework/testkit';
import { sql } from 'kysely';
import t, { type Test } from 'tap';
import { connectPostgres, type Database, EventStore, migrate } from '../src/index.js';
import { event } from './eventStoreSuite.js';
import { appendInOwnTransaction, lazyFollower, sleep, wakeupSuite } from './wakeupSuite.js';

const connect = async (t: Test, url?: string): Promise<Database> => {
  const database = connectPostgres(url ?? (await testDatabaseUrl(t)));
  t.teardown(() => database.close());
  return database;
};

wakeupSuite(t, (t) => connect(t));

t.test('an append by another process (another pool, another EventStore) wakes a follower', async (t) => {
  const url = await testDatabaseUrl(t);
  const database = await connect(t, url);
  await migrate(database.db, 'es');
  const follower = await lazyFollower(new EventStore(database, 'es'), database);
  const elsewhere = new EventStore(await connect(t, url), 'es');
  for (let i = 0; i < 3; i++) {
    const e = event('Elsewhere', { i });
    await elsewhere.append([
      { streamId: `e-${i}`, streamType: 's', expectedVersion: 'no_stream', events: [e] },
    ]);
    const took = await follower.sees(e.metadata.id);
    t.ok(took !== undefined, `seen in ${took} ms, long before the 20 s poll`);
  }
  await follower.stop();
});

t.test('the listening connection comes back after pg_terminate_backend', async (t) => {
  const database = await connect(t);
  await migrate(database.db, 'es');
  const store = new EventStore(database, 'es');
  const follower = await lazyFollower(store, database);
  const listener = async () =>
    (
      await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity
        WHERE application_name = 'casework-listener' AND datname = current_database()
          AND query LIKE 'LISTEN%'`.execute(database.db)
    ).rows.map((r) => r.pid);
  const [pid] = await listener();
  t.ok(pid, 'one listening connection');
  await sql`SELECT pg_terminate_backend(${pid}::int)`.execute(database.db);
  let back: number[] = [];
  for (const until = Date.now() + 5_000; Date.now() < until; await sleep(50)) {
    back = (await listener()).filter((p) => p !== pid);
    if (back.length) break;
  }
  t.equal(back.length, 1, 'a new listening connection within 5 s');
  await sleep(100);
  const took = await follower.sees(await appendInOwnTransaction(database, store, 'after-kill'), 3_000);
  t.ok(took !== undefined, `an append after the kill is seen in ${took} ms`);
  await follower.stop();
});

t.test('close() ends the listening connection', async (t) => {
  const url = await testDatabaseUrl(t);
  const database = connectPostgres(url);
  await migrate(database.db, 'es');
  await new EventStore(database, 'es').listen();
  await database.close();
  const watcher = await connect(t, url);
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE application_name = 'casework-listener' AND datname = current_database()`.execute(watcher.db);
  t.equal(rows[0]?.n, 0, 'no listener left');
});
