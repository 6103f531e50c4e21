import { testPostgres } from '@casework/testkit';
import t from 'tap';
import { EventStore, migrate, Subscription } from '../src/index.js';
import { event } from './eventStoreSuite.js';

/** Opens a transaction, appends, and commits only when told: a slow writer. */
function slowWriter(store: EventStore, streamId: string) {
  let commit!: () => void;
  const release = new Promise<void>((r) => {
    commit = r;
  });
  let appended!: () => void;
  const didAppend = new Promise<void>((r) => {
    appended = r;
  });
  const done = store.transaction(async (tx) => {
    await store.append(
      [{ streamId, streamType: 's', expectedVersion: 'no_stream', events: [event('Slow', {})] }],
      tx,
    );
    appended();
    await release;
  });
  return { didAppend, commit, done };
}

t.test('a reader never skips an event that a slower transaction commits after a faster one', async (t) => {
  const database = await testPostgres(t);
  await migrate(database.db, 'es');
  const store = new EventStore(database, 'es');

  const slow = slowWriter(store, 'slow-1');
  await slow.didAppend; // holds the lower global position, not committed yet
  await store.append([
    { streamId: 'fast-1', streamType: 's', expectedVersion: 'no_stream', events: [event('Fast', {})] },
  ]);

  const seen: string[] = [];
  const sub = new Subscription({
    name: 'reader',
    source: store,
    target: { db: database.db, schema: 'es' },
    handle: async (events) => {
      seen.push(...events.map((e) => `${e.type}@${e.globalPosition}`));
    },
  });
  await sub.catchUp();
  t.same(seen, [], 'the fast commit waits behind the open slow transaction');

  slow.commit();
  await slow.done;
  // the frontier is cluster-wide: another test's open transaction may hold it for a moment
  for (const until = Date.now() + 10_000; seen.length < 2 && Date.now() < until; )
    await new Promise((r) => setTimeout(r, 20)).then(() => sub.catchUp());
  t.same(seen, ['Slow@1', 'Fast@2'], 'both delivered, the slow one first (commit-safe order)');
  await sub.catchUp();
  t.equal(seen.length, 2, 'nothing twice');
});

t.test('many interleaved writers: a live reader sees every event exactly once', async (t) => {
  const database = await testPostgres(t, { max: 30 });
  await migrate(database.db, 'es');
  const store = new EventStore(database, 'es');
  const seen: string[] = [];
  const sub = new Subscription({
    name: 'live-reader',
    source: store,
    target: { db: database.db, schema: 'es' },
    pollMs: 5,
    batchSize: 7,
    handle: async (events) => {
      seen.push(...events.map((e) => e.eventId));
    },
  });
  sub.start();
  const written: string[] = [];
  await Promise.all(
    Array.from({ length: 20 }, async (_, w) => {
      for (let i = 0; i < 25; i++) {
        const e = event('W', { w, i });
        await store.transaction(async (tx) => {
          await store.append(
            [{ streamId: `w-${w}`, streamType: 'w', expectedVersion: 'any', events: [e] }],
            tx,
          );
          // random hold before commit reorders commits against positions
          await new Promise((r) => setTimeout(r, Math.random() * 4));
        });
        written.push(e.metadata.id);
      }
    }),
  );
  for (let i = 0; i < 200 && seen.length < written.length; i++) await new Promise((r) => setTimeout(r, 25));
  await sub.stop();
  t.equal(seen.length, 500);
  t.same([...seen].sort(), [...written].sort(), 'every event once, none skipped');
});
