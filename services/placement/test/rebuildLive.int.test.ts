import { randomUUID } from 'node:crypto';
import {
  type Db,
  EventStore,
  migrate,
  ProjectionRunner,
  type RecordedEvent,
  type Tx,
} from '@casework/eventstore';
import type { ServiceContext } from '@casework/service-kit';
import { testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { decideIn } from '../src/application/decideIn.js';
import { entryStream } from '../src/application/streams.js';
import { entryDecider } from '../src/domain/entry.js';
import { placementMigrations } from '../src/migrations/readModels.js';
import { waitingListProjection } from '../src/projections/waitingList.js';

/**
 * `projections:rebuild` while another instance runs the same projection (DESIGN §5: safe while the
 * service stays up). The interleaving that deadlocked, forced: the rebuild empties the model and
 * rewinds the checkpoint while the live instance waits on the checkpoint lock; the live instance's
 * batch then applies and holds its rows open while the rebuild's first replay batch runs.
 */

const SCHEMA = 'placement';
const ENTRIES = 5;

const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
};

async function blockedOrSettled(db: Db, p: Promise<unknown>) {
  let settled = false;
  p.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let i = 0; i < 500 && !settled; i++) {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks
      WHERE NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`.execute(
      db,
    );
    if (rows[0]!.n > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs the race once: what each side failed with, and how many entries the rebuilt model lists. */
async function race() {
  const database = await testPostgres(t, { max: 6 });
  await migrate(database.db, SCHEMA, placementMigrations(SCHEMA));
  const store = new EventStore(database, SCHEMA);
  const ctx = { service: 'placement', store, clock: () => new Date(), newId: randomUUID } as ServiceContext;
  for (let i = 0; i < ENTRIES; i++) {
    const entryId = randomUUID();
    await database.db.transaction().execute((tx) =>
      decideIn(
        ctx,
        tx,
        { streamId: entryStream(entryId), streamType: 'entry' },
        entryDecider,
        {
          type: 'List',
          entryId,
          clientId: randomUUID(),
          serviceType: 'supervised_housing',
          municipality: 'BLG01',
          listedOn: '2026-05-01',
        },
        { correlationId: randomUUID() },
      ),
    );
  }

  const emptied = gate();
  const rewind = gate();
  const applied = gate();
  const finish = gate();
  const base = waitingListProjection(SCHEMA);
  // the instance running `projections:rebuild`: pauses once the model is emptied
  const rebuilding = new ProjectionRunner(
    {
      ...base,
      reset: async (tx: Tx) => {
        await base.reset(tx);
        emptied.open();
        await rewind.opened;
      },
    },
    store,
  );
  // the live instance: its batch pauses once applied, before its checkpoint is written
  let paused = false;
  const live = new ProjectionRunner(
    {
      ...base,
      reset: base.reset,
      applyBatch: async (events: RecordedEvent[], tx: Tx) => {
        for (const e of events) await base.apply!(e, tx);
        if (paused) return;
        paused = true;
        applied.open();
        await finish.opened;
      },
      apply: undefined,
    } as never,
    store,
  );
  // the live instance has caught up once before the rebuild
  // (once no older transaction holds the log's frontier back)
  paused = true;
  for (let caught = 0, i = 0; caught < ENTRIES; i++) {
    caught += await live.subscription.catchUp();
    if (i > 3000) throw new Error('the appends never became readable');
    if (caught < ENTRIES) await new Promise((r) => setTimeout(r, 20));
  }
  paused = false;

  const errors: unknown[] = [];
  const rebuilt = rebuilding.rebuild().catch((e) => {
    errors.push(e);
    return -1;
  });
  await emptied.opened;
  // the live instance's next batch waits on the checkpoint lock the rebuild holds
  const batch = live.subscription.processBatch().catch((e) => {
    errors.push(e);
    return -1;
  });
  await blockedOrSettled(database.db, batch);
  rewind.open();
  // the live batch (read from wherever the checkpoint says) applies and holds its rows; the rebuild's
  // first replay batch runs into them, or waits on the checkpoint
  await Promise.race([applied.opened, batch]);
  await blockedOrSettled(database.db, rebuilt);
  finish.open();
  await Promise.all([rebuilt, batch]);
  await live.subscription.catchUp();
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM placement.waiting_list
    WHERE removed_on IS NULL`.execute(database.db);
  return { errors, listed: rows[0]!.n };
}

t.test('a rebuild while another instance runs the projection: no deadlock, the model rebuilt', async (t) => {
  const { errors, listed } = await race();
  t.same(
    errors.map((e) => (e as Error).message),
    [],
    'neither the rebuild nor the live batch fails',
  );
  t.equal(listed, ENTRIES, 'every entry listed once');
});
