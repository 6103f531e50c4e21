import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '@casework/contracts';
import type { EventStore } from '@casework/eventstore';
import { testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import {
  applyInOrder,
  type BatchHandler,
  type EventHandler,
  type IncomingEvent,
  inRuns,
} from '../src/index.js';
import { stores } from './harness.js';

const event = (n: number, eventId: string = randomUUID()): IncomingEvent => ({
  eventId,
  type: 'Numbered',
  source: 'producer',
  data: { n },
  metadata: { id: eventId, source: 'producer' } as EventMetadata,
});

const rows = async (store: EventStore) => {
  const applied = await sql<{ n: number }>`SELECT n FROM c.applied ORDER BY n`.execute(store.db);
  const inbox = await sql<{ n: string }>`SELECT count(*)::text AS n FROM c.inbox`.execute(store.db);
  return { applied: applied.rows.map((r) => r.n), inbox: Number(inbox.rows[0]!.n) };
};

const recording =
  (failOn?: number): EventHandler =>
  async (e, tx) => {
    const n = (e.data as { n: number }).n;
    await sql`INSERT INTO c.applied VALUES (${e.eventId}::uuid, ${n})`.execute(tx);
    if (n === failOn) throw new Error(`cannot handle ${n}`);
  };

t.test('a batch applies in order; duplicates, within it or from before, are claimed once', async (t) => {
  const { targets } = await stores(await testPostgres(t), ['c']);
  const store = targets.c!;
  const seen = event(0);
  await store.transaction((tx) => applyInOrder(store, 'x', [seen], recording(), tx));
  const again = event(2);
  // an upper-case id is the same event as its lower-case form
  const batch = [event(1), seen, again, event(3), { ...again, eventId: again.eventId.toUpperCase() }];
  const order: number[] = [];
  const outcome = await store.transaction((tx) =>
    applyInOrder(
      store,
      'x',
      batch,
      async (e, tx) => {
        order.push((e.data as { n: number }).n);
        await recording()(e, tx);
      },
      tx,
    ),
  );
  t.same(outcome, { applied: 3, duplicates: 2 });
  t.same(order, [1, 2, 3], 'handled in the order given, each once');
  t.same(await rows(store), { applied: [0, 1, 2, 3], inbox: 4 });
});

t.test(
  'a failure stops the line: the events before it stay, it and those after leave no trace',
  async (t) => {
    const { targets } = await stores(await testPostgres(t), ['c']);
    const store = targets.c!;
    const batch = [1, 2, 3, 4, 5].map((n) => event(n));
    const outcome = await store.transaction((tx) => applyInOrder(store, 'x', batch, recording(3), tx));
    t.equal(outcome.applied, 2);
    t.equal(outcome.failed?.index, 2, 'the third event is the one that failed');
    t.match(String(outcome.failed?.error), /cannot handle 3/);
    t.same(await rows(store), { applied: [1, 2], inbox: 2 }, 'nothing of the failing event or later ones');
    // retried without the fault: the rest applies, the first two are duplicates now
    const retry = await store.transaction((tx) => applyInOrder(store, 'x', batch, recording(), tx));
    t.same(retry, { applied: 3, duplicates: 2 });
    t.same(await rows(store), { applied: [1, 2, 3, 4, 5], inbox: 5 });
  },
);

t.test('ids in any form PostgreSQL reads are claimed and handled, never claimed alone', async (t) => {
  const { targets } = await stores(await testPostgres(t), ['c']);
  const store = targets.c!;
  const braced = randomUUID();
  const bare = randomUUID();
  const batch = [event(1, `{${braced}}`), event(2, bare.replaceAll('-', '').toUpperCase())];
  const outcome = await store.transaction((tx) => applyInOrder(store, 'x', batch, recording(), tx));
  t.same(outcome, { applied: 2, duplicates: 0 });
  t.same(await rows(store), { applied: [1, 2], inbox: 2 });
});

t.test(
  'a batch handler takes the fresh events of a batch in one call; a failure falls back to one by one',
  async (t) => {
    const { targets } = await stores(await testPostgres(t), ['c']);
    const store = targets.c!;
    const seen = event(0);
    await store.transaction((tx) => applyInOrder(store, 'x', [seen], recording(), tx));
    const calls: number[][] = [];
    // the batch handler keeps a batch's rows in one statement, failing as `handle` would on `failOn`
    const together =
      (failOn?: number): BatchHandler =>
      async (events, tx) => {
        const ns = events.map((e) => (e.data as { n: number }).n);
        calls.push(ns);
        await sql`INSERT INTO c.applied SELECT * FROM unnest(${events.map((e) => e.eventId)}::uuid[], ${ns}::int[])`.execute(
          tx,
        );
        if (failOn !== undefined && ns.includes(failOn)) throw new Error(`cannot handle ${failOn}`);
      };
    const batch = [event(1), seen, event(2), event(3)];
    const outcome = await store.transaction((tx) =>
      applyInOrder(store, 'x', batch, recording(), tx, together()),
    );
    t.same(outcome, { applied: 3, duplicates: 1 });
    t.same(calls, [[1, 2, 3]], 'one call, with the events not seen before, in order');
    t.same(await rows(store), { applied: [0, 1, 2, 3], inbox: 4 });

    calls.length = 0;
    const next = [4, 5, 6].map((n) => event(n));
    const failed = await store.transaction((tx) =>
      applyInOrder(store, 'x', next, recording(5), tx, together(5)),
    );
    t.same(calls, [[4, 5, 6]], 'the batch handler was tried once');
    t.equal(failed.applied, 1, 'then event by event: the one before the failing event stays');
    t.equal(failed.failed?.index, 1);
    t.same(
      await rows(store),
      { applied: [0, 1, 2, 3, 4], inbox: 5 },
      'nothing of the batch call, nor of 5 or 6',
    );
    t.equal(
      failed.batchHandlerFailed,
      undefined,
      'an event failing alone too is no fault of the batch handler',
    );

    // a batch handler that fails where `handle` does not: the batch applies one by one, and it is told
    const broken = [7, 8].map((n) => event(n));
    const fellBack = await store.transaction((tx) =>
      applyInOrder(store, 'x', broken, recording(), tx, together(7)),
    );
    t.same([fellBack.applied, fellBack.failed], [2, undefined], 'applied one by one');
    t.match(
      String(fellBack.batchHandlerFailed),
      /cannot handle 7/,
      'the batch handler’s failure is reported',
    );
  },
);

t.test(
  'inRuns hands consecutive batchable events over together and the others one by one, in order',
  async (t) => {
    const seen: string[] = [];
    const batch = [1, 2, 10, 3, 4, 5, 11, 12, 6].map((n) => event(n));
    await inRuns(
      batch,
      {} as never,
      (e) => (e.data as { n: number }).n < 10,
      async (run) => {
        seen.push(`[${run.map((e) => (e.data as { n: number }).n).join(',')}]`);
      },
      async (e) => {
        seen.push(String((e.data as { n: number }).n));
      },
    );
    t.same(seen, ['[1,2]', '10', '[3,4,5]', '11', '12', '[6]']);
  },
);
