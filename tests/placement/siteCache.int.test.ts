import { randomUUID } from 'node:crypto';
import { appendOf, type ServiceContext } from '@casework/service-kit';
import t from 'tap';
import { withSiteLocks, withSiteLocksOnRead } from '../../services/placement/src/application/locks.js';
import {
  decidedSite,
  decideSite,
  loadSites,
  loadSitesWith,
} from '../../services/placement/src/application/siteState.js';
import { definitions } from '../../services/placement/src/application/streams.js';
import { siteDecider } from '../../services/placement/src/domain/site.js';
import { serviceContext, setUp } from './harness.js';

// A site's state is kept between transactions by each instance, and only as committed: another
// instance's commits are read on top of it, and a transaction that rolled back leaves nothing of what it
// decided, even once the site's stream has grown past it again. Real PostgreSQL, two "instances" (two
// event stores over the one database, each with its own kept states).

t.test('a kept site state is what was committed', async (t) => {
  const p = await setUp(t);
  const instance = () => serviceContext(p, 'placement', () => new Date('2026-11-02T08:00:00Z'));
  const a = instance();
  const b = instance();
  const db = p.database.db;
  const siteId = await p.openSite('protected_housing', 3);
  const take = (clientId: string) => ({
    type: 'TakePlace' as const,
    placementId: randomUUID(),
    clientId,
    from: '2026-11-02',
  });
  const cause = { correlationId: 'site-cache' };
  const holders = async (ctx: ServiceContext) => {
    const [site] = await loadSites(ctx, db, [siteId]);
    return { clients: [...site!.state.holds.values()].map((h) => h.clientId).sort(), version: site!.version };
  };

  const opened = await holders(a);
  t.same(opened.clients, [], 'A keeps the site as opened');

  const first = randomUUID();
  await db.transaction().execute((tx) => decideSite(b, tx, siteId, take(first), cause));
  t.same((await holders(a)).clients, [first], "B's commit is read on top of what A kept");

  // A decides a place in a unit of work that then fails: rolled back
  const rolledBack = randomUUID();
  await t.rejects(
    withSiteLocks(a, [siteId], async (tx) => {
      await decideSite(a, tx, siteId, take(rolledBack), cause);
      throw new Error('something after the decision failed');
    }),
  );
  // B takes the next version with another client: A's stream position for the rolled-back decision
  // is now a committed event, but not that one
  const third = randomUUID();
  await db.transaction().execute((tx) => decideSite(b, tx, siteId, take(third), cause));
  const after = await holders(a);
  t.same(after.clients, [first, third].sort(), 'nothing of the rolled-back decision is kept');
  t.equal(after.version, opened.version + 2);

  // a unit of work that commits is kept, and read on by the next
  const fourth = randomUUID();
  await withSiteLocks(a, [siteId], (tx) => decideSite(a, tx, siteId, take(fourth), cause));
  t.same((await holders(a)).clients, [first, third, fourth].sort());
  t.same((await holders(instance())).clients, [first, third, fourth].sort(), 'as a fresh instance reads it');
});

t.test(
  'a queue at one site starts from the latest kept state: a snapshot per 50 events, not one per unit',
  async (t) => {
    const p = await setUp(t);
    const a = serviceContext(p, 'placement', () => new Date('2026-11-02T08:00:00Z'));
    const siteId = await p.openSite('day_centre_adults_disabilities', 200);
    const save = a.store.saveSnapshot.bind(a.store);
    let saved = 0;
    a.store.saveSnapshot = (...args) => {
      saved++;
      return save(...args);
    };
    const cause = { correlationId: 'site-queue' };
    // 120 units of work at once, each locking the site on its read (as an admission does): those waiting
    // looked the kept state up before the ones ahead of them committed
    const clients = Array.from({ length: 120 }, () => randomUUID());
    await Promise.all(
      clients.map((clientId) =>
        withSiteLocksOnRead(a, { sites: [siteId], clients: [] }, async (tx, keys) => {
          const { sites } = await loadSitesWith(a, tx, [siteId], [], keys);
          const site = sites[0]!;
          const events = siteDecider.decide(
            { type: 'TakePlace', placementId: randomUUID(), clientId, from: '2026-11-02' },
            site.state,
          );
          await a.store.append(
            [appendOf(a, { ...site, streamType: 'site' }, events, definitions, cause)],
            tx,
          );
          await decidedSite(
            a,
            tx,
            site,
            events.reduce(siteDecider.evolve, site.state),
            site.version + events.length,
          );
        }),
      ),
    );
    const [site] = await loadSites(a, p.database.db, [siteId]);
    t.equal(site!.state.holds.size, 120, 'every place taken once');
    t.equal(site!.version, 121, 'the site opened, then 120 places');
    // two (at 50 and 100 events); a few more where a unit's read was taken up before the commit ahead
    // of it was kept (without starting from the latest kept state: one per queued unit, some 70)
    t.ok(saved >= 2 && saved <= 6, `snapshots every 50 events, not one per queued unit (${saved})`);
  },
);
