import { randomUUID } from 'node:crypto';
import type { EventStore } from '@casework/eventstore';
import { natsNames, natsUrl, testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import {
  type ConsumerSpec,
  DeadLetters,
  type EventHandler,
  InProcessTransport,
  JetStreamTransport,
  type Transport,
} from '../src/index.js';
import { appendNumbered, eventually, stores } from './harness.js';

/**
 * Order per stream, for both transports: a consumer applies the events of one stream in the order the
 * producer appended them, whatever fails, and however many instances run.
 */

const PUBLISHED = new Set(['Numbered']);
type Kind = 'jetstream' | 'in-process';

async function transport(kind: Kind, names: { prefix: string; stream: string }): Promise<Transport> {
  return kind === 'jetstream'
    ? JetStreamTransport.connect({
        url: await natsUrl(),
        ...names,
        maxDeliver: 5,
        backoffBaseMs: 20,
        leaseMs: 1000,
      })
    : new InProcessTransport({ maxDeliver: 5, backoffBaseMs: 20, leaseMs: 1000, pollMs: 50 });
}

/** Records each application with a global sequence, so the order they happened in can be read back. */
async function orderedSink(store: EventStore): Promise<EventHandler> {
  await sql`CREATE TABLE ${sql.id(store.schema)}.seen (seq bigserial, event_id uuid NOT NULL, stream text, n int)`.execute(
    store.db,
  );
  return async (event, tx) => {
    await sql`INSERT INTO ${sql.id(store.schema)}.seen (event_id, stream, n)
      VALUES (${event.eventId}::uuid, ${event.metadata.subject}, ${(event.data as { n: number }).n})`.execute(
      tx,
    );
  };
}

/** Events applied, twice-applied, and out of order within their stream. */
async function audit(store: EventStore) {
  const s = sql.id(store.schema);
  const { rows } = await sql<{ total: string; doubled: string; inversions: string }>`
    SELECT (SELECT count(*) FROM ${s}.seen)::text AS total,
      (SELECT count(*) - count(DISTINCT event_id) FROM ${s}.seen)::text AS doubled,
      (SELECT count(*) FROM (SELECT n < lag(n) OVER (PARTITION BY stream ORDER BY seq) AS back
        FROM ${s}.seen) x WHERE back)::text AS inversions`.execute(store.db);
  const r = rows[0]!;
  return { total: Number(r.total), doubled: Number(r.doubled), inversions: Number(r.inversions) };
}

const spec = (handle: EventHandler): ConsumerSpec => ({
  name: 'ordered',
  sources: { producer: ['Numbered'] },
  handle,
});

for (const kind of ['jetstream', 'in-process'] as const) {
  t.test(`${kind}: a handler failing on every 7th event keeps order and dead-letters nothing`, async (t) => {
    const database = await testPostgres(t);
    const { producer, targets } = await stores(database, ['c1']);
    const tr = await transport(kind, natsNames());
    t.teardown(() => tr.close());
    tr.startRelay(producer, 'producer', PUBLISHED);
    const sink = await orderedSink(targets.c1!);
    const failed = new Map<number, number>();
    const consumer = tr.startConsumer(
      targets.c1!,
      spec(async (event, tx) => {
        const n = (event.data as { n: number }).n;
        // each 7th event fails twice before it passes: a passing fault, not a poison
        if (n % 7 === 0 && (failed.get(n) ?? 0) < 2) {
          failed.set(n, (failed.get(n) ?? 0) + 1);
          throw new Error(`passing fault at ${n}`);
        }
        await sink(event, tx);
      }),
    );
    await appendNumbered(producer, 0, 300);
    t.ok(await eventually(async () => (await audit(targets.c1!)).total >= 300, 60_000), 'all applied');
    await new Promise((r) => setTimeout(r, 300));
    const seen = await audit(targets.c1!);
    t.same(seen, { total: 300, doubled: 0, inversions: 0 }, 'once each, in stream order');
    const dead = (await new DeadLetters(targets.c1!).list()).length;
    console.log(
      `scenario ${kind} 7th-event faults: sent 300 applied ${seen.total} duplicates ${seen.doubled} order-violations ${seen.inversions} dead-letters ${dead}`,
    );
    t.same([failed.size, new Set(failed.values())], [43, new Set([2])], 'every 7th event failed twice');
    t.same(await new DeadLetters(targets.c1!).list(), [], 'nothing dead-lettered');
    t.equal(consumer.stats().deadLettered, 0);
  });

  t.test(
    `${kind}: two instances of one consumer apply each stream in order; one leaves mid-way`,
    async (t) => {
      const database = await testPostgres(t);
      const { producer, targets } = await stores(database, ['c1']);
      const names = natsNames();
      const a = await transport(kind, names);
      const b = await transport(kind, names);
      t.teardown(() => Promise.all([a.close(), b.close()]));
      for (const tr of [a, b]) tr.startRelay(producer, 'producer', PUBLISHED);
      const sink = await orderedSink(targets.c1!);
      // a slow handler widens the window in which two instances could interleave
      const slow: EventHandler = async (event, tx) => {
        if ((event.data as { n: number }).n % 10 === 0) await new Promise((r) => setTimeout(r, 5));
        await sink(event, tx);
      };
      a.startConsumer(targets.c1!, spec(slow));
      b.startConsumer(targets.c1!, spec(slow));
      const appending = appendNumbered(producer, 0, 400);
      await eventually(async () => (await audit(targets.c1!)).total >= 100, 30_000);
      await a.close(); // one instance goes away mid-stream: the other carries on from its checkpoint
      await appending;
      t.ok(await eventually(async () => (await audit(targets.c1!)).total >= 400, 60_000), 'all applied');
      await new Promise((r) => setTimeout(r, 300));
      const seen = await audit(targets.c1!);
      t.same(seen, { total: 400, doubled: 0, inversions: 0 }, 'once each, in stream order');
      const dead = (await new DeadLetters(targets.c1!).list()).length;
      console.log(
        `scenario ${kind} two instances: sent 400 applied ${seen.total} duplicates ${seen.doubled} order-violations ${seen.inversions} dead-letters ${dead}`,
      );
    },
  );
}

t.test('jetstream: an unreadable envelope is dead-lettered at once and the line moves on', async (t) => {
  const database = await testPostgres(t);
  const { producer, targets } = await stores(database, ['c1']);
  const names = natsNames();
  const tr = await JetStreamTransport.connect({ url: await natsUrl(), ...names, maxDeliver: 5 });
  t.teardown(() => tr.close());
  tr.startRelay(producer, 'producer', PUBLISHED);
  const sink = await orderedSink(targets.c1!);
  const consumer = tr.startConsumer(targets.c1!, spec(sink));
  await appendNumbered(producer, 0, 5);
  t.ok(await eventually(async () => (await audit(targets.c1!)).total === 5));
  // a message no relay wrote: no CloudEvents headers (the stream is the producer's; a test may write it)
  await tr.ensureStream('producer');
  const id = randomUUID();
  await tr.js.publish(`${names.prefix}.producer.Numbered`, '{"n":', { msgID: id });
  await appendNumbered(producer, 5, 5);
  t.ok(await eventually(async () => (await audit(targets.c1!)).total === 10), 'the events after it flowed');
  const [letter] = await new DeadLetters(targets.c1!).list();
  t.match(letter, {
    consumer: 'ordered',
    eventId: id,
    type: 'Numbered',
    deliveries: 1,
    error: /MalformedEnvelope/,
  });
  t.equal(consumer.stats().deadLettered, 1);
});

t.test(
  'jetstream: a failure of the path (a deadlock, a lost connection) is retried without limit',
  async (t) => {
    const database = await testPostgres(t);
    const { producer, targets } = await stores(database, ['c1']);
    const tr = await JetStreamTransport.connect({
      url: await natsUrl(),
      ...natsNames(),
      maxDeliver: 2,
      backoffBaseMs: 10,
    });
    t.teardown(() => tr.close());
    tr.startRelay(producer, 'producer', PUBLISHED);
    const sink = await orderedSink(targets.c1!);
    let deadlocks = 0;
    tr.startConsumer(
      targets.c1!,
      spec(async (event, tx) => {
        if ((event.data as { n: number }).n === 3 && deadlocks < 6) {
          deadlocks++;
          throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        }
        await sink(event, tx);
      }),
    );
    await appendNumbered(producer, 0, 10);
    t.ok(await eventually(async () => (await audit(targets.c1!)).total === 10, 30_000), 'all applied');
    t.equal(deadlocks, 6, 'six deadlocks at one event, with two attempts allowed');
    t.same(await new DeadLetters(targets.c1!).list(), [], 'not one of them counted against the event');
    t.same(await audit(targets.c1!), { total: 10, doubled: 0, inversions: 0 });
  },
);

t.test('jetstream: a slow consumer holds at most its window unacknowledged (backpressure)', async (t) => {
  const database = await testPostgres(t);
  const { producer, targets } = await stores(database, ['c1']);
  const names = natsNames();
  const tr = await JetStreamTransport.connect({ url: await natsUrl(), ...names, batchSize: 20 });
  t.teardown(() => tr.close());
  await appendNumbered(producer, 0, 300);
  const relay = tr.startRelay(producer, 'producer', PUBLISHED);
  t.ok(await eventually(async () => (await relay.lag()) === 0), 'all 300 in the stream');
  const sink = await orderedSink(targets.c1!);
  let peak = 0;
  tr.startConsumer(
    targets.c1!,
    spec(async (event, tx) => {
      await new Promise((r) => setTimeout(r, 2));
      await sink(event, tx);
    }),
  );
  const stream = tr.streamOf('producer');
  const done = async () => (await audit(targets.c1!)).total >= 300;
  while (!(await done())) {
    for await (const c of tr.jsm.consumers.list(stream)) peak = Math.max(peak, c.num_ack_pending);
    await new Promise((r) => setTimeout(r, 20));
  }
  t.ok(peak > 0 && peak <= 40, `never more than the window (2 × batch = 40) unacknowledged (peak ${peak})`);
  t.same(await audit(targets.c1!), { total: 300, doubled: 0, inversions: 0 });
});
