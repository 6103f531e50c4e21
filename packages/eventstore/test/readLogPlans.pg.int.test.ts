import { testDatabaseUrl } from '@casework/testkit';
import pg from 'pg';
import t from 'tap';
import { logPage } from '../src/eventStore.js';
import { connectPostgres, EventStore, migrate, START } from '../src/index.js';
import { explainingClient } from './autoExplain.js';

// The plans of the log's pages, read with auto_explain on 500,000 events: the store's four statements
// (data parsed or as text, every type or a few), each run from eight positions with custom plans and with
// a generic plan (planned without seeing the position, the LIMIT or the types, as PostgreSQL may keep for
// a named statement). A page must walk the commit-order index from its position: never a scan of the
// events table, never a sort of it. The store sends them unnamed, so they are planned for each page: a
// generic plan made while the table was small sorts everything after the position.

const EVENTS = 500_000;

t.test('a page of the log walks the commit-order index, whatever its position, limit or types', async (t) => {
  const url = await testDatabaseUrl(t);
  const database = connectPostgres(url);
  await migrate(database.db, 'es');
  // reading each variant of the log prepares no statement: none is named, so none keeps a generic plan
  const prepared: string[] = [];
  const store = new EventStore(
    {
      ...database,
      prepare: (text) => {
        prepared.push(text);
      },
    },
    'es',
  );
  prepared.length = 0; // the appends' statements, prepared at once
  for (const types of [undefined, ['Rare']])
    for (const withoutData of [undefined, ['Common']]) {
      const read = { limit: 1, ...(types ? { types } : {}), ...(withoutData ? { withoutData } : {}) };
      await store.readLog(START, read);
      await store.readLog(START, { ...read, encoded: true });
    }
  await database.close();
  t.same(prepared, [], 'no page of the log is a named statement');
  const pages = [false, true].flatMap((encoded) =>
    [false, true].flatMap((typed) =>
      [false, true].map((dataless) => ({ typed, dataless, text: logPage('"es"', encoded, typed, dataless) })),
    ),
  );

  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  t.teardown(() => admin.end());
  // 500,000 events of 2,000 transactions (250 each), every 1,000th of type Rare
  for (let tx = 0; tx < EVENTS / 250; tx++)
    await admin.query(
      `INSERT INTO es.events (stream_id, stream_position, event_id, type, data, metadata)
       SELECT 's-' || i, 1, gen_random_uuid(), CASE WHEN i % 1000 = 0 THEN 'Rare' ELSE 'Common' END,
         '{"note":"filled"}', '{}' FROM generate_series($1::int, $2::int) i`,
      [tx * 250 + 1, tx * 250 + 250],
    );
  await admin.query('ANALYZE es.events');
  const positions = (
    await admin.query<{ tx: string; pos: string }>(
      `SELECT transaction_id::text AS tx, global_position::text AS pos FROM es.events
       WHERE global_position % 62500 = 1 ORDER BY global_position`,
    )
  ).rows;
  t.equal(positions.length, 8, 'eight positions spread over the log');

  const { c, plans } = await explainingClient(t, url);
  for (const mode of ['force_custom_plan', 'force_generic_plan'])
    for (const [i, { typed, dataless, text }] of pages.entries()) {
      const name = `${mode} ${i}${typed ? ' (typed)' : ''}${dataless ? ' (some without data)' : ''}`;
      await c.query(`SET plan_cache_mode = ${mode}`);
      plans.length = 0;
      // from the start, then from positions spread over the log; small and large pages
      for (const [call, at] of [{ tx: '0', pos: '0' }, ...positions.slice(1)].entries()) {
        const { rows } = await c.query({
          name: `log-${i}`,
          text,
          values: [
            at.tx,
            at.pos,
            call % 2 ? 1000 : 10,
            ...(typed ? [['Rare']] : []),
            ...(dataless ? [['Common']] : []),
          ],
        });
        t.ok(rows.length > 1, `${name}, call ${call}: a head row and events`);
      }
      // the page's plans (not the frontier function's), without the statement's text; a custom plan
      // names the position it was made for
      const bodies = plans
        .filter((p) => p.includes('LIMIT $3'))
        .map((p) => p.slice(p.indexOf('\n', p.indexOf('LIMIT $3'))));
      t.equal(bodies.length, 8, `${name}: eight plans explained`);
      const generic = bodies.filter((p) => !/ROW\('\d+'::xid8/.test(p)).length;
      t.equal(generic, mode === 'force_generic_plan' ? 8 : 0, `${name}: the plans are the ones asked for`);
      const scans = bodies.flatMap((p) => p.split('\n').filter((l) => / on events\b/.test(l)));
      t.same(
        scans.filter(
          (l) => l.includes('Seq Scan') || (l.includes('Index') && !l.includes('events_commit_order')),
        ),
        [],
        `${name}: events found through the commit-order index only`,
      );
      // a reader of rare types may have the rows of its range fetched by bitmap and sorted: bounded by
      // its position all the same
      if (!typed)
        t.same(
          bodies.filter((p) => /\bSort\b|Bitmap/.test(p)),
          [],
          `${name}: the index walked in order, no sort`,
        );
    }
});
