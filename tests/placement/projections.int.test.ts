import { migrate } from '@casework/eventstore';
import { rebuildProjections } from '@casework/service-kit';
import { testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { placementMigrations } from '../../services/placement/src/migrations/readModels.js';
import { setUp } from './harness.js';

// Placement keeps each read model with a projection of its own, under its own checkpoint: a rebuild
// can target one, leaving the others' rows as they are; and a schema that had the one projection goes
// on from its checkpoint under the six.

const MODELS = ['absences', 'attendance', 'sites', 'stays', 'tasks', 'waiting-list'];

t.test('migration 0307 hands the one checkpoint on to each read model', async (t) => {
  const database = await testPostgres(t);
  const all = placementMigrations('placement');
  const before = Object.fromEntries(Object.entries(all).filter(([name]) => name < '0307'));
  await migrate(database.db, 'placement', before);
  await sql`INSERT INTO placement.checkpoints (subscription, transaction_id, global_position)
    VALUES ('projection:placement', '4242'::xid8, 77), ('consumer:intake', '5'::xid8, 6)`.execute(
    database.db,
  );
  await migrate(database.db, 'placement', all);
  const { rows } = await sql<{ subscription: string; tx: string; pos: string }>`
    SELECT subscription, transaction_id::text AS tx, global_position::text AS pos
    FROM placement.checkpoints ORDER BY subscription`.execute(database.db);
  t.same(rows, [
    { subscription: 'consumer:intake', tx: '5', pos: '6' },
    ...MODELS.map((m) => ({ subscription: `projection:${m}`, tx: '4242', pos: '77' })),
  ]);
});

t.test('rebuilding the stays replays the stays only, to the same rows', async (t) => {
  const p = await setUp(t);
  const siteId = await p.openSite('protected_housing', 3);
  const [a, b] = await p.registerMany([31, 32]);
  for (const client of [a!, b!]) {
    await p.makeEligible(client, 'protected_housing');
    const r = await p.admit(client, siteId, '2026-11-02');
    t.equal(r.statusCode, 201, r.body);
  }
  const db = p.database.db;
  const stays = async () =>
    (
      await sql<{ placement_id: string; client_id: string; valid_from: string }>`
        SELECT placement_id::text, client_id::text, valid_from::text FROM placement.stays
        WHERE superseded_at IS NULL ORDER BY placement_id`.execute(db)
    ).rows;
  const siteRows = async () =>
    (
      await sql<{ xmin: string }>`SELECT xmin::text FROM placement.sites
        UNION ALL SELECT xmin::text FROM placement.site_capacity`.execute(db)
    ).rows;
  for (let i = 0; (await stays()).length < 2; i++) {
    if (i > 200) throw new Error('the stays were never projected');
    await new Promise((r) => setTimeout(r, 50));
  }
  const before = await stays();
  const sitesBefore = await siteRows();

  const hosted = p.app.hosted.find((h) => h.module.name === 'placement')!;
  const replayed = await rebuildProjections(hosted, 'stays');
  t.same(Object.keys(replayed), ['stays'], 'one projection rebuilt');
  t.equal(replayed.stays, 2, 'from the two admissions only');
  t.same(await stays(), before, 'to the same rows');
  t.same(await siteRows(), sitesBefore, "the sites' rows untouched (the same row versions)");
  const checkpoints = await sql<{ subscription: string }>`SELECT subscription FROM placement.checkpoints
    WHERE subscription LIKE 'projection:%' ORDER BY subscription`.execute(db);
  t.same(
    checkpoints.rows.map((r) => r.subscription),
    MODELS.map((m) => `projection:${m}`),
    'a checkpoint of its own for each read model',
  );
});
