import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '@casework/contracts';
import { eventually } from '@casework/testkit';
import { sql } from 'kysely';
import type { Test } from 'tap';
import {
  ConcurrencyError,
  type Database,
  EventStore,
  migrate,
  type NewEvent,
  type Projection,
  ProjectionRunner,
  START,
  Subscription,
} from '../src/index.js';

export function event(type: string, data: Record<string, unknown>, subject = 'x'): NewEvent {
  const metadata: EventMetadata = {
    specversion: '1.0',
    id: randomUUID(),
    type: `casework.test.${type}.v1`,
    source: 'test',
    subject,
    time: new Date().toISOString(),
    correlationid: randomUUID(),
  };
  return { type, data, metadata };
}

/** A counter read model: rows per stream, to observe effects and duplicates. */
export async function counterModel(db: Database['db'], schema: string) {
  await sql`CREATE TABLE IF NOT EXISTS ${sql.id(schema)}.counter (stream_id text PRIMARY KEY, n int NOT NULL)`.execute(
    db,
  );
  const projection: Projection = {
    name: 'counter',
    handles: ['Counted'],
    apply: async (e, tx) => {
      await sql`INSERT INTO ${sql.id(schema)}.counter VALUES (${e.streamId}, 1)
        ON CONFLICT (stream_id) DO UPDATE SET n = counter.n + 1`.execute(tx);
    },
    reset: async (tx) => {
      await sql`TRUNCATE ${sql.id(schema)}.counter`.execute(tx);
    },
  };
  const rows = async () =>
    (
      await sql<{ stream_id: string; n: number }>`SELECT stream_id, n FROM ${sql.id(schema)}.counter
        ORDER BY stream_id`.execute(db)
    ).rows;
  return { projection, rows };
}

/** The event store's behaviour, run against each backend. */
export function eventStoreSuite(t: Test, connect: (t: Test) => Promise<Database>) {
  let store: EventStore;

  t.before(async () => {
    const database = await connect(t);
    await migrate(database.db, 'es');
    store = new EventStore(database, 'es');
  });

  /**
   * Readers see the log only below the oldest transaction in flight on the whole server, another test
   * file's included: wait until they see everything committed here.
   */
  const settled = async (t: Test) =>
    t.ok(
      await eventually(async () =>
        (await store.countAfter(START)) === (await store.readAll(START, { limit: 100_000 })).length
          ? true
          : undefined,
      ),
      'readers see the whole log',
    );

  t.test('appends and reads a stream with its version', async (t) => {
    const r = await store.append([
      { streamId: 'a-1', streamType: 'a', expectedVersion: 'no_stream', events: [event('One', { i: 1 })] },
    ]);
    t.equal(r.streams[0]?.version, 1);
    await store.append([
      {
        streamId: 'a-1',
        streamType: 'a',
        expectedVersion: 1,
        events: [event('Two', { i: 2 }), event('Three', { i: 3 })],
      },
    ]);
    const { version, events } = await store.readStream('a-1');
    t.equal(version, 3);
    t.same(
      events.map((e) => [e.type, e.streamPosition, e.data]),
      [
        ['One', 1, { i: 1 }],
        ['Two', 2, { i: 2 }],
        ['Three', 3, { i: 3 }],
      ],
    );
    t.same((await store.readStream('a-1', { afterVersion: 2 })).events.length, 1);
    t.equal((await store.readStream('nothing')).version, 0);
  });

  t.test(
    'an event is read with its recording time in UTC to the millisecond, as toISOString writes it',
    async (t) => {
      // a whole second prints no fraction, a half second one digit: the text PostgreSQL writes varies
      const times = ['2026-03-29 00:59:59.999999+00', '2026-03-29 04:00:00+03', '2026-10-25 01:30:12.5+00'];
      await store.append([
        {
          streamId: 'time-1',
          streamType: 't',
          expectedVersion: 'no_stream',
          events: times.map(() => event('Timed', {})),
        },
      ]);
      for (const [i, time] of times.entries())
        await sql`UPDATE es.events SET recorded_at = ${time}::timestamptz
        WHERE stream_id = 'time-1' AND stream_position = ${i + 1}`.execute(store.db);
      const expected = ['2026-03-29T00:59:59.999Z', '2026-03-29T01:00:00.000Z', '2026-10-25T01:30:12.500Z'];
      const { events } = await store.readStream('time-1');
      t.same(
        events.map((e) => e.recordedAt),
        expected,
      );
      t.same(
        [...(await store.readStreams(['time-1'])).get('time-1')!.events.map((e) => e.recordedAt)],
        expected,
      );
      await settled(t);
      const log = await store.readAll(START, { limit: 100_000 });
      t.same(
        log.filter((e) => e.streamId === 'time-1').map((e) => e.recordedAt),
        expected,
        'read from the log too',
      );
    },
  );

  t.test('no two events share a position in the log, whoever writes them', async (t) => {
    const insert = (position: number) =>
      sql`INSERT INTO es.events (global_position, stream_id, stream_position, event_id, type, data, metadata)
        OVERRIDING SYSTEM VALUE
        VALUES (${position}, ${`twin-${position}-${randomUUID()}`}, 1, ${randomUUID()}, 'Twin', '{}', '{}')`;
    const twice = store.db.transaction().execute(async (tx) => {
      await insert(900_000_001).execute(tx);
      await insert(900_000_001).execute(tx);
    });
    const refused = await twice.then(
      () => undefined,
      (e: { constraint?: string }) => e.constraint,
    );
    t.equal(refused, 'events_commit_order', 'the second is refused by the commit-order key');
    t.equal(
      (
        await sql<{ n: number }>`SELECT count(*)::int AS n FROM es.events WHERE type = 'Twin'`.execute(
          store.db,
        )
      ).rows[0]?.n,
      0,
      'and neither is written',
    );
  });

  t.test('reads several streams at once, each with its own version', async (t) => {
    await store.append([
      { streamId: 'm-1', streamType: 'm', expectedVersion: 'no_stream', events: [event('One', { i: 1 })] },
      {
        streamId: 'm-2',
        streamType: 'm',
        expectedVersion: 'no_stream',
        events: [event('One', { i: 1 }), event('Two', { i: 2 })],
      },
    ]);
    const read = await store.readStreams(['m-2', 'm-1', 'm-none']);
    t.same(
      [...read.entries()].map(([id, s]) => [id, s.version, s.events.map((e) => e.streamPosition)]),
      [
        ['m-2', 2, [1, 2]],
        ['m-1', 1, [1]],
        ['m-none', 0, []],
      ],
    );
    t.same(await store.readStreams([]), new Map());
    t.same(
      (await store.readStreams(['m-2', 'm-2'])).get('m-2')!.events.map((e) => e.streamPosition),
      [1, 2],
      'a stream named twice is read once',
    );
  });

  t.test('snapshots: a later version replaces, an older never does, another codec is not read', async (t) => {
    await store.saveSnapshots([
      { streamId: 'snap-1', version: 3, codec: 1, state: { n: 3 } },
      { streamId: 'snap-2', version: 5, codec: 1, state: { n: 5 } },
    ]);
    await store.saveSnapshots([
      { streamId: 'snap-1', version: 2, codec: 1, state: { n: 2 } },
      { streamId: 'snap-2', version: 7, codec: 1, state: { n: 7 } },
    ]);
    await store.saveSnapshot('snap-3', { version: 1, codec: 2, state: { n: 1 } });
    await store.saveSnapshots([]);
    t.same([...(await store.loadSnapshots(['snap-1', 'snap-2', 'snap-3', 'snap-none'], 1))].sort(), [
      ['snap-1', { version: 3, state: { n: 3 } }],
      ['snap-2', { version: 7, state: { n: 7 } }],
    ]);
    // a new codec replaces the old one's state, whatever its version
    await store.saveSnapshot('snap-2', { version: 1, codec: 2, state: { m: 1 } });
    t.same(await store.loadSnapshots(['snap-2'], 1), new Map());
    t.same(await store.loadSnapshots(['snap-2'], 2), new Map([['snap-2', { version: 1, state: { m: 1 } }]]));
  });

  t.test(
    'two writers with the same expected version: one wins, the other gets a ConcurrencyError',
    async (t) => {
      await store.append([
        { streamId: 'b-1', streamType: 'b', expectedVersion: 'no_stream', events: [event('E', {})] },
      ]);
      const results = await Promise.allSettled([
        store.append([{ streamId: 'b-1', streamType: 'b', expectedVersion: 1, events: [event('W1', {})] }]),
        store.append([{ streamId: 'b-1', streamType: 'b', expectedVersion: 1, events: [event('W2', {})] }]),
      ]);
      t.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      t.type(rejected.reason, ConcurrencyError);
      t.match(rejected.reason, { streamId: 'b-1', expected: '1', actual: 2 });
      t.equal((await store.readStream('b-1')).events.length, 2);
    },
  );

  t.test('two writers creating the same new stream: one wins', async (t) => {
    const results = await Promise.allSettled(
      [1, 2, 3].map((i) =>
        store.append([
          { streamId: 'c-1', streamType: 'c', expectedVersion: 'no_stream', events: [event('E', { i })] },
        ]),
      ),
    );
    t.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    t.ok(results.filter((r) => r.status === 'rejected').every((r) => r.reason instanceof ConcurrencyError));
    t.equal((await store.readStream('c-1')).version, 1);
  });

  t.test('an append to several streams is all or nothing', async (t) => {
    await store.append([
      { streamId: 'd-2', streamType: 'd', expectedVersion: 'no_stream', events: [event('E', {})] },
    ]);
    await t.rejects(
      store.append([
        { streamId: 'd-1', streamType: 'd', expectedVersion: 'no_stream', events: [event('E', {})] },
        { streamId: 'd-2', streamType: 'd', expectedVersion: 'no_stream', events: [event('E', {})] },
      ]),
      { code: 'STALE_VERSION', streamId: 'd-2', expected: 'no_stream', actual: 1, younger: false },
      'the stream there already is named, with its version',
    );
    t.equal((await store.readStream('d-1')).version, 0, 'the first stream was not written');
    const ok = await store.append([
      { streamId: 'd-1', streamType: 'd', expectedVersion: 'no_stream', events: [event('E', {})] },
      { streamId: 'd-2', streamType: 'd', expectedVersion: 1, events: [event('F', {}), event('G', {})] },
    ]);
    t.same(
      ok.streams.map((s) => [s.streamId, s.version]),
      [
        ['d-1', 1],
        ['d-2', 3],
      ],
    );
  });

  t.test('expected version any and stream_exists', async (t) => {
    await t.rejects(
      store.append([
        { streamId: 'e-1', streamType: 'e', expectedVersion: 'stream_exists', events: [event('E', {})] },
      ]),
      { code: 'STALE_VERSION' },
    );
    await store.append([
      { streamId: 'e-1', streamType: 'e', expectedVersion: 'any', events: [event('E', {})] },
    ]);
    await store.append([
      { streamId: 'e-1', streamType: 'e', expectedVersion: 'any', events: [event('E', {})] },
    ]);
    t.equal(await store.streamVersion('e-1'), 2);
  });

  t.test('the global log reads everything in commit order, in pages', async (t) => {
    await settled(t);
    const all = await store.readAll(undefined, { limit: 10_000 });
    const page1 = await store.readAll(undefined, { limit: 3 });
    const last = page1[2]!;
    const page2 = await store.readAll(
      { transactionId: last.transactionId, globalPosition: last.globalPosition },
      { limit: 10_000 },
    );
    t.same(
      [...page1, ...page2].map((e) => e.eventId),
      all.map((e) => e.eventId),
      'pages join up',
    );
    const keys = all.map((e) => [BigInt(e.transactionId), BigInt(e.globalPosition)] as const);
    t.ok(
      keys.every(
        (k, i) => i === 0 || k[0] > keys[i - 1]![0] || (k[0] === keys[i - 1]![0] && k[1] > keys[i - 1]![1]),
      ),
      'ordered by (transaction, position)',
    );
    t.equal(await store.countAfter(page1[2]!), all.length - 3);
    const encoded = await store.readAllEncoded(undefined, { limit: 10_000 });
    t.same(
      encoded.map((e) => ({ ...e, data: JSON.parse(e.data) })),
      all,
      'the same log with each event data as its JSON text',
    );
  });

  t.test(
    'a subscription that crashes after its effect but before its checkpoint applies the effect once',
    async (t) => {
      const { projection, rows } = await counterModel(store.db, 'es');
      for (let i = 0; i < 5; i++)
        await store.append([
          { streamId: 'k-1', streamType: 'k', expectedVersion: 'any', events: [event('Counted', {})] },
        ]);
      let crash = true;
      const sub = new Subscription({
        name: 'crashy',
        source: store,
        target: { db: store.db, schema: 'es' },
        handle: async (events, tx) => {
          for (const e of events) if (e.type === 'Counted') await projection.apply(e, tx);
          if (crash) throw new Error('crash after the effect, before the checkpoint');
        },
      });
      await settled(t);
      await t.rejects(sub.processBatch(), /crash after the effect/);
      t.same(await rows(), [], 'the effect was rolled back with the batch');
      crash = false;
      await sub.catchUp();
      t.same(await rows(), [{ stream_id: 'k-1', n: 5 }], 'each event applied exactly once');
      await sub.catchUp();
      t.same(await rows(), [{ stream_id: 'k-1', n: 5 }], 'catching up again changes nothing');
      t.equal(await sub.lag(), 0);
    },
  );

  t.test('a projection rebuilt from zero equals the one maintained incrementally', async (t) => {
    const { projection, rows } = await counterModel(store.db, 'es');
    await sql`TRUNCATE es.counter`.execute(store.db);
    const runner = new ProjectionRunner(projection, store);
    await runner.subscription.catchUp();
    for (let i = 0; i < 30; i++)
      await store.append([
        { streamId: `p-${i % 4}`, streamType: 'p', expectedVersion: 'any', events: [event('Counted', {})] },
      ]);
    await settled(t);
    await runner.subscription.catchUp();
    const incremental = await rows();
    t.equal(incremental.length > 0, true);
    await runner.rebuild();
    t.same(await rows(), incremental);
  });

  t.test(
    'a subscription reads the next batch while it applies one, and still applies each event once, in order',
    async (t) => {
      await sql`CREATE TABLE es.ahead (seq serial, n int UNIQUE NOT NULL)`.execute(store.db);
      for (let n = 0; n < 25; n++)
        await store.append([
          {
            streamId: `a-${n % 3}`,
            streamType: 'a',
            expectedVersion: 'any',
            events: [event('Ahead', { n })],
          },
        ]);
      await settled(t);
      // the store the subscription reads through, counting the reads it asks for
      const watched = new EventStore(store.database, 'es');
      let reads = 0;
      let applying = 0;
      let readsWhenApplyingSecond = 0;
      const readLog = watched.readLog.bind(watched) as (...a: unknown[]) => Promise<unknown>;
      (watched as { readLog: unknown }).readLog = (...a: unknown[]) => {
        reads++;
        return readLog(...a);
      };
      let failOn: number | undefined = 17;
      const sub = new Subscription({
        name: 'ahead',
        source: watched,
        types: ['Ahead'],
        batchSize: 5,
        target: { db: store.db, schema: 'es' },
        handle: async (events, tx) => {
          if (++applying === 2) readsWhenApplyingSecond = reads;
          for (const e of events) {
            const { n } = e.data as { n: number };
            if (n === failOn) {
              failOn = undefined;
              throw new Error(`cannot apply ${n} yet`);
            }
            await sql`INSERT INTO es.ahead (n) VALUES (${n})`.execute(tx);
          }
        },
      });
      const applied = async () =>
        (await sql<{ n: number }>`SELECT n FROM es.ahead ORDER BY seq`.execute(store.db)).rows.map(
          (r) => r.n,
        );
      const all = Array.from({ length: 25 }, (_, n) => n);
      await t.rejects(sub.catchUp(), /cannot apply 17 yet/);
      t.same(await applied(), all.slice(0, 15), 'the batches before the failing one, nothing of it');
      await sub.catchUp();
      t.same(await applied(), all, 'then the rest, once each and in order');
      // (PGlite, one connection, serves that read before the batch's transaction; PostgreSQL meanwhile)
      t.equal(readsWhenApplyingSecond, 3, 'the third batch was asked for before the second was applied');
      // a rewind drops what was read ahead: the replay starts at the beginning
      await sql`TRUNCATE es.ahead RESTART IDENTITY`.execute(store.db);
      await store.db.transaction().execute((tx) => sub.takeOver(tx, START));
      await sub.catchUp();
      t.same(await applied(), all, 'replayed from the start, in order');
    },
  );

  t.test('a running subscription wakes on appends', async (t) => {
    let seen = 0;
    const sub = new Subscription({
      name: 'live',
      source: store,
      target: { db: store.db, schema: 'es' },
      pollMs: 60_000,
      handle: async (events) => {
        seen += events.filter((e) => e.type === 'Live').length;
      },
    });
    sub.start();
    await store.append([
      { streamId: 'l-1', streamType: 'l', expectedVersion: 'any', events: [event('Live', {})] },
    ]);
    for (let i = 0; i < 100 && seen === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await sub.stop();
    t.equal(seen, 1);
  });
}
