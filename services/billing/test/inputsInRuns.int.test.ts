import { randomUUID } from 'node:crypto';
import { clientDirectoryConsumer } from '@casework/client-directory';
import { type Database, EventStore, migrate } from '@casework/eventstore';
import { applyInOrder, type ConsumerSpec, type IncomingEvent } from '@casework/messaging';
import type { ServiceContext } from '@casework/service-kit';
import { testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { intakeInputs, placementInputs } from '../src/consumers/inputs.js';
import { billingMigrations } from '../src/migrations/readModels.js';

// Billing's consumers keep a batch's common events (registrations, facts, admissions, absences) in a
// few statements: what they keep must be what keeping each event in turn keeps, in the same order.

async function storeIn(database: Database, schema: string): Promise<ServiceContext> {
  await migrate(database.db, schema, billingMigrations(schema));
  return {
    service: 'billing',
    store: new EventStore(database, schema),
    clock: () => new Date('2026-06-01T09:00:00Z'),
    newId: randomUUID,
  } as ServiceContext;
}

const incoming = (source: string, type: string, data: object): IncomingEvent => ({
  eventId: randomUUID(),
  type,
  source,
  data,
  metadata: { correlationid: randomUUID() } as unknown as IncomingEvent['metadata'],
});

t.test('a batch kept in runs keeps what its events kept one by one would', async (t) => {
  const database = await testPostgres(t);
  const [alone, together] = [await storeIn(database, 'alone'), await storeIn(database, 'together')];
  const [a, b] = [randomUUID(), randomUUID()];
  const site = randomUUID();
  const place = (placementId: string) => ({
    placementId,
    siteId: site,
    serviceType: 'protected_housing',
    kind: 'residential',
    municipality: 'BLG01',
  });
  const [first, second, third] = [randomUUID(), randomUUID(), randomUUID()];
  const registered = (clientId: string) =>
    incoming('intake', 'ClientRegistered', {
      clientId,
      birthDate: '1950-03-01',
      sex: 'female',
      municipality: 'BLG01',
      identifierKind: 'egn',
      registeredOn: '2026-01-05',
    });
  const fromIntake = [
    registered(a),
    incoming('intake', 'IncomeDeclared', {
      clientId: a,
      factId: randomUUID(),
      validFrom: '2026-01-01',
      source: 'pension',
      monthlyAmount: { amountMinor: 40_000, currency: 'EUR' },
    }),
    registered(b),
    incoming('intake', 'ClientsMerged', { survivorId: a, mergedId: b, mergedOn: '2026-01-20' }),
    registered(randomUUID()),
  ];
  const fromPlacement = [
    incoming('placement', 'Admitted', { clientId: a, ...place(first), on: '2026-02-01', basis: 'offer' }),
    // an id in upper case is the same event: its stay is kept all the same
    {
      ...incoming('placement', 'Admitted', {
        clientId: b,
        ...place(second),
        on: '2026-02-03',
        basis: 'emergency',
      }),
      eventId: randomUUID().toUpperCase(),
    },
    incoming('placement', 'AbsenceStarted', {
      clientId: a,
      ...place(first),
      absenceId: randomUUID(),
      from: '2026-03-02',
      kind: 'holiday',
    }),
    incoming('placement', 'Transferred', {
      clientId: a,
      on: '2026-04-15',
      from: place(first),
      to: place(third),
    }),
    incoming('placement', 'Discharged', {
      clientId: b,
      ...place(second),
      on: '2026-05-01',
      reason: 'own_request',
      destination: { kind: 'family_home' },
    }),
  ];
  const consumers = (ctx: ServiceContext) =>
    [
      [clientDirectoryConsumer(ctx), fromIntake],
      [intakeInputs(ctx), fromIntake],
      [placementInputs(ctx), fromPlacement],
    ] as [ConsumerSpec, IncomingEvent[]][];
  for (const [spec, events] of consumers(alone))
    await alone.store.transaction(async (tx) => {
      // one event at a time: `handle` alone, as a batch of one is applied
      for (const e of events)
        t.same(await applyInOrder(alone.store, spec.name, [e], spec.handle, tx), {
          applied: 1,
          duplicates: 0,
        });
    });
  for (const [spec, events] of consumers(together)) {
    t.ok(spec.handleBatch, `${spec.name} keeps batches together`);
    // delivered twice: the second time changes nothing
    for (const [applied, duplicates] of [
      [events.length, 0],
      [0, events.length],
    ])
      t.same(
        await together.store.transaction((tx) =>
          applyInOrder(together.store, spec.name, events, spec.handle, tx, spec.handleBatch),
        ),
        { applied, duplicates },
      );
  }

  const kept = async (ctx: ServiceContext) => {
    const s = ctx.store.schema;
    const inputs = await sql<object>`SELECT event_id, client_id, type, data, recorded_at
      FROM ${sql.id(s, 'inputs')} ORDER BY seq`.execute(ctx.store.db);
    const stays = await sql<object>`SELECT placement_id, client_id, municipality, service_type, site_id,
      from_date::text, to_date::text FROM ${sql.id(s, 'stays')} ORDER BY placement_id`.execute(ctx.store.db);
    const directory =
      await sql<object>`SELECT * FROM ${sql.id(s, 'client_directory')} ORDER BY client_id`.execute(
        ctx.store.db,
      );
    return { inputs: inputs.rows, stays: stays.rows, directory: directory.rows };
  };
  const one = await kept(alone);
  const batched = await kept(together);
  t.equal(one.inputs.length, 10, 'every event is an input');
  t.equal(one.stays.length, 3, 'three stays: two admissions and a transfer');
  t.same(
    one.stays.map((r) => (r as { to_date: string | null }).to_date ?? 'open').sort(),
    ['2026-04-15', '2026-05-01', 'open'],
    'the transfer and the discharge ended their stays',
  );
  t.equal(one.directory.length, 3, 'three registrations');
  t.same(batched, one, 'the same rows, the inputs in the same order');
});
