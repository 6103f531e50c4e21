import { migrate } from '@casework/eventstore';
import { testPGlite, testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { RateCounters, rateLimitMigrations } from '../src/index.js';

/** Issue 14 (hole 11): the per-caller counters live in the service's schema, shared by all instances. */

const SCHEMA = 'kit_limits';

for (const backend of ['pglite', 'pg'] as const) {
  t.test(`fixed-window counters in PostgreSQL (${backend})`, async (t) => {
    const database = backend === 'pg' ? await testPostgres(t, { max: 10 }) : await testPGlite(t);
    await migrate(database.db, SCHEMA, rateLimitMigrations(SCHEMA));
    const counters = new RateCounters(database.db, SCHEMA);
    const rows = async () =>
      (
        await sql<{
          key: string;
          hits: number;
        }>`SELECT key, hits FROM ${sql.id(SCHEMA)}.rate_limits ORDER BY key`.execute(database.db)
      ).rows;

    const first = await counters.hit('search|a', 60_000);
    t.equal(first.hits, 1, 'a new window');
    t.ok(first.ttlMs > 59_000 && first.ttlMs <= 60_000, 'whose time left is the window');
    t.equal((await counters.hit('search|a', 60_000)).hits, 2, 'one more in it');
    t.equal((await counters.hit('search|b', 60_000)).hits, 1, 'another key counts apart');
    t.equal((await counters.peek('search|a')).hits, 2, 'a peek counts nothing');
    t.equal((await counters.peek('search|a')).hits, 2);

    const hits = await Promise.all(Array.from({ length: 40 }, () => counters.hit('probe|c', 60_000)));
    t.same(
      hits.map((h) => h.hits).sort((x, y) => x - y),
      Array.from({ length: 40 }, (_, i) => i + 1),
      '40 concurrent hits each get their own count: one atomic statement each',
    );
    t.equal(new Set(hits.map((h) => h.window)).size, 1, 'all in one window');

    await counters.giveBack('probe|c', hits[0]!.window);
    t.equal((await counters.peek('probe|c')).hits, 39, 'a hit given back');
    await counters.giveBack('probe|c', '1');
    t.equal((await counters.peek('probe|c')).hits, 39, 'nothing given back to another window');

    const held = await counters.hit('probe|h', 60_000, true);
    await counters.hit('probe|h', 60_000, true);
    t.match(await counters.peek('probe|h'), { hits: 2, held: 2 }, 'slots held by requests in flight');
    await counters.settle('probe|h', held.window);
    t.match(await counters.peek('probe|h'), { hits: 2, held: 1 }, 'one kept: it stays counted');
    await counters.giveBack('probe|h', held.window, true);
    t.match(await counters.peek('probe|h'), { hits: 1, held: 0 }, 'one given back');

    const short = await counters.hit('short|d', 50);
    await new Promise((r) => setTimeout(r, 120));
    t.same(await counters.peek('short|d'), { hits: 0, held: 0, ttlMs: 0 }, 'an ended window counts nothing');
    const next = await counters.hit('short|d', 50);
    t.equal(next.hits, 1, 'the next hit opens a new window');
    t.not(next.window, short.window);
    await counters.giveBack('short|d', short.window);
    t.equal((await counters.peek('short|d')).hits, 1, 'a slot of the ended window is not given back');

    await new Promise((r) => setTimeout(r, 120));
    await counters.sweep();
    t.same(
      (await rows()).map((r) => r.key),
      ['probe|c', 'probe|h', 'search|a', 'search|b'],
      'the sweep deletes ended windows only',
    );
  });
}
