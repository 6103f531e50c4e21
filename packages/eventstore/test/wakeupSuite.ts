import type { Test } from 'tap';
import { type Database, EventStore, type ExpectedVersion, migrate, Subscription } from '../src/index.js';
import { event } from './eventStoreSuite.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A follower that would poll only every 20 s: whatever it sees promptly, a wake-up brought. */
export async function lazyFollower(store: EventStore, database: Database) {
  const seen: string[] = [];
  const sub = new Subscription({
    name: `lazy-${Math.random().toString(36).slice(2, 8)}`,
    source: store,
    target: { db: database.db, schema: store.schema },
    pollMs: 20_000, // its pending poll timer outlives stop() and delays the process's exit by as much
    handle: async (events) => {
      seen.push(...events.map((e) => e.eventId));
    },
  });
  sub.start();
  await store.listen();
  await sleep(200); // its first (empty) read is over: from now on it sleeps until woken
  /** Resolves with how long the event took to be seen, or undefined after `ms`. */
  const sees = async (id: string, ms = 2_000) => {
    const from = Date.now();
    while (!seen.includes(id) && Date.now() - from < ms) await sleep(10);
    return seen.includes(id) ? Date.now() - from : undefined;
  };
  // stop it before the database closes (a teardown would run after the database's own), once it is
  // idle: a stop() while a batch is in flight is noticed only after the next full poll interval
  const stop = async () => {
    await sleep(100);
    await sub.stop();
  };
  return { sees, stop };
}

/** Appends one event in a transaction of the database itself, not through store.transaction. */
export async function appendInOwnTransaction(
  database: Database,
  store: EventStore,
  stream: string,
  expectedVersion: ExpectedVersion = 'any',
) {
  const e = event('Woke', {});
  await database.db.transaction().execute(async (tx) => {
    await store.append([{ streamId: stream, streamType: 's', expectedVersion, events: [e] }], tx);
  });
  return e.metadata.id;
}

export function wakeupSuite(t: Test, connect: (t: Test) => Promise<Database>) {
  t.test('an append inside a db.transaction() wakes a follower at its commit', async (t) => {
    const database = await connect(t);
    await migrate(database.db, 'es');
    const store = new EventStore(database, 'es');
    const follower = await lazyFollower(store, database);
    // each way an append is written: append_events ('any'), the prepared create and advance statements
    const appends: [string, ExpectedVersion][] = [
      ['s-0', 'any'],
      ['s-1', 'no_stream'],
      ['s-1', 1],
      ['s-2', 'no_stream'],
      ['s-2', 1],
      ['s-2', 2],
    ];
    for (const [stream, expected] of appends) {
      const took = await follower.sees(await appendInOwnTransaction(database, store, stream, expected));
      t.ok(took !== undefined, `${stream} at ${expected}: seen in ${took} ms, long before the 20 s poll`);
    }
    await follower.stop();
  });
}
