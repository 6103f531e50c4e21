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

/** Sessions of this database holding (or, `granted` false, waiting for) the advisory lock of a key. */
const holders = async (database: Database, key: string, granted = true) => {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks l
    JOIN pg_database d ON d.oid = l.database AND d.datname = current_database()
    WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted = ${granted}
      AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended(${key}, 0)`.execute(database.db);
  return rows[0]!.n;
};

/** Until a session of this database waits for the key's lock (or about 2 s). */
async function untilWaiting(database: Database, key: string) {
  for (let i = 0; i < 100; i++) {
    if ((await holders(database, key, false)) > 0) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

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
  t.ok(await untilWaiting(database, KEY), 'the reader waits for the lock the writer holds');
  t.notOk(readerDone, 'and has read nothing yet');
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

t.test('the locks are taken in the order given', async (t) => {
  const database = await testPostgres(t, { max: 4 });
  const es = await store(database);
  // b held elsewhere: a reader naming a, then b has taken a while it waits for b (named b, then a, it
  // would wait for b holding nothing)
  const holder = heldTransaction(es.db, (tx) =>
    sql`SELECT pg_advisory_xact_lock(hashtextextended('es:b', 0))`.execute(tx),
  );
  await holder.didWork;
  const reader = es.transaction((tx) => es.readStreams([], tx, new Map(), ['es:a', 'es:b']));
  t.ok(await untilWaiting(database, 'es:b'), 'the reader waits for b');
  t.equal(await holders(database, 'es:a'), 1, 'holding a, the key named first');
  holder.commit();
  await holder.done;
  await reader;
  t.equal(await holders(database, 'es:a'), 0, 'all let go at commit');
  await t.rejects(
    es.readStreams(['s-1'], es.db, new Map(), ['es:a']),
    /in a transaction/,
    'never outside a transaction, where they would be let go at once',
  );
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
