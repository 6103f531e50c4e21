import { testPGlite } from '@casework/testkit';
import t from 'tap';
import { DeadLetters, InProcessTransport } from '../src/index.js';
import { appendNumbered, applied, eventually, recordApplied, stores } from './harness.js';

t.test('embedded transport: same exactly-once and dead-letter semantics on PGlite', async (t) => {
  const database = await testPGlite(t);
  const { producer, targets } = await stores(database, ['c1', 'c2']);
  const transport = new InProcessTransport({ maxDeliver: 2, pollMs: 20 });
  t.teardown(() => transport.close());
  transport.startRelay(producer, 'producer', new Set(['Numbered']));
  const record1 = recordApplied('c1');
  const poisoned: Parameters<typeof transport.startConsumer>[1]['handle'] = async (e, tx) => {
    if ((e.data as { n: number }).n === 3) throw new Error('cannot handle n=3');
    await record1(e, tx);
  };
  const c1 = transport.startConsumer(targets.c1!, {
    name: 'count',
    sources: { producer: ['Numbered', 'Internal'] },
    handle: poisoned,
  });
  transport.startConsumer(targets.c2!, {
    name: 'count',
    sources: { producer: ['Numbered'] },
    handle: recordApplied('c2'),
  });
  await appendNumbered(producer, 0, 50);
  await appendNumbered(producer, 50, 3, 'Internal');
  t.ok(await eventually(async () => (await applied(targets.c2!)).total === 50), 'c2 got all 50');
  t.ok(await eventually(async () => (await applied(targets.c1!)).total === 49), 'c1 got all but the poison');
  t.equal(c1.stats().deadLettered, 1);
  const dead = new DeadLetters(targets.c1!);
  const [letter] = await dead.list();
  t.equal(await dead.replay(letter!.id, { count: recordApplied('c1') }), 'replayed');
  t.same(await applied(targets.c1!), { total: 50, distinct: 50 });
  t.same(await applied(targets.c2!), { total: 50, distinct: 50 }, 'internal events never delivered');
});

t.test('dead letters list in the order they were recorded, past nine of them', async (t) => {
  const database = await testPGlite(t);
  const { targets } = await stores(database, ['c1']);
  const dead = new DeadLetters(targets.c1!);
  for (let n = 1; n <= 12; n++) {
    const eventId = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    await dead.record(
      targets.c1!.db,
      'count',
      { eventId, type: 'Numbered', source: 'producer', data: { n }, metadata: {} as never },
      new Error(`failed ${n}`),
      3,
    );
  }
  // ids compared as numbers, not as their text ("10" before "2")
  t.same(
    (await dead.list()).map((l) => l.error),
    Array.from({ length: 12 }, (_, i) => `Error: failed ${i + 1}`),
  );
});
