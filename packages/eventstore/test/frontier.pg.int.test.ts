import { heldTransaction, testDatabaseUrl, testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import pg from 'pg';
import t from 'tap';
import { connectPostgres, EventStore, migrate, Subscription } from '../src/index.js';
import { event } from './eventStoreSuite.js';

/** Opens a transaction, appends, and commits only when told: a slow writer. */
const slowWriter = (store: EventStore, streamId: string) =>
  heldTransaction(store.db, (tx) =>
    store.append(
      [{ streamId, streamType: 's', expectedVersion: 'no_stream', events: [event('Slow', {})] }],
      tx,
    ),
  );

t.test('a reader never skips an event that a slower transaction commits after a faster one', async (t) => {
  const database = await testPostgres(t);
  await migrate(database.db, 'es');
  const store = new EventStore(database, 'es');

  const slow = slowWriter(store, 'slow-1');
  await slow.didWork; // holds the lower global position, not committed yet
  await store.append([
    { streamId: 'fast-1', streamType: 's', expectedVersion: 'no_stream', events: [event('Fast', {})] },
  ]);

  const seen: string[] = [];
  const sub = new Subscription({
    name: 'reader',
    source: store,
    target: { db: database.db, schema: 'es' },
    handle: async (events) => {
      seen.push(...events.map((e) => `${e.type}@${e.globalPosition}`));
    },
  });
  await sub.catchUp();
  t.same(seen, [], 'the fast commit waits behind the open slow transaction');

  slow.commit();
  await slow.done;
  // the frontier is cluster-wide: another test's open transaction may hold it for a moment
  for (const until = Date.now() + 10_000; seen.length < 2 && Date.now() < until; )
    await new Promise((r) => setTimeout(r, 20)).then(() => sub.catchUp());
  t.same(seen, ['Slow@1', 'Fast@2'], 'both delivered, the slow one first (commit-safe order)');
  await sub.catchUp();
  t.equal(seen.length, 2, 'nothing twice');
});

t.test('many interleaved writers: a live reader sees every event exactly once', async (t) => {
  const database = await testPostgres(t, { max: 30 });
  await migrate(database.db, 'es');
  const store = new EventStore(database, 'es');
  const seen: string[] = [];
  const sub = new Subscription({
    name: 'live-reader',
    source: store,
    target: { db: database.db, schema: 'es' },
    pollMs: 5,
    batchSize: 7,
    handle: async (events) => {
      seen.push(...events.map((e) => e.eventId));
    },
  });
  sub.start();
  const written: string[] = [];
  await Promise.all(
    Array.from({ length: 20 }, async (_, w) => {
      for (let i = 0; i < 25; i++) {
        const e = event('W', { w, i });
        await store.transaction(async (tx) => {
          await store.append(
            [{ streamId: `w-${w}`, streamType: 'w', expectedVersion: 'any', events: [e] }],
            tx,
          );
          // random hold before commit reorders commits against positions
          await new Promise((r) => setTimeout(r, Math.random() * 4));
        });
        written.push(e.metadata.id);
      }
    }),
  );
  for (let i = 0; i < 200 && seen.length < written.length; i++) await new Promise((r) => setTimeout(r, 25));
  await sub.stop();
  t.equal(seen.length, 500);
  t.same([...seen].sort(), [...written].sort(), 'every event once, none skipped');
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('a transaction open in another database of the server does not hold the frontier', async (t) => {
  const holdMs = Number(process.env.FRONTIER_HOLD_MS ?? 60_000);
  t.setTimeout(holdMs + 60_000);
  const database = await testPostgres(t);
  await migrate(database.db, 'es');
  const store = new EventStore(database, 'es');

  // another database of the same server, with a writing transaction (it has an xid) left open
  const other = new pg.Client({ connectionString: await testDatabaseUrl(t) });
  await other.connect();
  t.teardown(() => other.end());
  await other.query('BEGIN');
  const { rows } = await other.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
  t.ok(rows[0]?.xid, 'the other database holds an xid');

  const appendedAt = new Map<string, number>();
  const delays: number[] = [];
  const sub = new Subscription({
    name: 'follower',
    source: store,
    target: { db: database.db, schema: 'es' },
    pollMs: 50,
    handle: async (events) => {
      for (const e of events) delays.push(Date.now() - appendedAt.get(e.eventId)!);
    },
  });
  sub.start();
  let caughtUp = 0;
  let i = 0;
  for (const until = Date.now() + holdMs; Date.now() < until; i++) {
    const e = event('Tick', { i });
    appendedAt.set(e.metadata.id, Date.now());
    await store.append([{ streamId: 'ticks', streamType: 't', expectedVersion: 'any', events: [e] }]);
    await sleep(100);
    if (i % 10 === 9 && (await sub.lag()) === 0) caughtUp++;
  }
  for (let n = 0; n < 100 && delays.length < i; n++) await sleep(20);
  await sub.stop();
  await other.query('ROLLBACK');
  t.equal(delays.length, i, 'every event read while the other database holds its transaction');
  t.ok(
    delays.length > 0 && Math.max(...delays) < 2_000,
    `each read within 2 s (slowest ${Math.max(...delays)} ms)`,
  );
  t.ok(
    caughtUp >= Math.floor(i / 10) - 1,
    `lag back to 0 again and again (${caughtUp} of ${Math.floor(i / 10)})`,
  );
});

t.test('a read-only transaction in this database does not hold the frontier', async (t) => {
  const database = await testPostgres(t);
  await migrate(database.db, 'es');
  const store = new EventStore(database, 'es');
  const { db } = database;
  await db.transaction().execute(async (reader) => {
    await sql`SELECT count(*) FROM es.events`.execute(reader); // a snapshot, no xid
    await store.append([
      { streamId: 'a', streamType: 's', expectedVersion: 'no_stream', events: [event('A', {})] },
    ]);
    // a short transaction elsewhere on the server, caught in flight by the read's snapshot and over by
    // the time the frontier looks it up, holds one read (its database is no longer known): read again
    let seen: string[] = [];
    for (const until = Date.now() + 2_000; seen.length === 0 && Date.now() < until; await sleep(20))
      seen = (await store.readAll()).map((e) => e.type);
    t.same(seen, ['A'], 'the append is readable while the read-only transaction stays open');
  });
});

t.test('safe_frontier() sees the calling statement’s snapshot', async (t) => {
  const url = await testDatabaseUrl(t);
  const database = connectPostgres(url);
  t.teardown(() => database.close());
  await migrate(database.db, 'es');
  const client = async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    t.teardown(() => c.end());
    return c;
  };
  const writer = await client();
  const reader = await client();
  await writer.query('BEGIN');
  const xid = (await writer.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x')).rows[0]!.x;
  await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  const first = (await reader.query<{ f: string }>('SELECT es.safe_frontier()::text AS f')).rows[0]!.f;
  t.ok(BigInt(first) <= BigInt(xid), 'the open writer in this database holds the frontier');
  await writer.query('COMMIT');
  const again = (await reader.query<{ f: string }>('SELECT es.safe_frontier()::text AS f')).rows[0]!.f;
  t.equal(
    again,
    first,
    'a repeatable-read transaction keeps its frontier: the function took no snapshot of its own',
  );
  await reader.query('COMMIT');
  const later = (await reader.query<{ f: string }>('SELECT es.safe_frontier()::text AS f')).rows[0]!.f;
  t.ok(BigInt(later) > BigInt(xid), 'a new snapshot moves past the committed writer');
});
