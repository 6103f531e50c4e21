import type { Test } from 'tap';
import { type Database, EventStore, type LogPage, migrate, positionOf, START } from '../src/index.js';
import { event } from './eventStoreSuite.js';

/** Appends `n` events of `type`, 100 to an append. */
export async function appendMany(store: EventStore, type: string, n: number, stream = type) {
  for (let i = 0; i < n; i += 100) {
    const events = Array.from({ length: Math.min(100, n - i) }, (_, j) => event(type, { i: i + j }));
    await store.append([{ streamId: stream, streamType: 's', expectedVersion: 'any', events }]);
  }
}

/**
 * Reads until `done` holds (5 s at most). On a server shared with other databases, a read may be held
 * back once by a short transaction elsewhere that its snapshot caught in flight (ADR 1): read again.
 */
export async function readUntil<P extends LogPage<unknown>>(read: () => Promise<P>, done: (p: P) => boolean) {
  let page = await read();
  for (const until = Date.now() + 5_000; !done(page) && Date.now() < until; ) {
    await new Promise((r) => setTimeout(r, 20));
    page = await read();
  }
  return page;
}

/** readLog's `through`, run against each backend. */
export function readLogSuite(t: Test, connect: (t: Test) => Promise<Database>) {
  t.test('a reader of a type absent from the log moves past the rows it skips', async (t) => {
    const database = await connect(t);
    await migrate(database.db, 'es');
    const store = new EventStore(database, 'es');
    await appendMany(store, 'A', 1_000);
    const { events: all } = await readUntil(
      () => store.readLog(START, { limit: 10_000 }),
      (p) => p.events.length === 1_000,
    );
    t.equal(all.length, 1_000);

    const last = positionOf(all.at(-1)!);
    const first = await readUntil(
      () => store.readLog(START, { types: ['B'] }),
      (p) => p.through.globalPosition === last.globalPosition,
    );
    t.same(first.events, [], 'no B yet');
    t.same(first.through, last, 'through: the last A event');

    const again = await store.readLog(first.through, { types: ['B'] });
    t.same(again, { events: [], through: first.through, held: false }, 'nothing past it: through stays');

    const b = event('B', {});
    await store.append([{ streamId: 'b', streamType: 's', expectedVersion: 'no_stream', events: [b] }]);
    const next = await readUntil(
      () => store.readLog(first.through, { types: ['B'] }),
      (p) => p.events.length > 0,
    );
    t.same(
      next.events.map((e) => e.eventId),
      [b.metadata.id],
      'a B appended later is read from through',
    );
    t.same(next.through, positionOf(next.events[0]!), 'and through follows it');

    const encoded = await store.readLog(START, { types: ['B'], encoded: true });
    t.equal(typeof encoded.events[0]?.data, 'string', 'encoded: the data as JSON text');
    t.same(encoded.through, next.through);

    // a reader that reads A's data in place gets A without it, B with it, the same events in the same order
    for (const e of [false, true]) {
      const page = await store.readLog(START, { limit: 10_000, withoutData: ['A'], encoded: e as true });
      t.same(
        page.events.map((x) => x.eventId),
        [...all, ...next.events].map((x) => x.eventId),
        `${e ? 'encoded: ' : ''}the same events without some data`,
      );
      t.same(
        page.events.filter((x) => x.data !== null).map((x) => x.type),
        ['B'],
        `${e ? 'encoded: ' : ''}only B's data`,
      );
    }
    const typedDataless = await store.readLog(START, {
      limit: 10_000,
      types: ['A', 'B'],
      withoutData: ['A'],
    });
    t.same(
      typedDataless.events.filter((x) => x.data !== null).map((x) => [x.eventId, x.data]),
      [[b.metadata.id, {}]],
      'typed and some without data: only B keeps it',
    );
    t.equal(typedDataless.events.length, 1_001, 'and every A is read, without its data');
  });

  t.test('a full page: through is its last event, the rest is read from there', async (t) => {
    const database = await connect(t);
    await migrate(database.db, 'es');
    const store = new EventStore(database, 'es');
    await appendMany(store, 'A', 10);
    const page = await readUntil(
      () => store.readLog(START, { limit: 4 }),
      (p) => p.events.length === 4,
    );
    t.equal(page.events.length, 4);
    t.same(page.through, positionOf(page.events[3]!));
    const rest = await readUntil(
      () => store.readLog(page.through, { limit: 100 }),
      (p) => p.events.length === 6,
    );
    t.equal(rest.events.length, 6);
    t.same(rest.through, positionOf(rest.events[5]!));
    t.same(await store.readLog(rest.through), { events: [], through: rest.through, held: false }, 'the end');
  });
}
