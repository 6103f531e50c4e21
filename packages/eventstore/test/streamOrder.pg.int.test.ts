import { testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import {
  ConcurrencyError,
  EventStore,
  type ExpectedVersion,
  migrate,
  type StreamAppend,
  type Tx,
} from '../src/index.js';
import { event } from './eventStoreSuite.js';

// The log is read in transaction-id order, and a transaction takes its id at its first write. A
// transaction that wrote something, then waited while a younger one appended to a stream and committed
// (placement's withdrawal consumer did, waiting on the client's lock while the eligibility consumer
// listed the entry), must not append that stream's next event: a reader would meet it before the
// younger transaction's event, out of the stream's order. These tests make that interleaving happen on
// a real server and check the append is refused, and that the retried one lands in order.

/** A transaction that writes first (taking its id), then runs `then` when released, then commits. */
function olderTransaction<T>(store: EventStore, then: (tx: Tx) => Promise<T>) {
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let wrote!: (xid: string) => void;
  const hasWritten = new Promise<string>((r) => {
    wrote = r;
  });
  const done = store.transaction(async (tx) => {
    await store.append(
      [
        {
          streamId: `other-${Math.random()}`,
          streamType: 'o',
          expectedVersion: 'no_stream',
          events: [event('First', {})],
        },
      ],
      tx,
    );
    const { rows } = await sql<{ xid: string }>`SELECT pg_current_xact_id()::text AS xid`.execute(tx);
    wrote(rows[0]!.xid);
    await released;
    return then(tx);
  });
  return { hasWritten, release, done };
}

/** A stream's positions in the order every reader of the log meets them (the frontier aside). */
async function inLogOrder(store: EventStore, streamId: string) {
  const { rows } = await sql<{ p: string }>`SELECT stream_position::text AS p FROM es.events
    WHERE stream_id = ${streamId} ORDER BY transaction_id, global_position`.execute(store.db);
  return rows.map((r) => Number(r.p));
}

const cases: { name: string; append: (streamId: string, version: number) => StreamAppend[] }[] = [
  {
    name: 'one stream at its version (the prepared path)',
    append: (streamId, version) => [
      { streamId, streamType: 's', expectedVersion: version, events: [event('Next', {})] },
    ],
  },
  {
    name: "one stream, 'any' version",
    append: (streamId) => [
      {
        streamId,
        streamType: 's',
        expectedVersion: 'any' satisfies ExpectedVersion,
        events: [event('Next', {})],
      },
    ],
  },
  {
    name: 'several streams at once',
    append: (streamId, version) => [
      {
        streamId: `${streamId}-new`,
        streamType: 's',
        expectedVersion: 'no_stream',
        events: [event('Beside', {})],
      },
      { streamId, streamType: 's', expectedVersion: version, events: [event('Next', {})] },
    ],
  },
];

for (const [i, c] of cases.entries()) {
  t.test(`${c.name}: an older transaction may not append after a younger one's commit`, async (t) => {
    const database = await testPostgres(t);
    await migrate(database.db, 'es');
    const store = new EventStore(database, 'es');
    const stream = `entry-${i}`;

    const older = olderTransaction(store, async (tx) => {
      const version = await store.streamVersion(stream, tx); // sees the younger one's commit
      return store.append(c.append(stream, version), tx);
    });
    const olderXid = await older.hasWritten;
    // a younger transaction lists the entry and commits while the older one waits
    await store.append([
      { streamId: stream, streamType: 's', expectedVersion: 'no_stream', events: [event('Listed', {})] },
    ]);
    const { rows } = await sql<{ xid: string }>`SELECT transaction_id::text AS xid FROM es.events
      WHERE stream_id = ${stream}`.execute(store.db);
    t.ok(BigInt(rows[0]!.xid) > BigInt(olderXid), 'the interleaving is real: the listing is younger');

    older.release();
    const refused = await older.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(refused instanceof ConcurrencyError, 'the older append is refused as a concurrency error');
    t.equal((refused as ConcurrencyError | undefined)?.streamId, stream, 'naming the stream');
    t.match((refused as ConcurrencyError | undefined)?.message, /younger transaction/, 'and why');
    t.same(await inLogOrder(store, stream), [1], 'and it wrote nothing (its transaction rolled back)');

    // tried again in a new transaction, as every unit of work does: in order
    const again = olderTransaction(store, async (tx) =>
      store.append(c.append(stream, await store.streamVersion(stream, tx)), tx),
    );
    again.release();
    await again.done;
    t.same(await inLogOrder(store, stream), [1, 2], "a reader of the log meets the stream's events in order");
  });
}

t.test('no refusal without the interleaving', async (t) => {
  const database = await testPostgres(t);
  await migrate(database.db, 'es');
  const store = new EventStore(database, 'es');
  await store.append([
    { streamId: 'kept', streamType: 's', expectedVersion: 'no_stream', events: [event('A', {})] },
  ]);

  // an older transaction appends to a stream nobody younger touched, while a younger one commits elsewhere
  const older = olderTransaction(store, async (tx) => {
    await store.append(
      [{ streamId: 'kept', streamType: 's', expectedVersion: 1, events: [event('B', {})] }],
      tx,
    );
    // and appends again to the stream it just wrote: the same transaction is not younger than itself
    await store.append(
      [{ streamId: 'kept', streamType: 's', expectedVersion: 2, events: [event('C', {})] }],
      tx,
    );
    await store.append(
      [{ streamId: 'kept', streamType: 's', expectedVersion: 'any', events: [event('D', {})] }],
      tx,
    );
  });
  await older.hasWritten;
  await store.append([
    { streamId: 'elsewhere', streamType: 's', expectedVersion: 'no_stream', events: [event('E', {})] },
  ]);
  older.release();
  await older.done;
  t.same(await inLogOrder(store, 'kept'), [1, 2, 3, 4], 'all four appended, in order');
});
