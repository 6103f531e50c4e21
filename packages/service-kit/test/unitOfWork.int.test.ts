import { breaksRule, type Decider, DomainError, defineEvent } from '@casework/contracts';
import { ConcurrencyError, EventStore, migrate } from '@casework/eventstore';
import { InProcessTransport } from '@casework/messaging';
import { testPostgres } from '@casework/testkit';
import pino from 'pino';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import type { ServiceContext } from '../src/serviceModule.js';
import { appendOf, byName } from '../src/streams.js';
import { unitOfWork } from '../src/unitOfWork.js';

// The unit of work every service's commands run in, against a real PostgreSQL event store: the streams
// it names read once (several in one round trip, a fresh one not at all), every stream decided on
// appended in one append, and a lost race decided again on what the winner wrote. Counters stand in for
// a service's aggregates.

const Counted = defineEvent({
  service: 'intake',
  name: 'Counted',
  version: 1,
  published: false,
  description: 'A counter moved (a test of the unit of work)',
  schema: z.object({ by: z.number().int() }),
});
type Counter = { total: number; moves: number };
type CounterCommand = { type: 'Add'; by: number } | { type: 'Refuse' };
type CounterEvent = { type: 'Counted'; data: { by: number } };
const counter: Decider<Counter, CounterCommand, CounterEvent> = {
  initialState: { total: 0, moves: 0 },
  decide: (command) => {
    if (command.type === 'Refuse') throw breaksRule('REFUSED', 'the rules say no');
    return command.by === 0 ? [] : [{ type: 'Counted', data: { by: command.by } }];
  },
  evolve: (s, e) => ({ total: s.total + e.data.by, moves: s.moves + 1 }),
};
const definitions = byName([Counted]);
const cause = { correlationId: 'unit-of-work-test' };
const stream = (id: string, fresh = false) => ({
  streamId: `counter-${id}`,
  streamType: 'counter',
  decider: counter,
  fresh,
});

t.test('the unit of work', async (t) => {
  const database = await testPostgres(t);
  const schema = 'kit_unit_of_work';
  await migrate(database.db, schema);
  const store = new EventStore(database, schema);
  const transport = new InProcessTransport({ maxDeliver: 1 });
  t.teardown(() => transport.close());
  const ctx: ServiceContext = {
    service: 'intake',
    store,
    transport,
    clock: () => new Date(),
    newId: uuidv7,
    secrets: { identifierKey: 'unit-of-work-test-key-of-32-characters' },
    log: pino({ level: 'silent' }),
  };
  // every read of streams the store serves, counted
  let reads = 0;
  const readStreams = store.readStreams.bind(store);
  store.readStreams = (...args) => {
    reads++;
    return readStreams(...args);
  };
  const totalOf = async (id: string) => {
    const { events, version } = await store.readStream(`counter-${id}`);
    return { version, total: events.reduce((n, e) => n + (e.data as { by: number }).by, 0) };
  };
  /** Another request's append to a counter, at the version it read. */
  const add = (id: string, by: number, version: number) =>
    store.append([
      appendOf(
        ctx,
        { streamId: `counter-${id}`, streamType: 'counter', version },
        [{ type: 'Counted', data: { by } }],
        definitions,
        cause,
      ),
    ]);

  await t.test('streams read in one round trip, decided, appended together', async (t) => {
    await add('a', 5, 0);
    reads = 0;
    const r = await unitOfWork(ctx, { definitions, cause }, async (unit) => {
      const [a, b] = await unit.load([stream('a'), stream('b')]);
      t.same(
        [a.state, a.version, b.state, b.version],
        [{ total: 5, moves: 1 }, 1, { total: 0, moves: 0 }, 0],
      );
      const first = unit.decide(a, counter, { type: 'Add', by: 2 });
      // a second decision on the same stream starts where the first left it
      const second = unit.decide(a, counter, (s): CounterCommand => ({ type: 'Add', by: s.total }));
      unit.decide(b, counter, { type: 'Add', by: 1 });
      return [first.version, second.before.total, second.state.total, second.version];
    });
    t.same(r, [2, 7, 14, 3]);
    t.equal(reads, 1, 'both streams in one read');
    t.same(await totalOf('a'), { version: 3, total: 14 });
    t.same(await totalOf('b'), { version: 1, total: 1 });
  });

  await t.test('a fresh stream is not read; found existing, it is read and decided again', async (t) => {
    reads = 0;
    let attempts = 0;
    const r = await unitOfWork(ctx, { definitions, cause }, async (unit) => {
      attempts++;
      const [c] = await unit.load([stream('c', true)]);
      // another request creates it between this attempt's load and its append
      if (attempts === 1) await add('c', 10, 0);
      return unit.decide(c, counter, { type: 'Add', by: 1 }).state;
    });
    t.equal(attempts, 2);
    t.equal(reads, 1, 'read only once it was known to exist');
    t.same(r, { total: 11, moves: 2 }, 'decided on what the other request wrote');
    t.same(await totalOf('c'), { version: 2, total: 11 });
  });

  await t.test('a lost race on a stream read is decided again on the new state', async (t) => {
    let attempts = 0;
    await unitOfWork(ctx, { definitions, cause }, async (unit) => {
      attempts++;
      const [a, d] = await unit.load([stream('a'), stream('d')]);
      if (attempts === 1) await add('a', 100, a.version);
      unit.decide(a, counter, (s): CounterCommand => ({ type: 'Add', by: -s.total }));
      unit.decide(d, counter, { type: 'Add', by: 4 });
    });
    t.equal(attempts, 2);
    t.same(await totalOf('a'), { version: 5, total: 0 }, 'zeroed after the winner’s 100');
    t.same(await totalOf('d'), { version: 1, total: 4 }, 'the other stream appended once');
  });

  await t.test('a lost race not to decide again is the caller’s, as it was', async (t) => {
    let attempts = 0;
    const before = await totalOf('d');
    const race = await unitOfWork(ctx, { definitions, cause, decideAgain: false }, async (unit) => {
      attempts++;
      const [d, g] = await unit.load([stream('d'), stream('g')]);
      await add('d', 1, d.version);
      unit.decide(d, counter, { type: 'Add', by: 1 });
      unit.decide(g, counter, { type: 'Add', by: 1 });
    }).catch((e: unknown) => e);
    t.ok(race instanceof ConcurrencyError && race.streamId === 'counter-d', 'the stream that moved, named');
    t.equal(attempts, 1, 'not decided again');
    t.same(await totalOf('d'), { version: before.version + 1, total: before.total + 1 }, 'only the winner’s');
    t.same(await totalOf('g'), { version: 0, total: 0 }, 'nor the other stream');
  });

  await t.test('If-Match on another version: refused, nothing appended', async (t) => {
    const before = await totalOf('a');
    await t.rejects(
      unitOfWork(ctx, { definitions, cause }, async (unit) => {
        const [a, e] = await unit.load([stream('a'), stream('e')]);
        unit.decide(e, counter, { type: 'Add', by: 1 });
        unit.expect(a, before.version - 1);
        unit.decide(a, counter, { type: 'Add', by: 1 });
      }),
      { name: 'DomainError', kind: 'stale' },
    );
    t.same(await totalOf('a'), before);
    t.same(await totalOf('e'), { version: 0, total: 0 }, 'the other stream untouched too');
  });

  await t.test(
    'a refusal by the rules is thrown at once, and a unit that decides nothing writes nothing',
    async (t) => {
      let attempts = 0;
      const refusal = await unitOfWork(ctx, { definitions, cause }, async (unit) => {
        attempts++;
        const [a] = await unit.load([stream('a')]);
        unit.decide(a, counter, { type: 'Refuse' });
      }).catch((e: unknown) => e);
      t.ok(refusal instanceof DomainError);
      t.equal(attempts, 1, 'not tried again');
      const before = await totalOf('a');
      await unitOfWork(ctx, { definitions, cause }, async (unit) => {
        const [a] = await unit.load([stream('a')]);
        t.same(unit.decide(a, counter, { type: 'Add', by: 0 }).events, []);
      });
      t.same(await totalOf('a'), before);
    },
  );

  await t.test(
    'in a transaction someone else holds, a fresh stream is read (no attempt of its own)',
    async (t) => {
      await add('h', 3, 0);
      const r = await database.db.transaction().execute((tx) =>
        unitOfWork(ctx, { definitions, cause, tx }, async (unit) => {
          const [h] = await unit.load([stream('h', true)]);
          unit.expect(h, 1);
          return unit.decide(h, counter, { type: 'Add', by: 1 }).state;
        }),
      );
      t.same(r, { total: 4, moves: 2 }, 'decided on what it holds');
      await t.rejects(
        unitOfWork(ctx, { definitions, cause }, async (unit) => {
          const [i] = await unit.load([stream('i', true)]);
          unit.expect(i, 0);
        }),
        /expected at a version/,
        'a version is not expected of a stream taken as fresh, unread',
      );
    },
  );

  await t.test('in a transaction someone else holds, a lost race is the holder’s', async (t) => {
    let attempts = 0;
    const failed = await database.db
      .transaction()
      .execute((tx) =>
        unitOfWork(ctx, { definitions, cause, tx }, async (unit) => {
          attempts++;
          const [f] = await unit.load([stream('f', true)]);
          await add('f', 1, 0);
          unit.decide(f, counter, { type: 'Add', by: 1 });
        }),
      )
      .catch((e: unknown) => e);
    t.ok(failed instanceof ConcurrencyError, 'the holder sees the lost race');
    t.equal(attempts, 1, 'run once');
    t.same(await totalOf('f'), { version: 1, total: 1 }, 'only the winner’s event');
  });
});
