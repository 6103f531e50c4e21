// The foundation suite: event store, relay and end-to-end figures, each with a same-run baseline.
import { randomUUID } from 'node:crypto';
import { composeEgn, type EventMetadata } from '@casework/contracts';
import { connectPostgres, EventStore, migrate, type NewEvent } from '@casework/eventstore';
import { createPlatform } from '@casework/host';
import { Config } from '@casework/host/config';
import { JetStreamTransport } from '@casework/messaging';
import { allServices } from '@casework/platform/services';
import { mintToken } from '@casework/service-kit';
import { natsNames, natsUrl, servers } from '@casework/testkit';
import Fastify from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { percentile, report, timed } from './stats.js';

const { databaseUrl } = await servers();
const dbName = `cw_bench_${randomUUID().slice(0, 8)}`;
const admin = new pg.Client({ connectionString: databaseUrl });
await admin.connect();
await admin.query(`CREATE DATABASE "${dbName}"`);
const url = new URL(databaseUrl);
url.pathname = `/${dbName}`;
const database = connectPostgres(url.toString(), { max: 20 });
await migrate(database.db, 'bench');
const store = new EventStore(database, 'bench');
await sql`CREATE TABLE bench.raw (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, stream_id text, event_id uuid,
  type text, data jsonb, metadata jsonb, recorded_at timestamptz DEFAULT now())`.execute(database.db);

const meta = (subject: string): EventMetadata => ({
  specversion: '1.0',
  id: randomUUID(),
  type: 'casework.bench.Happened.v1',
  source: 'bench',
  subject,
  time: new Date().toISOString(),
  correlationid: randomUUID(),
});
const ev = (subject: string): NewEvent => ({
  type: 'Happened',
  data: { n: 1, note: 'benchmark' },
  metadata: meta(subject),
});
const rawInsert = (rows: NewEvent[]) =>
  sql`INSERT INTO bench.raw (stream_id, event_id, type, data, metadata) SELECT * FROM jsonb_to_recordset(${JSON.stringify(
    rows.map((r) => ({
      stream_id: r.metadata.subject,
      event_id: r.metadata.id,
      type: r.type,
      data: r.data,
      metadata: r.metadata,
    })),
  )}::jsonb) AS x(stream_id text, event_id uuid, type text, data jsonb, metadata jsonb)`.execute(database.db);

console.log(`Casework benchmarks (PostgreSQL ${new URL(databaseUrl).host}, ${new Date().toISOString()})\n`);

// 1. single-event append latency
const N = 1000;
const rawLat: number[] = [];
const appLat: number[] = [];
for (let i = 0; i < N; i++) {
  rawLat.push((await timed(() => rawInsert([ev(`r-${i}`)])))[0]);
  appLat.push(
    (
      await timed(() =>
        store.append([
          { streamId: `s-${i}`, streamType: 's', expectedVersion: 'no_stream', events: [ev(`s-${i}`)] },
        ]),
      )
    )[0],
  );
}
report('append 1 event, p50 (ms)', percentile(appLat, 50), 'ms', percentile(rawLat, 50), 'p50 <= 4 ms');
report('append 1 event, p99 (ms)', percentile(appLat, 99), 'ms', percentile(rawLat, 99), 'p99 <= 15 ms');

// 2. 16 concurrent writers on distinct streams
const PER = 300;
const [rawMs] = await timed(() =>
  Promise.all(
    Array.from({ length: 16 }, async (_, w) => {
      for (let i = 0; i < PER; i++) await rawInsert([ev(`rw-${w}`)]);
    }),
  ),
);
const [appMs] = await timed(() =>
  Promise.all(
    Array.from({ length: 16 }, async (_, w) => {
      for (let i = 0; i < PER; i++)
        await store.append([
          { streamId: `w-${w}`, streamType: 'w', expectedVersion: i, events: [ev(`w-${w}`)] },
        ]);
    }),
  ),
);
report(
  '16 concurrent writers (events/s)',
  (16 * PER) / (appMs / 1000),
  'ev/s',
  (16 * PER) / (rawMs / 1000),
  '>= 3000 ev/s',
);

// 3. 100-event batch append
const batchLat: number[] = [];
const rawBatchLat: number[] = [];
for (let i = 0; i < 100; i++) {
  const events = Array.from({ length: 100 }, () => ev(`b-${i}`));
  rawBatchLat.push((await timed(() => rawInsert(events.map(() => ev(`rb-${i}`)))))[0]);
  batchLat.push(
    (
      await timed(() =>
        store.append([{ streamId: `b-${i}`, streamType: 'b', expectedVersion: 'no_stream', events }]),
      )
    )[0],
  );
}
report(
  'append 100-event batch, p50 (ms)',
  percentile(batchLat, 50),
  'ms',
  percentile(rawBatchLat, 50),
  '<= 8 ms',
);

// 4. global-log catch-up read
const total = await store.countAfter({ transactionId: '0', globalPosition: '0' });
const [readMs] = await timed(async () => {
  let at = { transactionId: '0', globalPosition: '0' };
  for (;;) {
    const page = await store.readAll(at, { limit: 1000 });
    if (page.length === 0) break;
    const last = page[page.length - 1]!;
    at = { transactionId: last.transactionId, globalPosition: last.globalPosition };
  }
});
const [rawReadMs] = await timed(async () => {
  let after = 0;
  for (;;) {
    const { rows } = await sql<{
      id: string;
    }>`SELECT id::text, stream_id, event_id, type, data, metadata, recorded_at
      FROM bench.raw WHERE id > ${after} ORDER BY id LIMIT 1000`.execute(database.db);
    if (rows.length === 0) break;
    after = Number(rows[rows.length - 1]!.id);
  }
});
const rawTotal = Number(
  (await sql<{ n: string }>`SELECT count(*)::text AS n FROM bench.raw`.execute(database.db)).rows[0]!.n,
);
report(
  'global-log catch-up read (events/s)',
  total / (readMs / 1000),
  'ev/s',
  rawTotal / (rawReadMs / 1000),
  '>= 20000 ev/s',
);

// 5. relay to JetStream vs raw pipelined publishes of the same events
const names = natsNames();
const transport = await JetStreamTransport.connect({ url: await natsUrl(), ...names, batchSize: 1000 });
const all = await store.readAll(undefined, { limit: 1_000_000 });
await transport.ensureStream('raw'); // the baseline's own stream, as the relay has its service's
await transport.ensureStream('bench');
const [pubMs] = await timed(() =>
  Promise.all(
    all.map((e) =>
      transport.js.publish(`${names.prefix}.raw.${e.type}`, JSON.stringify(e.data), {
        msgID: `raw-${e.eventId}`,
      }),
    ),
  ),
);
const relay = transport.startRelay(store, 'bench', new Set(['Happened']));
const [relayMs] = await timed(async () => {
  // watch the stream fill (a cheap question to NATS), then the checkpoint: counting the events still to
  // relay every few milliseconds would cost the database more than the relay's own reads
  const stream = transport.streamOf('bench');
  const deadline = Date.now() + 120_000;
  while ((await transport.jsm.streams.info(stream)).state.messages < all.length) {
    if (Date.now() > deadline) throw new Error('the relay did not publish every event within 2 minutes');
    await new Promise((r) => setTimeout(r, 5));
  }
  while ((await relay.lag()) > 0) await new Promise((r) => setTimeout(r, 5));
});
await relay.stop();
report(
  'relay to JetStream (events/s)',
  all.length / (relayMs / 1000),
  'ev/s',
  all.length / (pubMs / 1000),
  '>= 5000 ev/s',
);

// 5b. a consumer applying those events from the stream (inbox, effect and checkpoint per batch) vs a
// plain loop that pulls the same messages and inserts their ids in batches of the same size
await migrate(database.db, 'benchc');
await sql`CREATE TABLE benchc.applied (event_id uuid PRIMARY KEY)`.execute(database.db);
await sql`CREATE TABLE bench.raw_applied (event_id uuid PRIMARY KEY)`.execute(database.db);
const [rawConsumeMs] = await timed(async () => {
  const c = await transport.js.consumers.get(transport.streamOf('bench'));
  const messages = await c.consume({ max_messages: 2000 });
  let ids: string[] = [];
  let n = 0;
  for await (const m of messages) {
    ids.push(m.headers!.get('ce-id'));
    if (++n % 1000 === 0 || n === all.length) {
      const batch = ids;
      ids = [];
      await database.db
        .transaction()
        .execute((tx) => sql`INSERT INTO bench.raw_applied SELECT unnest(${batch}::uuid[])`.execute(tx));
    }
    if (n === all.length) break;
  }
  messages.stop();
});
const applied = async () =>
  Number(
    (await sql<{ n: string }>`SELECT count(*)::text AS n FROM benchc.applied`.execute(database.db)).rows[0]!
      .n,
  );
const [consumeMs] = await timed(async () => {
  const consumer = transport.startConsumer(new EventStore(database, 'benchc'), {
    name: 'bench',
    sources: { bench: ['Happened'] },
    handle: async (e, tx) => {
      await sql`INSERT INTO benchc.applied VALUES (${e.eventId}::uuid)`.execute(tx);
    },
  });
  while ((await applied()) < all.length) await new Promise((r) => setTimeout(r, 20));
  await consumer.stop();
});
report(
  'consumer from JetStream (events/s)',
  all.length / (consumeMs / 1000),
  'ev/s',
  all.length / (rawConsumeMs / 1000),
  '(plain pull + batch insert)',
);
await transport.deleteStreams();
await transport.close();

// 6. end to end, distributed: POST /v1/clients until the client is in placement's read model
const e2eNames = natsNames();
const env = Config.parse({
  DATABASE_URL: url.toString(),
  NATS_URL: await natsUrl(),
  NATS_PREFIX: e2eNames.prefix,
  NATS_STREAM: e2eNames.stream,
  AUTH_SIGNING_KEY: 'bench-signing-key-of-at-least-32-characters',
  IDENTIFIER_HASH_KEY: 'bench-identifier-key-of-at-least-32-chars',
  LOG_LEVEL: 'warn',
  DATABASE_POOL_MAX: '10',
  // a bench registers and searches in bulk as one caller: no per-caller limits
  RATE_LIMIT_SEARCHES: '0',
  RATE_LIMIT_REGISTRATIONS: '0',
});
const intake = await createPlatform(
  env,
  allServices.filter((s) => s.name === 'intake'),
);
const placement = await createPlatform(
  env,
  allServices.filter((s) => s.name === 'placement'),
);
const address = await intake.app.listen({ port: 0 });
const hello = Fastify();
hello.get('/hello', async () => ({ hello: 'world' }));
const helloAddress = await hello.listen({ port: 0 });
const token = await mintToken(env.AUTH_SIGNING_KEY!, {
  sub: 'bench',
  roles: ['case_manager'],
  municipality: 'BLG01',
});
const e2e: number[] = [];
const helloLat: number[] = [];
for (let i = 0; i < 200; i++) {
  helloLat.push((await timed(() => fetch(`${helloAddress}/hello`).then((r) => r.json())))[0]);
  const [ms] = await timed(async () => {
    const r = await fetch(`${address}/v1/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        identifier: { kind: 'egn', value: composeEgn('1970-01-01', i) },
        givenName: 'Бенч',
        familyName: 'Тестов',
        municipality: 'BLG01',
      }),
    });
    const { clientId } = (await r.json()) as { clientId: string };
    for (;;) {
      const { rows } =
        await sql`SELECT 1 FROM placement.client_directory WHERE client_id = ${clientId}::uuid`.execute(
          database.db,
        );
      if (rows.length > 0) break;
      await new Promise((res) => setTimeout(res, 2));
    }
  });
  e2e.push(ms);
}
report(
  'POST /v1/clients -> placement read model, p95',
  percentile(e2e, 95),
  'ms',
  percentile(helloLat, 95),
  'p95 <= 300 ms',
);
report(
  'POST /v1/clients -> placement read model, p50',
  percentile(e2e, 50),
  'ms',
  percentile(helloLat, 50),
  '(hello-world)',
);
await hello.close();
await intake.close();
await placement.close();
await database.close();
await admin.query(`DROP DATABASE "${dbName}" WITH (FORCE)`);
await admin.end();
