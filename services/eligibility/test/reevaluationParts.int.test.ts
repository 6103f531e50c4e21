import { randomUUID } from 'node:crypto';
import {
  type Database,
  EventStore,
  migrate,
  ProjectionRunner,
  type RecordedEvent,
} from '@casework/eventstore';
import { eventually, heldTransaction, testPostgres } from '@casework/testkit';
import { type RawBuilder, sql } from 'kysely';
import t from 'tap';
import { eligibilityStream } from '../src/domain/streams.js';
import { eligibilityMigrations } from '../src/migrations/readModels.js';
import { answeredPage, coveredPage, JOB_PARTS } from '../src/projections/coveredQueries.js';
import { eligibilityProjection } from '../src/projections/eligibility.js';
import { nextPart } from '../src/workers/reevaluation.js';

const SCHEMA = 'eligibility';

/** A fresh schema whose determinations are `n` = 1..count, each placed by the given expressions of n. */
async function withDeterminations(
  t: Parameters<typeof testPostgres>[0],
  count: number,
  of: { municipality: RawBuilder<unknown>; ruleSet: RawBuilder<unknown> },
): Promise<Database> {
  const database = await testPostgres(t);
  await migrate(database.db, SCHEMA, eligibilityMigrations(SCHEMA));
  await sql`INSERT INTO eligibility.determinations (client_id, service_type, determination_id, municipality, as_of,
      outcome, effective_outcome, valid_until, rule_set_id, rule_set_version, missing)
    SELECT md5('client' || n)::uuid, 'social_housing', md5('det' || n)::uuid, ${of.municipality},
      DATE '2026-01-01', 'eligible', 'eligible', DATE '2027-01-01', ${of.ruleSet}, 1, '{}'
    FROM generate_series(1, ${count}::int) n`.execute(database.db);
  return database;
}

const published = (municipality: string | null, version: number): RecordedEvent => ({
  eventId: randomUUID(),
  type: 'RuleSetPublished',
  streamId: `ruleset-social_housing:${municipality ?? 'national'}`,
  streamPosition: version,
  globalPosition: String(version),
  transactionId: '1',
  recordedAt: '2026-11-23T10:00:00.000Z',
  metadata: {} as RecordedEvent['metadata'],
  data: {
    ruleSetId: `social_housing:${municipality ?? 'national'}`,
    serviceType: 'social_housing',
    municipality,
    version,
    criteria: [{ kind: 'no_dwelling_owned' }],
    validityMonths: 12,
    effectiveFrom: '2026-11-23',
  },
});

/** Every client a job's parts reach, walked page by page as the worker does. */
async function walk(
  db: Parameters<typeof coveredPage>[0],
  jobId: string,
  scope: Parameters<typeof coveredPage>[2],
) {
  const { rows: parts } = await sql<{ cursor: string | null; until: string | null }>`
    SELECT cursor::text, until::text FROM eligibility.reevaluations WHERE job_id = ${jobId} ORDER BY part`.execute(
    db,
  );
  const perPart: string[][] = [];
  for (const part of parts) {
    const seen: string[] = [];
    let after = part.cursor;
    for (;;) {
      const page = await coveredPage(db, SCHEMA, scope, { after, until: part.until }, 7);
      seen.push(...page.map((r) => r.client_id));
      if (page.length < 7) break;
      after = page[page.length - 1]!.client_id;
    }
    perPart.push(seen);
  }
  return perPart;
}

t.test('a job is split into parts that reach each client once, however the ids fall', async (t) => {
  // 101 under the national rule set (40 of them in BLG01), 10 in BLG01 under its own
  const database = await withDeterminations(t, 111, {
    municipality: sql`CASE WHEN n <= 50 THEN 'BLG01' ELSE 'SOF46' END`,
    ruleSet: sql`CASE WHEN n <= 10 THEN 'social_housing:BLG01' ELSE 'social_housing:national' END`,
  });
  const projection = eligibilityProjection(SCHEMA);
  await database.db.transaction().execute((tx) => projection.applyBatch!([published(null, 2)], tx));
  await database.db.transaction().execute((tx) => projection.applyBatch!([published('BLG01', 2)], tx));

  const national = await walk(database.db, 'social_housing:national@2:published', {
    serviceType: 'social_housing',
    municipality: null,
  });
  t.equal(national.length, JOB_PARTS);
  t.equal(national.flat().length, 101, 'everyone under the national rule set');
  t.equal(new Set(national.flat()).size, 101, 'nobody twice');
  t.ok(
    national.every((p) => p.length >= 20 && p.length <= 30),
    'parts of about a quarter each',
  );
  const municipal = await walk(database.db, 'social_housing:BLG01@2:published', {
    serviceType: 'social_housing',
    municipality: 'BLG01',
  });
  t.equal(new Set(municipal.flat()).size, 50, 'a municipal version reaches everyone of the service there');
  t.equal(municipal.flat().length, 50);

  // the event again (a projection rebuilt) schedules nothing more
  await database.db.transaction().execute((tx) => projection.applyBatch!([published(null, 2)], tx));
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM eligibility.reevaluations`.execute(
    database.db,
  );
  t.equal(rows[0]!.n, 2 * JOB_PARTS);
});

t.test('a job over fewer clients than parts still reaches each once', async (t) => {
  const database = await withDeterminations(t, 2, {
    municipality: sql`'SOF46'`,
    ruleSet: sql`'social_housing:national'`,
  });
  await database.db
    .transaction()
    .execute((tx) => eligibilityProjection(SCHEMA).applyBatch!([published(null, 3)], tx));
  const parts = await walk(database.db, 'social_housing:national@3:published', {
    serviceType: 'social_housing',
    municipality: null,
  });
  t.equal(new Set(parts.flat()).size, 2);
  t.equal(parts.flat().length, 2);
});

t.test('a page tells which rows are as current as their client stream', async (t) => {
  const database = await withDeterminations(t, 0, { municipality: sql`''`, ruleSet: sql`''` });
  const clientId = randomUUID();
  const stream = `eligibility-${clientId}`;
  const event = (type: string, streamPosition: number, data: object): RecordedEvent => ({
    eventId: randomUUID(),
    type,
    streamId: stream,
    streamPosition,
    globalPosition: String(streamPosition),
    transactionId: '1',
    recordedAt: '2026-11-23T10:00:00.000Z',
    metadata: {} as RecordedEvent['metadata'],
    data: { clientId, ...data },
  });
  const determined = (streamPosition: number, serviceType: string) =>
    event('EligibilityDetermined', streamPosition, {
      determinationId: randomUUID(),
      serviceType,
      municipality: 'BLG01',
      asOf: '2026-11-23',
      knownAt: '2026-11-23T10:00:00.000Z',
      ruleSet: { ruleSetId: `${serviceType}:national`, version: 1 },
      outcome: 'ineligible',
      criteria: [],
      factsUsed: [],
      missing: [],
      validUntil: '2027-11-22',
      trigger: { kind: 'request' },
    });
  const project = (events: RecordedEvent[], version: number) =>
    database.db.transaction().execute(async (tx) => {
      await eligibilityProjection(SCHEMA).applyBatch!(events, tx);
      // the stream as the event store would have it
      await sql`INSERT INTO eligibility.streams (stream_id, stream_type, version) VALUES (${stream}, 'eligibility', ${version})
        ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version`.execute(tx);
    });
  const page = async (serviceType: string) =>
    (await answeredPage(database.db, SCHEMA, { serviceType, municipality: 'BLG01' }, {}, 10))[0]!;

  await project([determined(1, 'social_housing'), determined(2, 'day_centre_adults_disabilities')], 2);
  t.match(await page('social_housing'), { current: true, answer: /^[\w-]{22}$/ });
  t.match(await page('day_centre_adults_disabilities'), { current: true });
  // an event of one service type leaves the client's other rows as current as the stream
  await project(
    [
      event('AppealLodged', 3, {
        serviceType: 'social_housing',
        municipality: 'BLG01',
        appealId: randomUUID(),
        determinationId: randomUUID(),
        notifiedOn: '2026-11-23',
        lodgedOn: '2026-11-24',
        deadline: '2026-12-07',
      }),
    ],
    3,
  );
  t.match(await page('day_centre_adults_disabilities'), { current: true });
  // a determination recorded but not yet projected: the row lags behind its stream
  await sql`UPDATE eligibility.streams SET version = 4 WHERE stream_id = ${stream}`.execute(database.db);
  t.match(await page('social_housing'), { current: false }, 'lagging: to be decided from the stream');
  t.match(await page('day_centre_adults_disabilities'), { current: false });
});

t.test('a job waits for the transactions in flight when it was scheduled', async (t) => {
  const database = await withDeterminations(t, 3, {
    municipality: sql`'SOF46'`,
    ruleSet: sql`'social_housing:national'`,
  });
  const next = () => database.db.transaction().execute((tx) => nextPart(tx, SCHEMA, '2026-11-23'));
  await database.db.connection().execute(async (decider) => {
    // a decision under way with its transaction id taken, as RuleSets takes it before reading the rules
    await sql`BEGIN`.execute(decider);
    await sql`SELECT pg_current_xact_id()`.execute(decider);
    await database.db
      .transaction()
      .execute((tx) => eligibilityProjection(SCHEMA).applyBatch!([published(null, 2)], tx));
    t.equal(await next(), undefined, 'not started while it is in flight');
    await sql`COMMIT`.execute(decider);
  });
  t.match(
    await eventually(next),
    { job_id: 'social_housing:national@2:published', part: 0 },
    'then it starts',
  );
  t.equal(
    await database.db.transaction().execute((tx) => nextPart(tx, SCHEMA, '2026-11-22')),
    undefined,
    'never before its date',
  );
});

t.test('a job waits until the determinations recorded before it are in the read model', async (t) => {
  const database = await withDeterminations(t, 3, {
    municipality: sql`'SOF46'`,
    ruleSet: sql`'social_housing:national'`,
  });
  const store = new EventStore(database, SCHEMA);
  const runner = new ProjectionRunner(eligibilityProjection(SCHEMA), store);
  const next = () => database.db.transaction().execute((tx) => nextPart(tx, SCHEMA, '2026-11-23'));
  /** A client's first determination, as the service appends it. */
  const firstDetermination = (clientId: string) => {
    const eventId = randomUUID();
    return {
      streamId: eligibilityStream(clientId),
      streamType: 'eligibility',
      expectedVersion: 'no_stream' as const,
      events: [
        {
          type: 'EligibilityDetermined',
          data: {
            clientId,
            determinationId: randomUUID(),
            serviceType: 'social_housing',
            municipality: 'SOF46',
            asOf: '2026-11-23',
            knownAt: '2026-11-23T10:00:00.000Z',
            ruleSet: { ruleSetId: 'social_housing:national', version: 1 },
            outcome: 'eligible',
            criteria: [],
            factsUsed: [],
            missing: [],
            validUntil: '2027-11-22',
            trigger: { kind: 'request' },
          },
          metadata: {
            specversion: '1.0' as const,
            id: eventId,
            type: 'casework.eligibility.EligibilityDetermined.v1',
            source: 'eligibility',
            subject: eligibilityStream(clientId),
            time: '2026-11-23T10:00:00.000Z',
            correlationid: eventId,
          },
        },
      ],
    };
  };
  // the projection has a checkpoint: one determination taken already
  await store.append([firstDetermination(randomUUID())]);
  t.equal(await runner.subscription.catchUp(), 1, 'the projection is under way');

  // a newcomer's first determination, decided under the rules of before: written before the job is
  // scheduled, committed after
  const newcomer = randomUUID();
  const decider = heldTransaction(database.db, (tx) => store.append([firstDetermination(newcomer)], tx));
  await decider.didWork;
  await database.db
    .transaction()
    .execute((tx) => eligibilityProjection(SCHEMA).applyBatch!([published(null, 2)], tx));
  decider.commit();
  await decider.done;
  // every transaction of the database before the job's has ended, and stays so: any begun since has a
  // later id
  const ended = await eventually(async () => {
    const { rows } = await sql<{
      ended: boolean;
    }>`SELECT bool_and(hold_until <= eligibility.safe_frontier())
      AS ended FROM eligibility.reevaluations`.execute(database.db);
    return rows[0]!.ended || undefined;
  });
  t.ok(ended, 'the decision has ended');
  t.equal(await next(), undefined, 'but its determination is not projected yet: the job waits');
  t.equal(await runner.subscription.catchUp(), 1, 'the projection takes it');
  t.match(await next(), { job_id: 'social_housing:national@2:published' }, 'then the job starts');
  const reached = await walk(database.db, 'social_housing:national@2:published', {
    serviceType: 'social_housing',
    municipality: null,
  });
  t.ok(reached.flat().includes(newcomer), 'and reaches the newcomer');
});
