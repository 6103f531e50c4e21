// The placement suite: admissions with and without contention, the directorate's occupancy query over a
// national dataset, and a capacity-ledger rebuild from millions of events.
import { municipalities } from '@casework/reference-data';
import { mintToken, rebuildProjections } from '@casework/service-kit';
import Fastify from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { benchSite, orderedUuidSql, runLoad, syntheticUuidSql } from './load.js';
import { benchPlatform } from './platform.js';
import { cpuDuring, percentile, report, timed } from './stats.js';

const ADMISSIONS = Number(process.env.BENCH_ADMISSIONS ?? 2000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 530_000);
const SITES = Number(process.env.BENCH_SITES ?? 5000);
const LEDGER_EVENTS = Number(process.env.BENCH_LEDGER_EVENTS ?? 5_000_000);

const { platform, env, url, address, ctx, close } = await benchPlatform('placement');
const hosted = platform.app.hosted[0]!;
const db = ctx.store.db;
const raw = new pg.Client({ connectionString: url.toString() });
await raw.connect();
const token = (claims: object) => mintToken(env.AUTH_SIGNING_KEY!, { sub: 'bench', ...claims } as never);
const supervisor = {
  authorization: `Bearer ${await token({ roles: ['supervisor'], municipality: 'BLG01' })}`,
};
const integrator = { authorization: `Bearer ${await token({ roles: ['integrator'] })}` };
const hello = Fastify();
hello.get('/hello', async () => ({ hello: 'world' }));
hello.post('/hello', async () => ({ hello: 'world' }));
const helloAddress = await hello.listen({ port: 0, host: '127.0.0.1' });
console.log(`\nPlacement (distributed mode: PostgreSQL ${url.host})\n`);

// 1. admissions through HTTP, 16 concurrent: to 200 small day centres, then all to one large one
const codes = municipalities.map((m) => m.code);
await sql`INSERT INTO placement.client_directory (client_id, birth_date, sex, municipality, registered_on, source_event_id)
  SELECT ${sql.raw(syntheticUuidSql('c', 'n'))}, DATE '1980-01-01', 'female', 'BLG01', DATE '2026-01-01',
    ${sql.raw(syntheticUuidSql('e', 'n'))}
  FROM generate_series(0, ${2 * ADMISSIONS - 1}) n`.execute(db);
await sql`INSERT INTO placement.eligibility (client_id, service_type, determination_id, outcome, valid_until)
  SELECT client_id, 'day_centre_adults_disabilities', client_id, 'eligible', DATE '2027-11-30'
  FROM placement.client_directory`.execute(db);
const openSite = async (places: number) => {
  const r = await fetch(`${address}/v1/sites`, {
    method: 'POST',
    headers: { ...supervisor, 'content-type': 'application/json' },
    body: JSON.stringify(benchSite(places)),
  });
  return ((await r.json()) as { siteId: string }).siteId;
};
const spread: string[] = [];
for (let i = 0; i < 200; i++) spread.push(await openSite(Math.ceil(ADMISSIONS / 200)));
const contended = await openSite(ADMISSIONS);
const admit = (siteIds: string[], from: number) =>
  runLoad({
    url: `${address}/v1/placements`,
    method: 'POST',
    headers: supervisor,
    body: 'admission',
    admission: { siteIds, on: '2026-11-02' },
    from,
    total: ADMISSIONS,
    concurrency: 16,
  });
const helloPost = await runLoad({
  url: `${helloAddress}/hello`,
  method: 'POST',
  headers: {},
  total: ADMISSIONS * 5,
  concurrency: 16,
});
const [freeCpu, free] = await cpuDuring(() => admit(spread, 0));
const [busyCpu, busy] = await cpuDuring(() => admit([contended], ADMISSIONS));
for (const [run, what] of [
  [free, 'spread'],
  [busy, 'one site'],
] as const)
  if (run.statuses['2xx'] !== ADMISSIONS) throw new Error(`${what}: ${JSON.stringify(run.statuses)}`);
report(
  `admissions, 16 concurrent, 200 sites (/s)`,
  free.perSecond,
  '/s',
  helloPost.perSecond,
  '(hello-world POST)',
);
report(
  `admissions, 16 concurrent, one site (/s)`,
  busy.perSecond,
  '/s',
  helloPost.perSecond,
  '(hello-world POST)',
);
console.log(`  p97.5/p99: ${free.p97_5}/${free.p99} ms spread, ${busy.p97_5}/${busy.p99} ms on one site`);
for (const [cpu, what] of [
  [freeCpu, 'spread'],
  [busyCpu, 'one site'],
] as const)
  console.log(
    `  CPU per admission, ${what}: ${((cpu.processS / ADMISSIONS) * 1000).toFixed(2)} ms node, ` +
      `${(((cpu.machineS ?? Number.NaN) / ADMISSIONS) * 1000).toFixed(2)} ms machine (the load generator's included) on ${cpu.cores} cores`,
  );

// 2. the directorate's occupancy query for an oblast, over a national dataset (read models as projected)
const types = ['protected_housing', 'day_centre_adults_disabilities', 'social_housing', 'day_centre_elderly'];
const [seedMs] = await timed(async () => {
  await sql`INSERT INTO placement.sites (site_id, name, service_type, municipality, oblast, address, provider, funding,
      opened_on, recorded_at)
    SELECT ${sql.raw(syntheticUuidSql('s', 'n'))}, 'Synthetic site ' || n, (${types}::text[])[1 + n % ${types.length}],
      m.code, m.oblast, 'Synthetic street', 'Synthetic provider', 'municipal', DATE '2020-01-01', now() - interval '1 day'
    FROM generate_series(0, ${SITES - 1}) n
    JOIN (SELECT code, oblast, row_number() OVER (ORDER BY code) - 1 AS i FROM unnest(${codes}::text[], ${municipalities.map((m) => m.oblast)}::text[]) AS x(code, oblast)) m
      ON m.i = n % ${codes.length}`.execute(db);
  await sql`INSERT INTO placement.site_capacity (site_id, valid_from, places, recorded_at)
    SELECT site_id, DATE '2020-01-01', ${Math.ceil((CLIENTS / SITES) * 1.1)}, recorded_at FROM placement.sites
    WHERE name LIKE 'Synthetic site %'`.execute(db);
  await sql`INSERT INTO placement.stays (placement_id, site_id, client_id, service_type, kind, municipality, valid_from,
      valid_to, recorded_at)
    SELECT ${sql.raw(syntheticUuidSql('p', 'n'))}, s.site_id, ${sql.raw(syntheticUuidSql('k', 'n'))}, s.service_type,
      'residential', s.municipality, DATE '2021-01-01' + (n % 1500), CASE WHEN n % 7 = 0 THEN DATE '2026-06-01' END,
      now() - interval '1 day'
    FROM generate_series(0, ${CLIENTS - 1}) n
    JOIN placement.sites s ON s.site_id = ${sql.raw(syntheticUuidSql('s', `(n % ${SITES})`))}`.execute(db);
  await sql`INSERT INTO placement.waiting_list (entry_id, client_id, service_type, municipality, oblast, listed_on)
    SELECT ${sql.raw(syntheticUuidSql('w', 'n'))}, ${sql.raw(syntheticUuidSql('x', 'n'))}, s.service_type, s.municipality,
      s.oblast, DATE '2025-01-01' + (n % 600)
    FROM generate_series(0, ${Math.round(CLIENTS / 10) - 1}) n
    JOIN placement.sites s ON s.site_id = ${sql.raw(syntheticUuidSql('s', `(n % ${SITES})`))}`.execute(db);
  await sql`ANALYZE placement.sites, placement.site_capacity, placement.stays, placement.waiting_list`.execute(
    db,
  );
});
console.log(
  `  national dataset: ${SITES} sites, ${CLIENTS} stays, ${Math.round(CLIENTS / 10)} waiting, in ${(seedMs / 1000).toFixed(1)} s`,
);
const oblasts = [...new Set(municipalities.map((m) => m.oblast))];
const query = (i: number) =>
  fetch(`${address}/v1/directorate/occupancy?oblast=${oblasts[i % oblasts.length]}&on=2026-11-23`, {
    headers: integrator,
  }).then(async (r) => {
    if (!r.ok) throw new Error(`occupancy: ${r.status} ${await r.text()}`);
    return r.arrayBuffer();
  });
for (let i = 0; i < 28; i++) await query(i); // warm
const latencies: number[] = [];
const helloLatencies: number[] = [];
for (let i = 0; i < 280; i++) {
  latencies.push((await timed(() => query(i)))[0]);
  helloLatencies.push((await timed(() => fetch(`${helloAddress}/hello`).then((r) => r.arrayBuffer())))[0]);
}
report(
  `directorate occupancy of an oblast, p95 (ms)`,
  percentile(latencies, 95),
  'ms',
  percentile(helloLatencies, 95),
  '<= 100 ms (hello-world GET)',
);
console.log(
  `  p50 ${percentile(latencies, 50).toFixed(1)} ms over ${latencies.length} queries of the 28 oblasts`,
);

// 3. the capacity ledger rebuilt from LEDGER_EVENTS events: admissions, and discharges of earlier ones
// (ids time-ordered, as the services' UUIDv7 are)
await hosted.relay?.stop(); // the bench's events are not for NATS
await hosted.projections?.stop();
const pairs = Math.floor(LEDGER_EVENTS / 2);
const [insertMs] = await timed(async () => {
  for (let from = 0; from < LEDGER_EVENTS; from += 500_000) {
    const to = Math.min(LEDGER_EVENTS, from + 500_000) - 1;
    // event n: even = an admission of stay n/2; odd = the discharge of the stay admitted 1,000 earlier
    await sql`INSERT INTO placement.events (stream_id, stream_position, event_id, type, data, metadata)
      SELECT 'placements-' || c.client, CASE WHEN a THEN 1 ELSE 2 END, ${sql.raw(orderedUuidSql(1, 'n'))},
        CASE WHEN a THEN 'Admitted' ELSE 'Discharged' END,
        jsonb_build_object('clientId', c.client, 'placementId', ${sql.raw(orderedUuidSql(2, 's.stay'))},
          'siteId', ${sql.raw(syntheticUuidSql('s', `(s.stay % ${SITES})`))}, 'serviceType', 'protected_housing',
          'kind', 'residential', 'municipality', ${sql.raw(`(ARRAY['${codes.join("','")}'])[1 + s.stay % ${codes.length}]`)},
          'on', (DATE '2021-01-01' + (s.stay % 1500) + CASE WHEN a THEN 0 ELSE 90 END)::text, 'basis', 'offer')
          || CASE WHEN a THEN '{}'::jsonb ELSE jsonb_build_object('reason', 'own_request',
            'destination', jsonb_build_object('kind', 'family_home')) END,
        jsonb_build_object('id', ${sql.raw(orderedUuidSql(1, 'n'))}, 'source', 'placement')
      FROM generate_series(${from}::int, ${to}::int) n,
        LATERAL (SELECT n % 2 = 0 OR n / 2 < 1000 AS a) k,
        LATERAL (SELECT CASE WHEN n % 2 = 0 THEN n / 2 WHEN n / 2 < 1000 THEN ${pairs} + n / 2 ELSE n / 2 - 1000 END AS stay) s,
        LATERAL (SELECT ${sql.raw(orderedUuidSql(3, 's.stay'))}::text AS client) c`.execute(db);
  }
  await sql`ANALYZE placement.events`.execute(db);
});
console.log(`  ledger events: ${LEDGER_EVENTS} appended in ${(insertMs / 1000).toFixed(1)} s`);
const [rebuildMs, replayed] = await timed(() => rebuildProjections(hosted, 'stays'));
// baseline: the same events read raw, page by page, in commit order
const [readMs] = await timed(async () => {
  let after = { tx: '0', pos: '0' };
  for (;;) {
    const page = await raw.query(
      `SELECT transaction_id::text AS tx, global_position::text AS pos, type, data, recorded_at FROM placement.events
       WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint) AND type = ANY($3)
       ORDER BY events.transaction_id, events.global_position LIMIT 1000`,
      [after.tx, after.pos, ['Admitted', 'Discharged', 'Transferred']],
    );
    if (page.rows.length === 0) break;
    after = page.rows[page.rows.length - 1];
  }
});
const perSecond = (replayed.stays! / rebuildMs) * 1000;
report(
  `capacity ledger rebuild (events/s)`,
  perSecond,
  'ev/s',
  (LEDGER_EVENTS / readMs) * 1000,
  '>= 20,000 ev/s (raw paging of the same events)',
);
console.log(`  rebuilt ${replayed.stays} events in ${(rebuildMs / 1000).toFixed(1)} s`);

await hello.close();
await raw.end();
await close();
