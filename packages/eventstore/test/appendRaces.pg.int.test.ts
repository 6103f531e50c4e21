import { heldTransaction, testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { ConcurrencyError, EventStore, migrate } from '../src/index.js';
import { event } from './eventStoreSuite.js';

// Appends racing to create the same stream, one of one stream and one of several with a long batch
// (the window in which a creator holds rows the other needs): one wins, the other is told so, and
// neither waits on the other in a cycle (a deadlock is not a concurrency error).
t.test('a creator of one stream racing a creator of several: one wins, never a deadlock', async (t) => {
  const database = await testPostgres(t);
  await migrate(database.db, 'es');
  const store = new EventStore(database, 'es');
  const many = () => Array.from({ length: 3000 }, () => event('Raced', { note: 'x'.repeat(100) }));
  let deadlocks = 0;
  for (let round = 0; round < 12; round++) {
    const x = `x-${round}`;
    const several = store.append([
      { streamId: `a-${round}`, streamType: 'r', expectedVersion: 'no_stream', events: many() },
      { streamId: x, streamType: 'r', expectedVersion: 'no_stream', events: [event('Raced', {})] },
      { streamId: `z-${round}`, streamType: 'r', expectedVersion: 'no_stream', events: many() },
    ]);
    // let the batch get under way, then create its stream alone
    await new Promise((r) => setTimeout(r, 5 + round * 7));
    const one = store.append([
      { streamId: x, streamType: 'r', expectedVersion: 'no_stream', events: [event('Raced', {})] },
    ]);
    const outcomes = await Promise.allSettled([several, one]);
    const won = outcomes.filter((o) => o.status === 'fulfilled').length;
    for (const o of outcomes)
      if (o.status === 'rejected' && !(o.reason instanceof ConcurrencyError)) {
        if ((o.reason as { code?: string }).code === '40P01') deadlocks++;
        else throw o.reason;
      }
    t.ok(won <= 1, `round ${round}: at most one created ${x}`);
    if (deadlocks === 0) t.equal(won, 1, `round ${round}: one created ${x}`);
  }
  t.equal(deadlocks, 0, 'no deadlock');
});

// Known streams are locked in stream-id order, whatever order the append names them in: with `b` held
// by another transaction, an append naming b then a has locked a already while it waits for b (in the
// order named, it would wait for b holding nothing). Two appends of the same streams therefore queue.
t.test(
  'an append of known streams locks them in stream-id order, whatever order it names them',
  async (t) => {
    const database = await testPostgres(t, { max: 4 });
    await migrate(database.db, 'es');
    const store = new EventStore(database, 'es');
    for (const id of ['a', 'b'])
      await store.append([
        { streamId: id, streamType: 'r', expectedVersion: 'no_stream', events: [event('E', {})] },
      ]);
    const holder = heldTransaction(store.db, (tx) =>
      sql`SELECT 1 FROM es.streams WHERE stream_id = 'b' FOR UPDATE`.execute(tx),
    );
    await holder.didWork;
    const appending = store.append([
      { streamId: 'b', streamType: 'r', expectedVersion: 1, events: [event('E', {})] },
      { streamId: 'a', streamType: 'r', expectedVersion: 1, events: [event('E', {})] },
    ]);
    // wait until the append waits on b's row lock, then probe a
    let waiting = false;
    for (let i = 0; i < 100 && !waiting; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%append_events%'`.execute(
        store.db,
      );
      waiting = rows[0]!.n > 0;
    }
    t.ok(waiting, 'the append waits for b');
    const probe = await store
      .transaction((tx) => sql`SELECT 1 FROM es.streams WHERE stream_id = 'a' FOR UPDATE NOWAIT`.execute(tx))
      .then(
        () => 'free',
        (e: { code?: string }) => e.code,
      );
    t.equal(probe, '55P03', 'a is locked by the waiting append (taken first: a < b)');
    holder.commit();
    await holder.done;
    const result = await appending;
    t.same(
      result.streams.map((s) => [s.streamId, s.version]),
      [
        ['b', 2],
        ['a', 2],
      ],
      'then it appends to both',
    );
  },
);

// The store never names a stream twice in an append; the routine called directly refuses it too.
t.test('append_events refuses a payload that names a new stream twice, writing nothing', async (t) => {
  const database = await testPostgres(t);
  await migrate(database.db, 'es');
  const twice = [
    '[]',
    '[{"id":"0195b0c4-0000-7000-8000-000000000001","type":"E","data":{},"metadata":{}}]',
  ].map((events) => `{"streamId":"s","streamType":"r","expected":"no_stream","events":${events}}`);
  await t.rejects(
    sql`SELECT * FROM es.append_events(${`[${twice.join(',')}]`}::jsonb)`.execute(database.db),
    /duplicate key value violates unique constraint "streams_pkey"/,
  );
  const { rows } = await sql<{ n: number }>`SELECT
    (SELECT count(*) FROM es.streams)::int + (SELECT count(*) FROM es.events)::int AS n`.execute(database.db);
  t.equal(rows[0]!.n, 0, 'no stream and no event');
});
