import { eventually, testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import t, { type Test } from 'tap';
import {
  type Database,
  EventStore,
  migrate,
  type Position,
  type Projection,
  ProjectionGroup,
  ProjectionRunner,
  projectionCheckpoint,
  START,
} from '../src/index.js';
import { event } from './eventStoreSuite.js';

// A service's projections share one reader of its log (ProjectionGroup), each with its own checkpoint:
// every event reaches every projection that handles it exactly once, whether it was applied by the
// group, by the projection catching up on its own (rebuilt, new, or left ahead by a version before
// groups), or by a rebuild that died half-way and was finished by a live instance.

type Fixture = { database: Database; store: EventStore };

async function fixture(t: Test): Promise<Fixture> {
  const database = await testPostgres(t);
  await migrate(database.db, 'es');
  await sql`CREATE TABLE es.tally (model text, stream_id text, n int NOT NULL, with_data int NOT NULL,
    PRIMARY KEY (model, stream_id))`.execute(database.db);
  return { database, store: new EventStore(database, 'es') };
}

/** A read model counting its types' events per stream, and how many of them came with their data. */
function model(name: string, handles: string[], readInPlace?: string[]): Projection {
  return {
    name,
    handles,
    ...(readInPlace ? { readInPlace } : {}),
    apply: async (e, tx) => {
      const withData = e.data === null ? 0 : 1;
      await sql`INSERT INTO es.tally VALUES (${name}, ${e.streamId}, 1, ${withData})
        ON CONFLICT (model, stream_id) DO UPDATE SET n = tally.n + 1, with_data = tally.with_data + ${withData}`.execute(
        tx,
      );
    },
    reset: async (tx) => {
      await sql`DELETE FROM es.tally WHERE model = ${name}`.execute(tx);
    },
  };
}

const tally = async ({ database }: Fixture, name: string) =>
  (
    await sql<{ stream_id: string; n: number; with_data: number }>`
      SELECT stream_id, n, with_data FROM es.tally WHERE model = ${name} ORDER BY stream_id`.execute(
      database.db,
    )
  ).rows.map((r) => `${r.stream_id}:${r.n}`);

/** What a model holds if every event of its types was applied exactly once: counted from the log. */
const expected = async ({ database }: Fixture, types: string[]) =>
  (
    await sql<{ stream_id: string; n: number }>`SELECT stream_id, count(*)::int AS n FROM es.events
      WHERE type = ANY(${types}::text[]) GROUP BY stream_id ORDER BY stream_id`.execute(database.db)
  ).rows.map((r) => `${r.stream_id}:${r.n}`);

/** Events `from`..`to - 1`, one append each, in turn: A, B or C with an Other no projection reads. */
async function append(f: Fixture, from: number, to: number) {
  for (let i = from; i < to; i++)
    await f.store.append([
      {
        streamId: `s-${i % 7}`,
        streamType: 's',
        expectedVersion: 'any',
        events: [event(['A', 'B', 'C'][i % 3]!, { i }), event('Other', { i })],
      },
    ]);
}

/** Readers see the log only below the oldest transaction in flight (another test file's included). */
const settled = (f: Fixture) =>
  eventually(async () =>
    (await f.store.countAfter(START)) === (await f.store.readAll(START, { limit: 100_000 })).length
      ? true
      : undefined,
  );

/** Waits until the model holds every event of its types exactly once (a live group applies them). */
const holdsEach = async (t: Test, f: Fixture, name: string, types: string[]) =>
  t.ok(
    await eventually(async () =>
      JSON.stringify(await tally(f, name)) === JSON.stringify(await expected(f, types)) ? true : undefined,
    ),
    `${name}: every event of ${types.join(', ')} applied once`,
  );

const checkpoint = async (f: Fixture, name: string): Promise<Position> =>
  new ProjectionRunner(model('probe', []), f.store).subscription.checkpoints.read(f.database.db, name);

const models = () => [model('ab', ['A', 'B']), model('b', ['B'], ['B']), model('c', ['C'], ['C'])];

t.test('one reader feeds every projection its own events, once, and moves each checkpoint', async (t) => {
  const f = await fixture(t);
  await append(f, 0, 30);
  await settled(f);
  const group = new ProjectionGroup('projections', models(), f.store);
  let reads = 0;
  const readLog = f.store.readLog.bind(f.store);
  f.store.readLog = ((...args: Parameters<typeof readLog>) => {
    reads++;
    return readLog(...args);
  }) as typeof readLog;
  t.equal(await group.catchUp(), 30, 'each event of a member type read once');
  t.ok(reads <= 3, `the log read once for all three (${reads} reads)`);
  t.same(await tally(f, 'ab'), await expected(f, ['A', 'B']), 'ab: A and B, each once');
  t.same(await tally(f, 'b'), await expected(f, ['B']), 'b: B only');
  t.same(await tally(f, 'c'), await expected(f, ['C']), 'c: C only');
  const { rows } = await sql<{ with_data: number; n: number }>`
    SELECT sum(with_data)::int AS with_data, sum(n)::int AS n FROM es.tally WHERE model = 'ab'`.execute(
    f.database.db,
  );
  t.equal(
    rows[0]!.with_data,
    rows[0]!.n,
    'a type one member reads in place still comes with data to another',
  );
  const at = await checkpoint(f, 'projections');
  for (const name of ['ab', 'b', 'c'])
    t.same(await checkpoint(f, projectionCheckpoint(name)), at, `${name} stands where the group does`);
  await append(f, 30, 40);
  await settled(f);
  await group.catchUp();
  t.same(await tally(f, 'ab'), await expected(f, ['A', 'B']), 'and goes on from there');
});

t.test(
  'one projection rebuilt while the group runs live: the others go on, nothing lost or doubled',
  async (t) => {
    const f = await fixture(t);
    await append(f, 0, 60);
    const group = new ProjectionGroup('projections', models(), f.store, undefined, { rebuildBatchSize: 7 });
    await group.start();
    t.teardown(() => group.stop());
    await settled(f);
    t.ok(
      await eventually(async () => ((await tally(f, 'c')).length === 7 ? true : undefined)),
      'the group is live',
    );
    // appends go on during the rebuild, which replays in small batches to leave room for them
    const writing = append(f, 60, 160);
    const replayed = await group.rebuild('ab');
    await writing;
    t.ok(replayed! > 0, `the rebuild replayed ${replayed} events`);
    await settled(f);
    for (const [name, types] of [
      ['ab', ['A', 'B']],
      ['b', ['B']],
      ['c', ['C']],
    ] as const)
      await holdsEach(t, f, name, [...types]);
    const row = await group.runners[0]!.subscription.checkpoints.readRow(
      f.database.db,
      projectionCheckpoint('ab'),
    );
    t.equal(row.leased, false, 'the rebuilt projection is handed back to the group');
  },
);

t.test(
  'projections left at their own checkpoints by a version before groups continue from them',
  async (t) => {
    const f = await fixture(t);
    await append(f, 0, 30);
    await settled(f);
    const [ab, b, c] = models();
    // as followers of their own left them: ab caught up, b half-way, c never started
    await new ProjectionRunner(ab!, f.store).subscription.catchUp();
    await new ProjectionRunner(b!, f.store).subscription.processBatch(3);
    await append(f, 30, 45);
    await settled(f);
    const group = new ProjectionGroup('projections', [ab!, b!, c!], f.store);
    await group.catchUp();
    t.same(await tally(f, 'ab'), await expected(f, ['A', 'B']), 'the one ahead: only what is past it');
    t.same(await tally(f, 'b'), await expected(f, ['B']), 'the one behind: from where it stood');
    t.same(await tally(f, 'c'), await expected(f, ['C']), 'the new one: from the start');
    const at = await checkpoint(f, 'projections');
    for (const name of ['ab', 'b', 'c'])
      t.same(await checkpoint(f, projectionCheckpoint(name)), at, `${name} is level with the group`);
  },
);

t.test(
  'a projection added to a running deployment catches up on its own while the others go on',
  async (t) => {
    const f = await fixture(t);
    await append(f, 0, 40);
    await settled(f);
    const first = new ProjectionGroup('projections', models().slice(0, 2), f.store);
    await first.catchUp();
    await first.follower.release();
    // the next release adds `c`: the group starts where it was, `c` from the log's start
    const next = new ProjectionGroup('projections', models(), f.store, undefined, { rebuildBatchSize: 5 });
    await next.start();
    t.teardown(() => next.stop());
    await append(f, 40, 80);
    await settled(f);
    for (const [name, types] of [
      ['ab', ['A', 'B']],
      ['c', ['C']],
    ] as const)
      await holdsEach(t, f, name, [...types]);
  },
);

t.test('a rebuild that died half-way is finished by a live instance once its lease runs out', async (t) => {
  const f = await fixture(t);
  await append(f, 0, 30);
  await settled(f);
  const group = new ProjectionGroup('projections', models(), f.store, undefined, { leaseMs: 600 });
  await group.catchUp();
  // another process began rebuilding `b`: emptied it, rewound it under its lease, replayed a little, died
  const dead = new ProjectionRunner(models()[1]!, f.store, undefined, { leaseMs: 600 });
  await f.database.db.transaction().execute(async (tx) => {
    await dead.subscription.takeOver(tx, START);
    await dead.projection.reset(tx);
  });
  await dead.subscription.processBatch(2);
  await group.start();
  t.teardown(() => group.stop());
  await append(f, 30, 50);
  await settled(f);
  await holdsEach(t, f, 'b', ['B']);
  t.same(await tally(f, 'c'), await expected(f, ['C']), 'the others were never held back');
});
