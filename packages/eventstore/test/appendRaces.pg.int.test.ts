import { testPostgres } from '@casework/testkit';
import t from 'tap';
import { ConcurrencyError, EventStore, migrate } from '../src/index.js';
import { event } from './eventStoreSuite.js';

// Appends racing to create the same stream, one of one stream and one of several with a long batch
// (the window in which a creator holds rows the other needs): one wins, the other is told so, and
// neither waits on the other in a cycle (a deadlock is not a concurrency error).
t.test('a creator of one stream racing a creator of several: one wins, never a deadlock', async (t) => {
  const database = await testPostgres(t);
  await migrate(database.db, 'es');
  const store = new EventStore(database, 'es');
  const many = () => Array.from({ length: 3000 }, () => event('Raced', { note: 'x'.repeat(100) }));
  let deadlocks = 0;
  for (let round = 0; round < 12; round++) {
    const x = `x-${round}`;
    const several = store.append([
      { streamId: `a-${round}`, streamType: 'r', expectedVersion: 'no_stream', events: many() },
      { streamId: x, streamType: 'r', expectedVersion: 'no_stream', events: [event('Raced', {})] },
      { streamId: `z-${round}`, streamType: 'r', expectedVersion: 'no_stream', events: many() },
    ]);
    // let the batch get under way, then create its stream alone
    await new Promise((r) => setTimeout(r, 5 + round * 7));
    const one = store.append([
      { streamId: x, streamType: 'r', expectedVersion: 'no_stream', events: [event('Raced', {})] },
    ]);
    const outcomes = await Promise.allSettled([several, one]);
    const won = outcomes.filter((o) => o.status === 'fulfilled').length;
    for (const o of outcomes)
      if (o.status === 'rejected' && !(o.reason instanceof ConcurrencyError)) {
        if ((o.reason as { code?: string }).code === '40P01') deadlocks++;
        else throw o.reason;
      }
    t.ok(won <= 1, `round ${round}: at most one created ${x}`);
    if (deadlocks === 0) t.equal(won, 1, `round ${round}: one created ${x}`);
  }
  t.equal(deadlocks, 0, 'no deadlock');
});
