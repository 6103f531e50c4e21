import { randomUUID } from 'node:crypto';
import { testDatabaseUrl } from '@casework/testkit';
import pg from 'pg';
import t from 'tap';
import { connectPostgres, EventStore, migrate } from '../src/index.js';
import { explainingClient } from './autoExplain.js';

// The plans PostgreSQL runs for an append, read with auto_explain (every statement, nested ones too, sent
// back as notices), at three sizes of the streams and events tables: the store's prepared statements for
// one stream, and append_events for several streams or another expectation. Each shape runs eight times
// on one connection: a prepared statement, like PL/pgSQL's, is planned for each of its first five calls,
// then may settle on a generic plan.

type Shape = {
  name: string;
  streams: number;
  events: number;
  /** A prefilled stream at version 1, or a new one. */
  existing: boolean;
  /** The store's statement for one stream, else append_events with this expectation ('no_stream' when new). */
  via: 'prepared' | 'any' | 'version';
};
const SHAPES: Shape[] = [
  { name: '1 event, new stream', streams: 1, events: 1, existing: false, via: 'prepared' },
  { name: '1 event, existing stream', streams: 1, events: 1, existing: true, via: 'prepared' },
  { name: '100 events, new stream', streams: 1, events: 100, existing: false, via: 'prepared' },
  { name: '100 events, existing stream', streams: 1, events: 100, existing: true, via: 'prepared' },
  { name: "1 event, existing stream, 'any'", streams: 1, events: 1, existing: true, via: 'any' },
  { name: '3 streams, 1 event each', streams: 3, events: 1, existing: true, via: 'version' },
  { name: '2 new streams, 1 event each', streams: 2, events: 1, existing: false, via: 'version' },
];

type Planned = {
  streamId: string;
  expected: string;
  events: { id: string; type: string; data: object; metadata: object }[];
};

/** An append's streams: existing ones are the prefilled `f-<n>` at version 1, each used once. */
function planned(shape: Shape, size: number, used: Set<number>): Planned[] {
  return Array.from({ length: shape.streams }, () => {
    let n: number;
    do n = 1 + Math.floor(Math.random() * size);
    while (used.has(n));
    used.add(n);
    return {
      streamId: shape.existing ? `f-${n}` : `n-${randomUUID()}`,
      expected: !shape.existing ? 'no_stream' : shape.via === 'any' ? 'any' : '1',
      events: Array.from({ length: shape.events }, () => ({
        id: randomUUID(),
        type: 'Planned',
        data: { note: 'x'.repeat(200) },
        metadata: { id: randomUUID() },
      })),
    };
  });
}

t.test('an append of 1 or 100 events never scans streams or events, whatever their size', async (t) => {
  const url = await testDatabaseUrl(t);
  const database = connectPostgres(url);
  await migrate(database.db, 'es');
  // the store's one-stream statements, exactly as it prepares them: the new stream's, then the known version's
  const [create, advance] = ((texts: string[]) => {
    new EventStore({ ...database, prepare: (text) => texts.push(text) }, 'es');
    return texts;
  })([]);
  t.ok(
    create?.includes('INSERT INTO') && advance?.includes('UPDATE'),
    'the store prepares its two statements',
  );
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

    const { c, plans } = await explainingClient(t, url);
    for (const shape of SHAPES) {
      plans.length = 0;
      for (let call = 0; call < 8; call++) {
        const streams = planned(shape, size, used);
        const one = streams[0]!;
        const { rows } =
          shape.via === 'prepared'
            ? await c.query({
                name: one.expected === 'no_stream' ? 'create' : 'advance',
                text: one.expected === 'no_stream' ? create! : advance!,
                values: [
                  one.streamId,
                  one.expected === 'no_stream' ? 'p' : one.expected,
                  one.events.length,
                  one.events.map((e) => e.id),
                  one.events.map((e) => e.type),
                  one.events.map((e) => JSON.stringify(e.data)),
                  one.events.map((e) => JSON.stringify(e.metadata)),
                ],
              })
            : await c.query('SELECT * FROM es.append_events($1::jsonb)', [
                JSON.stringify(streams.map((s) => ({ ...s, streamType: 'p' }))),
              ]);
        t.equal(rows.length, shape.via === 'prepared' ? 1 : shape.streams, 'appended');
        if (shape.via === 'prepared') t.equal(rows[0].n, shape.events, `${shape.events} events appended`);
      }
      const nested = plans.filter((p) => !p.includes('es.append_events($1::jsonb)'));
      t.ok(nested.length >= 8, `${size} streams, ${shape.name}: the statements were explained`);
      const scans = nested.filter((p) => /Seq Scan on (streams|events)\b/.test(p));
      t.same(scans, [], `${size} streams, ${shape.name}: no sequential scan of streams or events`);
    }
  }
});
