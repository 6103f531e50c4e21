import { randomUUID } from 'node:crypto';
import { defineEvent } from '@casework/contracts';
import { EventStore, migrate, START } from '@casework/eventstore';
import { testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import t, { type Test } from 'tap';
import { z } from 'zod';
import { webhookFanout } from '../src/webhooks/fanout.js';
import { webhookMigrations } from '../src/webhooks/tables.js';

/** Issue 20: the webhook fan-out queues each event once per endpoint that may have it, in log order. */

const SCHEMA = 'kit_hooks';
const Visited = defineEvent({
  service: 'placement',
  name: 'Visited',
  version: 1,
  published: true,
  description: 'A synthetic event with a reference and a personal detail',
  schema: z.object({ clientId: z.string(), municipality: z.string(), note: z.string() }),
});

async function setUp(t: Test, queued: () => void = () => {}) {
  const database = await testPostgres(t, { max: 4 });
  await migrate(database.db, SCHEMA, webhookMigrations(SCHEMA));
  const store = new EventStore(database, SCHEMA);
  const visit = (clientId: string, municipality: string) =>
    store.append([
      {
        streamId: `client-${clientId}`,
        streamType: 'client',
        expectedVersion: 'any',
        events: [
          {
            type: 'Visited',
            data: { clientId, municipality, note: 'personal detail (synthetic)' },
            metadata: {
              specversion: '1.0',
              id: randomUUID(),
              type: 'casework.placement.Visited.v1',
              source: 'placement',
              subject: `client-${clientId}`,
              time: new Date().toISOString(),
              correlationid: randomUUID(),
            },
          },
        ],
      },
    ]);
  const endpoint = async (scope: { municipality?: string; oblast?: string }, status = 'enabled') => {
    const id = randomUUID();
    await sql`INSERT INTO ${sql.id(SCHEMA)}.webhook_endpoints (id, owner, scope, url, types, status, secrets)
      VALUES (${id}, 'test', ${JSON.stringify(scope)}::jsonb, 'https://example.bg/hooks',
        ${['Visited']}::text[], ${status}, '[]'::jsonb)`.execute(database.db);
    return id;
  };
  const deliveries = async (endpointId: string) =>
    (
      await sql<{ event_id: string; payload: string }>`SELECT event_id::text, payload
        FROM ${sql.id(SCHEMA)}.webhook_deliveries WHERE endpoint_id = ${endpointId} ORDER BY id`.execute(
        database.db,
      )
    ).rows;
  const fanout = webhookFanout(store, [Visited], queued, (e) => t.fail(String(e)));
  return { database, store, visit, endpoint, deliveries, fanout };
}

t.test('each event once per endpoint in scope, in log order, references only', async (t) => {
  const { store, visit, endpoint, deliveries, fanout, database } = await setUp(t);
  const bansko = await endpoint({ municipality: 'BLG01' });
  const national = await endpoint({});
  const off = await endpoint({}, 'disabled');
  const a = randomUUID();
  const b = randomUUID();
  for (const [client, municipality] of [
    [a, 'BLG01'],
    [b, 'MON29'],
    [a, 'BLG01'],
    [b, 'MON29'],
  ] as const)
    await visit(client, municipality);
  await fanout.catchUp();

  const events = await store.readAll();
  t.same(
    (await deliveries(national)).map((d) => d.event_id),
    events.map((e) => e.eventId),
    'the national endpoint: every event, in log order',
  );
  t.same(
    (await deliveries(bansko)).map((d) => d.event_id),
    events.filter((e) => (e.data as { municipality: string }).municipality === 'BLG01').map((e) => e.eventId),
    "Bansko's endpoint: Bansko's events",
  );
  t.same(await deliveries(off), [], 'a disabled endpoint: none');
  const payload = JSON.parse((await deliveries(national))[0]!.payload);
  t.same(payload.data, { clientId: a, municipality: 'BLG01' }, 'references only');
  t.equal(payload.type, 'casework.placement.Visited.v1');

  // the fan-out done again from the start (a batch repeated after a crash) queues nothing twice
  await sql`UPDATE ${sql.id(SCHEMA)}.checkpoints SET transaction_id = ${START.transactionId}::xid8,
    global_position = ${START.globalPosition}::bigint WHERE subscription = 'webhooks:fanout'`.execute(
    database.db,
  );
  await fanout.release();
  const repeated = webhookFanout(
    store,
    [Visited],
    () => {},
    (e) => t.fail(String(e)),
  );
  t.equal(await repeated.catchUp(), 4, 'the four events handled again');
  t.equal((await deliveries(national)).length, 4, 'still one delivery an event');
});

t.test('with no endpoint no event is read; one registered then gets what follows it', async (t) => {
  const { store, visit, endpoint, deliveries, fanout, database } = await setUp(t);
  const read: number[] = [];
  const readLog = store.readLog.bind(store);
  store.readLog = ((after, options) => {
    read.push(options?.limit ?? -1);
    return readLog(after, options as never);
  }) as typeof store.readLog;
  await visit(randomUUID(), 'BLG01');
  await visit(randomUUID(), 'BLG01');
  t.equal(await fanout.catchUp(), 0, 'nothing handled');
  t.ok(
    read.length > 0 && read.every((limit) => limit === 0),
    'only where the log ends was read, never an event',
  );
  const { rows } = await sql<{
    at: string;
  }>`SELECT global_position::text AS at FROM ${sql.id(SCHEMA)}.checkpoints
    WHERE subscription = 'webhooks:fanout'`.execute(database.db);
  const last = (await store.readAll()).at(-1)!;
  t.equal(rows[0]?.at, last.globalPosition, 'the checkpoint moved past both events');

  const national = await endpoint({});
  await visit(randomUUID(), 'MON29');
  t.equal(await fanout.catchUp(), 1, 'the event after the registration handled');
  t.same(
    (await deliveries(national)).map((d) => d.event_id),
    [(await store.readAll()).at(-1)!.eventId],
    'and queued: the events before the endpoint never are',
  );
});

t.test('the dispatcher is woken by a batch that queued deliveries, and by no other', async (t) => {
  let wakes = 0;
  const { visit, endpoint, deliveries, fanout } = await setUp(t, () => wakes++);
  await visit(randomUUID(), 'BLG01');
  t.equal(await fanout.catchUp(), 0, 'with no endpoint anywhere, the event passed over');
  t.equal(wakes, 0, 'nothing queued: the dispatcher sleeps on');
  const montana = await endpoint({ municipality: 'MON29' });
  await visit(randomUUID(), 'BLG01');
  t.equal(await fanout.catchUp(), 1, "an event outside the endpoint's scope");
  t.equal(wakes, 0, 'still nothing queued, still no wake-up');
  await visit(randomUUID(), 'MON29');
  t.equal(await fanout.catchUp(), 1);
  t.equal((await deliveries(montana)).length, 1, 'one delivery queued');
  t.equal(wakes, 1, 'and the dispatcher woken once for it');
});
