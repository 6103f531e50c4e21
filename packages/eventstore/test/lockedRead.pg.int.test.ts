import { heldTransaction, testPGlite, testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { type Database, EventStore, migrate } from '../src/index.js';
import { event } from './eventStoreSuite.js';

// readStreams with lock keys takes the locks and reads in one round trip. What it must keep from the two
// statements it replaces: the locks are held to commit, taken in the order given, and the streams are
// read on a snapshot taken once the locks are held, so a writer that held one and committed meanwhile is
// seen. These tests make a writer hold the lock on a real server and count what the reader sees.

const KEY = 'es:site:lock-1';

async function store(database: Database) {
  await migrate(database.db, 'es');
  return new EventStore(database, 'es');
}

const holders = async (database: Database, key: string) => {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks
    WHERE locktype = 'advisory' AND granted
      AND ((classid::bigint << 32) | objid::bigint) = hashtextextended(${key}, 0)`.execute(database.db);
  return rows[0]!.n;
};

t.test('a reader waiting on the lock reads what the holder committed before releasing it', async (t) => {
  const database = await testPostgres(t);
  const es = await store(database);
  await es.append([
    { streamId: 's-1', streamType: 's', expectedVersion: 'no_stream', events: [event('A', {})] },
  ]);

  // the writer: takes the lock as placement's lockers do, appends, and stays open
  const writer = heldTransaction(es.db, async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${KEY}, 0))`.execute(tx);
    await es.append([{ streamId: 's-1', streamType: 's', expectedVersion: 1, events: [event('B', {})] }], tx);
  });
  await writer.didWork;
  let readerDone = false;
  const reader = es.transaction(async (tx) => {
    const read = await es.readStreams(['s-1', 's-2'], tx, new Map(), [KEY, 'es:site:lock-2']);
    readerDone = true;
    // held to commit: both keys, by this transaction
    t.equal(await holders(database, KEY), 1, 'the first lock is held until the reader commits');
    t.equal(await holders(database, 'es:site:lock-2'), 1, 'and so is the second');
    return read;
  });
  await new Promise((r) => setTimeout(r, 300));
  t.notOk(readerDone, 'the reader waits while the writer holds the lock');
  writer.commit();
  await writer.done;
  const read = await reader;
  t.same(
    read.get('s-1')!.events.map((e) => e.type),
    ['A', 'B'],
    'the event the holder committed is read (the snapshot is taken after the wait)',
  );
  t.equal(read.get('s-1')!.version, 2);
  t.same(read.get('s-2'), { version: 0, events: [] }, 'a stream that does not exist is version 0');
  t.equal(await holders(database, KEY), 0, 'released at commit');
});

t.test('the locks are taken in the order given: two readers naming the same keys queue', async (t) => {
  const database = await testPostgres(t, { max: 4 });
  const es = await store(database);
  const keys = ['es:a', 'es:b', 'es:c'];
  // many transactions at once, each taking all three in the same order and holding them a moment: none
  // deadlocks, and they run one at a time
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 6 }, () =>
      es.transaction(async (tx) => {
        await es.readStreams([], tx, new Map(), keys);
        inside++;
        most = Math.max(most, inside);
        await new Promise((r) => setTimeout(r, 20));
        inside--;
      }),
    ),
  );
  t.equal(most, 1, 'one holder at a time');
});

t.test('in the embedded database too: the locked read reads as the plain one', async (t) => {
  const database = await testPGlite(t);
  const es = await store(database);
  await es.append([
    {
      streamId: 'p-1',
      streamType: 'p',
      expectedVersion: 'no_stream',
      events: [event('A', {}), event('B', {})],
    },
  ]);
  const plain = await es.readStreams(['p-1', 'p-2'], es.db, new Map([['p-1', 1]]));
  const locked = await es.transaction((tx) =>
    es.readStreams(['p-1', 'p-2'], tx, new Map([['p-1', 1]]), [KEY]),
  );
  t.same(locked, plain);
  t.same(
    locked.get('p-1')!.events.map((e) => e.type),
    ['B'],
  );
});
