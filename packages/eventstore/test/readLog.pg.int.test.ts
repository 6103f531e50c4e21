import { heldTransaction, testDatabaseUrl, testPostgres } from '@casework/testkit';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import t from 'tap';
import { connectPostgres, EventStore, migrate, type Position, positionOf, START } from '../src/index.js';
import { event } from './eventStoreSuite.js';
import { appendMany, readLogSuite } from './readLogSuite.js';

readLogSuite(t, (t) => testPostgres(t));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const before = (a: Position, b: Position) =>
  BigInt(a.transactionId) < BigInt(b.transactionId) ||
  (a.transactionId === b.transactionId && BigInt(a.globalPosition) < BigInt(b.globalPosition));

t.test('through never passes a slower writer still in flight', async (t) => {
  const database = await testPostgres(t);
  await migrate(database.db, 'es');
  const store = new EventStore(database, 'es');
  const slowB = event('B', {});
  const slow = heldTransaction(database.db, (tx) =>
    store.append([{ streamId: 'slow', streamType: 's', expectedVersion: 'no_stream', events: [slowB] }], tx),
  );
  await slow.didWork;
  await appendMany(store, 'A', 50);
  const held = await store.readLog(START, { types: ['B'] });
  t.same(
    held,
    { events: [], through: START, held: false },
    'the open writer holds through back (the A that wait behind it are not what this reader reads)',
  );
  slow.commit();
  await slow.done;
  let page = held;
  for (const until = Date.now() + 5_000; page.events.length === 0 && Date.now() < until; await sleep(20))
    page = await store.readLog(held.through, { types: ['B'] });
  t.same(
    page.events.map((e) => e.eventId),
    [slowB.metadata.id],
    'the slow B is read once it commits',
  );
});

t.test(
  'interleaved writers: a filtered reader following through sees every event of its type once',
  async (t) => {
    const database = await testPostgres(t, { max: 30 });
    await migrate(database.db, 'es');
    const store = new EventStore(database, 'es');
    const seen: string[] = [];
    const wanted: string[] = [];
    let done = false;
    let backwards = 0;
    const reader = (async () => {
      let at = START;
      for (let idle = 0; idle < 20; ) {
        const page = await store.readLog(at, { types: ['B'], limit: 3 });
        if (before(page.through, at)) backwards++;
        seen.push(...page.events.map((e) => e.eventId));
        at = page.through;
        if (done && page.events.length === 0) idle++;
        await sleep(2);
      }
    })();
    await Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        for (let i = 0; i < 25; i++) {
          const e = event(i % 5 === 0 ? 'B' : 'A', { w, i });
          await database.db.transaction().execute(async (tx) => {
            await store.append(
              [{ streamId: `w-${w}`, streamType: 'w', expectedVersion: 'any', events: [e] }],
              tx,
            );
            await sleep(Math.random() * 5); // commits land out of position order
          });
          if (e.type === 'B') wanted.push(e.metadata.id);
        }
      }),
    );
    done = true;
    await reader;
    t.equal(backwards, 0, 'through never goes back');
    t.equal(seen.length, wanted.length, `${wanted.length} B events, each read once`);
    t.same([...seen].sort(), [...wanted].sort(), 'none skipped');
  },
);

t.test('readLog probes the commit-order index (no sequential scan) on 50k rows', async (t) => {
  const url = await testDatabaseUrl(t);
  const database = connectPostgres(url);
  t.teardown(() => database.close());
  await migrate(database.db, 'es');
  const store = new EventStore(database, 'es');
  await sql`INSERT INTO es.events (stream_id, stream_position, event_id, type, data, metadata)
    SELECT 's-' || (g % 100), g, gen_random_uuid(), CASE WHEN g % 1000 = 0 THEN 'B' ELSE 'A' END, '{}', '{}'
    FROM generate_series(1, 50000) g`.execute(database.db);
  await sql`ANALYZE es.events`.execute(database.db);
  const last = (await store.readLog(START, { limit: 100_000 })).through;
  const mid = positionOf((await store.readLog(START, { limit: 40_000 })).events.at(-1)!);
  const page = await store.readLog(mid, { types: ['B'] });
  t.equal(page.events.length, 10, 'the B events past 40k');
  t.same(page.through, last, 'through: the log’s last position');
  // the very statement readLog runs, explained: captured from a Kysely that logs, run with its parameters
  let statement: { sql: string; parameters: readonly unknown[] } | undefined;
  const logging = new Kysely<object>({
    // the test database is dropped WITH (FORCE) at teardown: a connection it cuts must not throw
    dialect: new PostgresDialect({
      pool: new pg.Pool({ connectionString: url, max: 1 }).on('error', () => {}),
    }),
    log: (e) => {
      if (e.level === 'query' && e.query.sql.includes('safe_frontier')) statement = e.query;
    },
  });
  t.teardown(() => logging.destroy());
  await store.readLog(mid, { types: ['B'], executor: logging });
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  t.teardown(() => client.end());
  const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement!.sql}`, [
    ...statement!.parameters,
  ]);
  const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
  t.notMatch(plan, /Seq Scan on events/, 'no sequential scan of events');
  t.match(
    plan,
    /Index (Only )?Scan Backward using events_commit_order/,
    'the last position: one backward probe',
  );
  t.comment(plan);
});
