import { randomUUID } from 'node:crypto';
import { testDatabaseUrl } from '@casework/testkit';
import pg from 'pg';
import t from 'tap';
import { connectPostgres, migrate } from '../src/index.js';

// The plans PostgreSQL runs inside append_events, read with auto_explain (every nested statement, sent
// back as notices), at three sizes of the streams and events tables. Each shape runs eight times on one
// connection: PL/pgSQL plans each statement for its first five calls, then may settle on a generic plan.

type Shape = { name: string; streams: number; events: number; existing: boolean };
const SHAPES: Shape[] = [
  { name: '1 event, new stream', streams: 1, events: 1, existing: false },
  { name: '1 event, existing stream', streams: 1, events: 1, existing: true },
  { name: '100 events, new stream', streams: 1, events: 100, existing: false },
  { name: '100 events, existing stream', streams: 1, events: 100, existing: true },
  { name: '3 streams, 1 event each', streams: 3, events: 1, existing: true },
];

/** An append's payload: existing streams are the prefilled `f-<n>` at version 1. */
function payload(shape: Shape, size: number, used: Set<number>) {
  return JSON.stringify(
    Array.from({ length: shape.streams }, () => {
      let n: number;
      do n = 1 + Math.floor(Math.random() * size);
      while (used.has(n));
      used.add(n);
      return {
        streamId: shape.existing ? `f-${n}` : `n-${randomUUID()}`,
        streamType: 'p',
        expected: shape.existing ? '1' : 'no_stream',
        events: Array.from({ length: shape.events }, () => ({
          id: randomUUID(),
          type: 'Planned',
          data: { note: 'x'.repeat(200) },
          metadata: { id: randomUUID() },
        })),
      };
    }),
  );
}

t.test('an append of 1 or 100 events never scans streams or events, whatever their size', async (t) => {
  const url = await testDatabaseUrl(t);
  const database = connectPostgres(url);
  await migrate(database.db, 'es');
  await database.close();
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  t.teardown(() => admin.end());
  let filled = 0;
  // a prefilled stream is used once in the whole test (its version is 1 only until then)
  const used = new Set<number>();
  for (const size of [1_000, 20_000, 500_000]) {
    // streams f-1..f-size at version 1, one event each, and fresh statistics (autovacuum's job in life)
    await admin.query(
      `INSERT INTO es.streams (stream_id, stream_type, version) SELECT 'f-' || i, 'f', 1 FROM generate_series($1::int, $2::int) i`,
      [filled + 1, size],
    );
    await admin.query(
      `INSERT INTO es.events (stream_id, stream_position, event_id, type, data, metadata)
       SELECT 'f-' || i, 1, gen_random_uuid(), 'Filled', '{"note":"filled"}', '{}' FROM generate_series($1::int, $2::int) i`,
      [filled + 1, size],
    );
    filled = size;
    await admin.query('ANALYZE es.streams; ANALYZE es.events');

    const c = new pg.Client({ connectionString: url });
    await c.connect();
    t.teardown(() => c.end().catch(() => {}));
    const plans: string[] = [];
    c.on('notice', (n) => plans.push(n.message ?? ''));
    await c.query(`LOAD 'auto_explain'`);
    await c.query(`SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on;
      SET auto_explain.log_level = notice`);
    for (const shape of SHAPES) {
      plans.length = 0;
      for (let call = 0; call < 8; call++)
        await c.query('SELECT * FROM es.append_events($1::jsonb)', [payload(shape, size, used)]);
      const nested = plans.filter((p) => !p.includes('es.append_events($1::jsonb)'));
      t.ok(nested.length >= 8, `${size} streams, ${shape.name}: the statements inside were explained`);
      const scans = nested.filter((p) => /Seq Scan on (streams|events)\b/.test(p));
      t.same(scans, [], `${size} streams, ${shape.name}: no sequential scan of streams or events`);
    }
  }
});
