import { randomUUID } from 'node:crypto';
import { type Database, EventStore, isTransient, migrate, type Tx } from '@casework/eventstore';
import type { IncomingEvent } from '@casework/messaging';
import type { ServiceContext } from '@casework/service-kit';
import { heldTransaction, testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { admit } from '../src/application/admit.js';
import { decideIn } from '../src/application/decideIn.js';
import { listIfEligible, loadEntry } from '../src/application/entries.js';
import { withSiteLocks } from '../src/application/locks.js';
import { makeOffer } from '../src/application/offers.js';
import { decideSite, loadSites } from '../src/application/siteState.js';
import { entryStream } from '../src/application/streams.js';
import { eligibilityConsumer } from '../src/consumers/eligibility.js';
import { intakeConsumer } from '../src/consumers/intake.js';
import { entryDecider } from '../src/domain/entry.js';
import { placementMigrations } from '../src/migrations/readModels.js';

/**
 * Placement's two consumers (intake's events, eligibility's) run in transactions of their own, at the
 * same time. Each test forces one interleaving: the first handler runs and holds its transaction open,
 * the second runs until it finishes or waits on a lock, then the first commits; the rows must come out
 * as if they had run one after the other.
 */

const SCHEMA = 'placement';

async function setUp(): Promise<{ database: Database; ctx: ServiceContext }> {
  const database = await testPostgres(t, { max: 6 });
  await migrate(database.db, SCHEMA, placementMigrations(SCHEMA));
  const store = new EventStore(database, SCHEMA);
  const log = { warn() {}, info() {}, debug() {}, error() {}, child: () => log };
  const ctx = {
    service: 'placement',
    store,
    transport: undefined as never,
    clock: () => new Date('2026-06-01T09:00:00Z'),
    newId: randomUUID,
    secrets: { identifierKey: 'test' },
    log: log as never,
  } as ServiceContext;
  return { database, ctx };
}

/** An event as a consumer receives it (the publishing service names itself in `source`). */
const recorded = (type: string, data: object): IncomingEvent => ({
  eventId: randomUUID(),
  type,
  source: type.startsWith('Eligibility') ? 'eligibility' : 'intake',
  data,
  metadata: { correlationid: randomUUID() } as unknown as IncomingEvent['metadata'],
});

/**
 * Runs a handler's work in a transaction as its consumer's follower does: tried again in a new one when
 * it fails for a passing cause (a deadlock broken, or an append refused because a younger transaction
 * wrote the stream meanwhile: ADR 1).
 */
async function asTheFollowerDoes(database: Database, work: (tx: Tx) => Promise<void>): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      await database.db.transaction().execute(work);
      return attempt;
    } catch (e) {
      if (!isTransient(e) || attempt >= 5) throw e;
    }
  }
}

/** Waits until `p` settles or some backend waits on a lock (an advisory or a row lock). */
async function finishedOrBlocked(database: Database, p: Promise<unknown>): Promise<'finished' | 'blocked'> {
  let settled = false;
  p.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let i = 0; i < 500; i++) {
    if (settled) return 'finished';
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks
      WHERE NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`.execute(
      database.db,
    );
    if (rows[0]!.n > 0) return 'blocked';
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('neither finished nor blocked');
}

const ids = () => ({ clientId: randomUUID(), applicationId: randomUUID() });
const SERVICE = 'supervised_housing';

async function seed(
  ctx: ServiceContext,
  a: { clientId: string; applicationId: string },
  o: { application: boolean; outcome: 'eligible' | 'ineligible' },
) {
  const s = (n: string) => sql.id(SCHEMA, n);
  if (o.application)
    await sql`INSERT INTO ${s('applications')} (application_id, client_id, service_type, municipality, submitted_on,
        referral_required)
      VALUES (${a.applicationId}::uuid, ${a.clientId}::uuid, ${SERVICE}, 'BLG01', '2026-05-01', false)`.execute(
      ctx.store.db,
    );
  await sql`INSERT INTO ${s('eligibility')} (client_id, service_type, determination_id, outcome, valid_until)
    VALUES (${a.clientId}::uuid, ${SERVICE}, ${randomUUID()}::uuid, ${o.outcome}, '2027-05-01')`.execute(
    ctx.store.db,
  );
}

/** Opens a site of four places for the service type in Bansko. */
async function openSite(ctx: ServiceContext) {
  const siteId = randomUUID();
  const cause = { correlationId: randomUUID() };
  await withSiteLocks(ctx, [siteId], (tx) =>
    decideSite(
      ctx,
      tx,
      siteId,
      {
        type: 'Open',
        siteId,
        name: 'Дом',
        serviceType: SERVICE,
        municipality: 'BLG01',
        address: 'ул. 1',
        provider: 'Община',
        funding: 'municipal',
        openedOn: '2026-01-01',
        places: 4,
      },
      cause,
    ),
  );
  return siteId;
}

const withdrawn = (a: { clientId: string; applicationId: string }) =>
  recorded('ApplicationWithdrawn', { ...a, withdrawnOn: '2026-06-01' });
const submitted = (a: { clientId: string; applicationId: string }) =>
  recorded('ApplicationSubmitted', {
    ...a,
    serviceType: SERVICE,
    municipality: 'BLG01',
    submittedOn: '2026-05-01',
    assessmentDueBy: '2026-05-21',
    referralRequired: false,
  });
const changed = (a: { clientId: string }, from: string | null, to: string) =>
  recorded('EligibilityChanged', {
    clientId: a.clientId,
    serviceType: SERVICE,
    municipality: 'BLG01',
    determinationId: randomUUID(),
    from,
    to,
    on: '2026-06-01',
    by: 'determination',
  });

/**
 * Runs `first` in a transaction held open, then `second` until it finishes or blocks, then commits
 * the first and waits for the second.
 */
async function interleave(
  database: Database,
  first: (tx: Tx) => Promise<void>,
  second: (tx: Tx) => Promise<void>,
) {
  const a = heldTransaction(database.db, first);
  await a.didWork;
  const b = database.db.transaction().execute(second);
  const how = await finishedOrBlocked(database, b);
  a.commit();
  await a.done;
  await b;
  return how;
}

t.test('a withdrawal and a listing of the same application, either one first', async (t) => {
  const { database, ctx } = await setUp();
  const intake = intakeConsumer(ctx);
  const eligibility = eligibilityConsumer(ctx);

  for (const withdrawalFirst of [true, false]) {
    const a = ids();
    await seed(ctx, a, { application: true, outcome: 'ineligible' });
    const withdraw = (tx: Tx) => intake.handle(withdrawn(a), tx);
    const list = (tx: Tx) => eligibility.handle(changed(a, 'ineligible', 'eligible'), tx);
    const how = withdrawalFirst
      ? await interleave(database, withdraw, list)
      : await interleave(database, list, withdraw);
    const { state } = await loadEntry(ctx, a.applicationId);
    t.not(
      state.status,
      'waiting',
      `withdrawn ${withdrawalFirst ? 'before' : 'after'} the listing began: not on the list (second ${how})`,
    );
  }
});

t.test('an application listed while eligibility lapses', async (t) => {
  const { database, ctx } = await setUp();
  const intake = intakeConsumer(ctx);
  const eligibility = eligibilityConsumer(ctx);

  for (const listingFirst of [true, false]) {
    const a = ids();
    await seed(ctx, a, { application: false, outcome: 'eligible' });
    const submit = (tx: Tx) => intake.handle(submitted(a), tx);
    const lapse = (tx: Tx) => eligibility.handle(changed(a, 'eligible', 'ineligible'), tx);
    const how = listingFirst
      ? await interleave(database, submit, lapse)
      : await interleave(database, lapse, submit);
    const { state } = await loadEntry(ctx, a.applicationId);
    t.not(
      state.status,
      'waiting',
      `lapsed ${listingFirst ? 'after' : 'before'} the listing began: not on the list (second ${how})`,
    );
  }
});

t.test('a death while a listing of the same client is in flight', async (t) => {
  const { database, ctx } = await setUp();
  const intake = intakeConsumer(ctx);
  const eligibility = eligibilityConsumer(ctx);
  const a = ids();
  await seed(ctx, a, { application: true, outcome: 'ineligible' });
  const die = (tx: Tx) =>
    intake.handle(recorded('ClientDied', { clientId: a.clientId, diedOn: '2026-06-01' }), tx);
  const list = (tx: Tx) => eligibility.handle(changed(a, 'ineligible', 'eligible'), tx);
  const how = await interleave(database, list, die);
  const { state } = await loadEntry(ctx, a.applicationId);
  t.not(state.status, 'waiting', `died while being listed: not on the list (second ${how})`);
});

t.test('an eligible outcome that arrives after the death lists nothing', async (t) => {
  const { database, ctx } = await setUp();
  const intake = intakeConsumer(ctx);
  const eligibility = eligibilityConsumer(ctx);
  const a = ids();
  await seed(ctx, a, { application: true, outcome: 'ineligible' });
  await database.db
    .transaction()
    .execute((tx) =>
      intake.handle(recorded('ClientDied', { clientId: a.clientId, diedOn: '2026-06-01' }), tx),
    );
  // two consumers, two sources: eligibility's outcome may come in after intake's death
  await database.db
    .transaction()
    .execute((tx) => eligibility.handle(changed(a, 'ineligible', 'eligible'), tx));
  const { state } = await loadEntry(ctx, a.applicationId);
  t.not(state.status, 'waiting', 'a client who died is never listed');
});

t.test('a withdrawal while the offer it holds expires: no deadlock, the place freed once', async (t) => {
  const { database, ctx } = await setUp();
  const intake = intakeConsumer(ctx);
  const a = ids();
  const cause = { correlationId: randomUUID() };
  await seed(ctx, a, { application: true, outcome: 'eligible' });
  await database.db.transaction().execute((tx) => listIfEligible(ctx, tx, a.clientId, SERVICE, cause));
  const siteId = await openSite(ctx);
  const { offerId } = await makeOffer(
    ctx,
    { siteId, entryId: a.applicationId, from: '2026-06-01', justification: { text: 'x', supervisor: 'sup' } },
    cause,
  );

  // the offer-expiry worker's transaction (answerOffer's steps): the site's lock, then, once the
  // withdrawal has gone as far as it can, the expiry and the place given back
  let locked!: () => void;
  const siteLocked = new Promise<void>((r) => {
    locked = r;
  });
  let go!: () => void;
  const expire = new Promise<void>((r) => {
    go = r;
  });
  const expiry = withSiteLocks(ctx, [siteId], async (tx) => {
    locked();
    await expire;
    const r = await decideIn(
      ctx,
      tx,
      { streamId: entryStream(a.applicationId), streamType: 'entry' },
      entryDecider,
      { type: 'Expire', on: '2027-01-04', declinesBeforeMove: 3 },
      cause,
    );
    if (r.events.length > 0)
      await decideSite(ctx, tx, siteId, { type: 'ReleaseReservation', offerId }, cause);
  });
  await siteLocked;
  // the withdrawal writes first, then waits for the expiry, which appends to the entry and commits:
  // its own removal would come before the expiry in the log, so it is refused and tried again
  const withdrawal = asTheFollowerDoes(database, (tx) => intake.handle(withdrawn(a), tx));
  await finishedOrBlocked(database, withdrawal);
  go();
  const outcomes = await Promise.allSettled([expiry, withdrawal]);
  t.same(
    outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : 'done')),
    ['done', 'done'],
    'neither transaction fails (no deadlock)',
  );
  const { state } = await loadEntry(ctx, a.applicationId);
  t.equal(state.status, 'removed', 'the entry is off the list');
  const [site] = await loadSites(ctx, ctx.store.db, [siteId]);
  t.equal(site!.state.reservations.size, 0, 'no place is held for the offer');
});

t.test('an emergency admission while the same application is being listed', async (t) => {
  const { database, ctx } = await setUp();
  const intake = intakeConsumer(ctx);
  const a = ids();
  await seed(ctx, a, { application: false, outcome: 'eligible' });
  await sql`INSERT INTO placement.client_directory (client_id, birth_date, sex, municipality, registered_on,
      source_event_id)
    VALUES (${a.clientId}::uuid, '1950-01-01', 'female', 'BLG01', '2026-01-01', ${randomUUID()}::uuid)`.execute(
    database.db,
  );
  const siteId = await openSite(ctx);
  const how = await interleave(
    database,
    (tx) => intake.handle(submitted(a), tx),
    async () => {
      await admit(
        ctx,
        {
          clientId: a.clientId,
          siteId,
          on: '2026-06-01',
          basis: { kind: 'emergency', justification: 'x', supervisor: 'sup' },
        },
        { correlationId: randomUUID() },
      );
    },
  );
  const { state } = await loadEntry(ctx, a.applicationId);
  t.not(state.status, 'waiting', `admitted while being listed: not on the list (admission ${how})`);
});
