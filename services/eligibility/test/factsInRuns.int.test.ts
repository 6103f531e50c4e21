import { randomUUID } from 'node:crypto';
import { type Database, EventStore, migrate } from '@casework/eventstore';
import { applyInOrder, type IncomingEvent } from '@casework/messaging';
import type { ServiceContext } from '@casework/service-kit';
import { testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { intakeConsumer } from '../src/consumers/intake.js';
import { eligibilityMigrations } from '../src/migrations/readModels.js';

// Eligibility's intake consumer keeps a batch's registrations together (the directory rows and the
// facts, one statement each): what it keeps must be what keeping each event in turn keeps.

async function contextIn(database: Database, schema: string): Promise<ServiceContext> {
  await migrate(database.db, schema, eligibilityMigrations(schema));
  const log = { warn() {}, info() {}, debug() {}, error() {}, child: () => log };
  return {
    service: 'eligibility',
    store: new EventStore(database, schema),
    transport: undefined as never,
    secrets: { identifierKey: 'test' },
    clock: () => new Date('2026-06-01T09:00:00Z'),
    newId: randomUUID,
    log: log as never,
  } as ServiceContext;
}

const incoming = (type: string, data: object): IncomingEvent => ({
  eventId: randomUUID(),
  type,
  source: 'intake',
  data,
  metadata: { correlationid: randomUUID() } as unknown as IncomingEvent['metadata'],
});

t.test('registrations kept in runs keep what each kept in turn would', async (t) => {
  const database = await testPostgres(t);
  const [alone, together] = [await contextIn(database, 'alone'), await contextIn(database, 'together')];
  const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
  const registered = (clientId: string, birthDate: string) =>
    incoming('ClientRegistered', {
      clientId,
      birthDate,
      sex: 'male',
      municipality: 'BLG01',
      identifierKind: 'egn',
      registeredOn: '2026-01-05',
    });
  const events = [
    registered(a, '1948-02-29'),
    registered(b, '1990-07-01'),
    incoming('ClientMoved', { clientId: a, from: 'BLG01', to: 'SOF46', movedOn: '2026-03-01' }),
    registered(c, '2001-12-31'),
  ];
  const one = intakeConsumer(alone);
  await alone.store.transaction(async (tx) => {
    for (const e of events)
      t.same(await applyInOrder(alone.store, one.name, [e], one.handle, tx), { applied: 1, duplicates: 0 });
  });
  const batched = intakeConsumer(together);
  t.ok(batched.handleBatch, 'the consumer keeps batches together');
  t.same(
    await together.store.transaction((tx) =>
      applyInOrder(together.store, batched.name, events, batched.handle, tx, batched.handleBatch),
    ),
    { applied: 4, duplicates: 0 },
  );

  const kept = async (ctx: ServiceContext) => {
    const s = ctx.store.schema;
    const facts = await sql<object>`SELECT event_id, client_id, type, data, deciding, recorded_at
      FROM ${sql.id(s, 'client_facts')} ORDER BY event_id`.execute(ctx.store.db);
    const directory =
      await sql<object>`SELECT * FROM ${sql.id(s, 'client_directory')} ORDER BY client_id`.execute(
        ctx.store.db,
      );
    return { facts: facts.rows, directory: directory.rows };
  };
  const byOne = await kept(alone);
  t.equal(byOne.facts.length, 4, 'a fact for each event');
  t.same(
    byOne.directory.map((r) => (r as { municipality: string }).municipality).sort(),
    ['BLG01', 'BLG01', 'SOF46'],
    'three clients in the directory, one moved',
  );
  t.same(await kept(together), byOne, 'the same rows');
});
