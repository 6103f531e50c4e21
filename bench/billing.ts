// The billing suite: the national monthly run over HTTP (every municipality's statements for a month),
// growing from 50,000 clients to 530,000 and then in steady state; a statement read; and the rebuild of
// billing's read models from the run's events. Each figure beside a baseline measured in the same run.
import { municipalities } from '@casework/reference-data';
import { mintToken, rebuildProjections } from '@casework/service-kit';
import Fastify from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { syntheticUuidSql } from './load.js';
import { benchPlatform } from './platform.js';
import { cpuDuring, percentile, report, timed } from './stats.js';

const CLIENTS = Number(process.env.BENCH_BILLING_CLIENTS ?? 530_000);
const FIRST = Math.min(CLIENTS, Number(process.env.BENCH_BILLING_FIRST ?? 50_000));
const SITES = Number(process.env.BENCH_SITES ?? 5000);
/** Municipalities whose runs are in flight at once, as a finance department's scheduler would run them. */
const CONCURRENT_RUNS = Number(process.env.BENCH_BILLING_CONCURRENCY ?? 4);

const { platform, env, url, address, ctx, close } = await benchPlatform('billing');
const hosted = platform.app.hosted[0]!;
const db = ctx.store.db;
const raw = new pg.Client({ connectionString: url.toString() });
await raw.connect();
await hosted.relay?.stop(); // the bench's statements are not for NATS: the run and the read models are measured
const codes = municipalities.map((m) => m.code);
const tokens = new Map<string, string>();
for (const code of codes)
  tokens.set(
    code,
    `Bearer ${await mintToken(env.AUTH_SIGNING_KEY!, { sub: 'bench', roles: ['billing_officer'], municipality: code } as never)}`,
  );
const hello = Fastify();
hello.get('/hello', async () => ({ hello: 'world' }));
const helloAddress = await hello.listen({ port: 0, host: '127.0.0.1' });
console.log(`\nBilling (distributed mode: PostgreSQL ${url.host})\n`);

// sites of four service types spread over every municipality, each with its actual monthly cost
const types = [
  ['protected_housing', 'residential'],
  ['day_centre_adults_disabilities', 'day'],
  ['social_housing', 'residential_household'],
  ['day_centre_elderly', 'day'],
] as const;
await sql`INSERT INTO billing.sites (site_id, municipality, service_type, name)
  SELECT ${sql.raw(syntheticUuidSql('s', 'n'))}, (${codes}::text[])[1 + n % ${codes.length}],
    (${types.map((t) => t[0])}::text[])[1 + (n / ${codes.length}) % ${types.length}], 'Synthetic site ' || n
  FROM generate_series(0, ${SITES - 1}) n`.execute(db);
const { rows: sites } = await sql<{ site_id: string; municipality: string; service_type: string }>`
  SELECT site_id, municipality, service_type FROM billing.sites ORDER BY site_id`.execute(db);
const put = async (s: (typeof sites)[number]) => {
  const r = await fetch(`${address}/v1/billing/sites/${s.site_id}/costs/2020-01`, {
    method: 'PUT',
    headers: { authorization: tokens.get(s.municipality)!, 'content-type': 'application/json' },
    body: JSON.stringify({
      monthlyCost: { amountMinor: 95_000, currency: 'EUR' },
      ...(s.service_type === 'social_housing' ? { floorAreaSquareMetres: 42.5 } : {}),
    }),
  });
  if (r.status !== 200) throw new Error(`site cost: ${r.status} ${await r.text()}`);
};
for (let i = 0; i < sites.length; i += 16) await Promise.all(sites.slice(i, i + 16).map(put));

/**
 * Clients `from`..`to - 1` as billing learns them from intake and placement: a registration, a pension,
 * an admission to a site (in service since 2021–2025); one in ten away for a week in October 2026, one
 * in twenty discharged on 10 November 2026.
 */
async function seedClients(from: number, to: number) {
  for (let lo = from; lo < to; lo += 100_000) {
    const hi = Math.min(to, lo + 100_000) - 1;
    const client = syntheticUuidSql('k', 'n');
    const site = syntheticUuidSql('s', `(n % ${SITES})`);
    const placement = syntheticUuidSql('p', 'n');
    await sql`INSERT INTO billing.inputs (event_id, client_id, type, data, recorded_at)
      SELECT ${sql.raw(syntheticUuidSql('e', "(n * 8 + e.k)::text || 'b'"))}, ${sql.raw(client)}, e.type, e.data, now()
      FROM generate_series(${lo}::int, ${hi}::int) n
      JOIN billing.sites s ON s.site_id = ${sql.raw(site)},
      LATERAL (VALUES
        (0, 'ClientRegistered', jsonb_build_object('clientId', ${sql.raw(client)}, 'birthDate',
          (DATE '1940-01-01' + (n % 15000))::text, 'sex', 'female', 'municipality', s.municipality,
          'registeredOn', '2020-06-01')),
        (1, 'IncomeDeclared', jsonb_build_object('clientId', ${sql.raw(client)}, 'factId', ${sql.raw(syntheticUuidSql('f', 'n'))},
          'validFrom', '2020-01-01', 'source', 'pension',
          'monthlyAmount', jsonb_build_object('amountMinor', 40000 + (n % 80000), 'currency', 'EUR'))),
        (2, 'Admitted', jsonb_build_object('clientId', ${sql.raw(client)}, 'placementId', ${sql.raw(placement)},
          'siteId', s.site_id, 'serviceType', s.service_type,
          'kind', (${types.map((t) => t[1])}::text[])[array_position(${types.map((t) => t[0])}::text[], s.service_type)],
          'municipality', s.municipality, 'on', (DATE '2021-01-01' + (n % 1500))::text, 'basis', 'offer'))
      ) AS e(k, type, data)`.execute(db);
    await sql`INSERT INTO billing.inputs (event_id, client_id, type, data, recorded_at)
      SELECT ${sql.raw(syntheticUuidSql('e', "(n * 8 + e.k)::text || 'b'"))}, ${sql.raw(client)}, e.type, e.data, now()
      FROM generate_series(${lo}::int, ${hi}::int) n,
      LATERAL (VALUES
        (3, 'AbsenceStarted', jsonb_build_object('clientId', ${sql.raw(client)}, 'placementId', ${sql.raw(placement)},
          'absenceId', ${sql.raw(syntheticUuidSql('a', 'n'))}, 'from', '2026-10-05', 'kind', 'holiday')),
        (4, 'AbsenceEnded', jsonb_build_object('clientId', ${sql.raw(client)}, 'placementId', ${sql.raw(placement)},
          'absenceId', ${sql.raw(syntheticUuidSql('a', 'n'))}, 'from', '2026-10-05', 'returnedOn', '2026-10-12'))
      ) AS e(k, type, data)
      WHERE n % 10 = 0`.execute(db);
    await sql`INSERT INTO billing.inputs (event_id, client_id, type, data, recorded_at)
      SELECT ${sql.raw(syntheticUuidSql('e', "(n * 8 + 5)::text || 'b'"))}, ${sql.raw(client)}, 'Discharged',
        jsonb_build_object('clientId', ${sql.raw(client)}, 'placementId', ${sql.raw(placement)}, 'on', '2026-11-10',
          'reason', 'own_request', 'destination', jsonb_build_object('kind', 'family_home')), now()
      FROM generate_series(${lo}::int, ${hi}::int) n WHERE n % 20 = 0`.execute(db);
    await sql`INSERT INTO billing.stays (placement_id, client_id, municipality, service_type, site_id, from_date, to_date)
      SELECT ${sql.raw(placement)}, ${sql.raw(client)}, s.municipality, s.service_type, s.site_id,
        DATE '2021-01-01' + (n % 1500), CASE WHEN n % 20 = 0 THEN DATE '2026-11-10' END
      FROM generate_series(${lo}::int, ${hi}::int) n
      JOIN billing.sites s ON s.site_id = ${sql.raw(site)}`.execute(db);
  }
  await sql`ANALYZE billing.inputs, billing.stays, billing.accounts`.execute(db);
}

type Run = { statements: number; adjustments: number };
/** Every municipality's statements for a month over HTTP, a few municipalities at a time. */
async function nationalRun(month: string): Promise<Run> {
  const total: Run = { statements: 0, adjustments: 0 };
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < codes.length; i = next++) {
      const code = codes[i]!;
      const r = await fetch(`${address}/v1/billing/periods/${code}/${month}/statements`, {
        method: 'POST',
        headers: { authorization: tokens.get(code)!, 'content-type': 'application/json' },
        body: '{}',
      });
      if (r.status !== 200) throw new Error(`${code} ${month}: ${r.status} ${await r.text()}`);
      const body = (await r.json()) as Run;
      total.statements += body.statements;
      total.adjustments += body.adjustments;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_RUNS }, worker));
  return total;
}

/**
 * The floor a run stands on, measured on the same data: each chunk of 200 clients' inputs read in the
 * order a run reads them, and two rows of a statement's size written per client in one statement a chunk.
 */
async function floor(clients: number): Promise<number> {
  await raw.query(
    'CREATE TABLE IF NOT EXISTS bench_floor (id bigint GENERATED ALWAYS AS IDENTITY, data jsonb)',
  );
  const { rows } = await raw.query<{ client_id: string }>(
    'SELECT DISTINCT client_id FROM billing.stays ORDER BY client_id LIMIT $1',
    [clients],
  );
  const ids = rows.map((r) => r.client_id);
  const [ms] = await timed(async () => {
    for (let i = 0; i < ids.length; i += 200) {
      const chunk = ids.slice(i, i + 200);
      await raw.query('BEGIN');
      const inputs = await raw.query(
        'SELECT seq, event_id, client_id, type, data FROM billing.inputs WHERE client_id = ANY($1::uuid[]) ORDER BY seq',
        [chunk],
      );
      const rowsOut = chunk.flatMap((c) => [
        JSON.stringify({ c, lines: inputs.rows.filter((r) => r.client_id === c).map((r) => r.data) }),
        JSON.stringify({ c, statement: 'issued' }),
      ]);
      await raw.query('INSERT INTO bench_floor (data) SELECT unnest($1::jsonb[])', [rowsOut]);
      await raw.query('COMMIT');
    }
  });
  await raw.query('DROP TABLE bench_floor');
  return (ids.length / ms) * 1000;
}

const [seedMs] = await timed(() => seedClients(0, FIRST));
console.log(`  ${FIRST} clients' inputs in ${(seedMs / 1000).toFixed(1)} s; ${SITES} sites with their costs`);
const runs: { label: string; month: string; clients: number }[] = [
  { label: `first month, ${FIRST} clients`, month: '2026-09', clients: FIRST },
  { label: `grown to ${CLIENTS} clients`, month: '2026-10', clients: CLIENTS },
  { label: `steady state, ${CLIENTS} clients`, month: '2026-11', clients: CLIENTS },
];
for (const run of runs) {
  if (run.clients > FIRST && run.month === '2026-10') {
    const [ms] = await timed(() => seedClients(FIRST, CLIENTS));
    console.log(`  ${CLIENTS - FIRST} more clients' inputs in ${(ms / 1000).toFixed(1)} s`);
  }
  const [cpu, [ms, done]] = await cpuDuring(() => timed(() => nationalRun(run.month)));
  const perSecond = (run.clients / ms) * 1000;
  report(
    `national run ${run.month}, ${run.label} (clients/s)`,
    perSecond,
    'clients/s',
    await floor(Math.min(run.clients, 50_000)),
    `<= 60 s for 530,000 (the run's reads and writes, raw)`,
  );
  console.log(
    `  ${(ms / 1000).toFixed(1)} s: ${done.statements} statements, ${done.adjustments} adjustments; CPU ${cpu.processS.toFixed(1)} s node, ${cpu.machineS?.toFixed(1) ?? '?'} s machine on ${cpu.cores} cores`,
  );
}

// statements as read models: caught up, then read one by one over HTTP as an officer would
const expected = Number(
  (
    await sql<{
      n: string;
    }>`SELECT count(*)::text AS n FROM billing.events WHERE type = 'StatementIssued'`.execute(db)
  ).rows[0]!.n,
);
const [catchUpMs] = await timed(async () => {
  for (;;) {
    const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM billing.statements`.execute(db);
    if (Number(rows[0]!.n) >= expected) return;
    await new Promise((r) => setTimeout(r, 250));
  }
});
console.log(`  statements projected ${(catchUpMs / 1000).toFixed(1)} s after the last run answered`);
const { rows: sample } = await sql<{ statement_id: string; municipality: string }>`
  SELECT statement_id, municipality FROM billing.statements TABLESAMPLE SYSTEM (1) LIMIT 500`.execute(db);
const read = (i: number) => {
  const s = sample[i % sample.length]!;
  return fetch(`${address}/v1/billing/statements/${s.statement_id}`, {
    headers: { authorization: tokens.get(s.municipality)! },
  }).then(async (r) => {
    if (r.status !== 200) throw new Error(`statement: ${r.status} ${await r.text()}`);
    return r.arrayBuffer();
  });
};
for (let i = 0; i < 50; i++) await read(i); // warm
const latencies: number[] = [];
const helloLatencies: number[] = [];
for (let i = 0; i < 500; i++) {
  latencies.push((await timed(() => read(i)))[0]);
  helloLatencies.push((await timed(() => fetch(`${helloAddress}/hello`).then((r) => r.arrayBuffer())))[0]);
}
report(
  'statement read, p95 (ms)',
  percentile(latencies, 95),
  'ms',
  percentile(helloLatencies, 95),
  '<= 50 ms (hello-world GET)',
);

// billing's read models rebuilt from every event the runs appended
await hosted.projections?.stop();
const [rebuildMs, replayed] = await timed(() => rebuildProjections(hosted));
const events = Number(
  (await sql<{ n: string }>`SELECT count(*)::text AS n FROM billing.events`.execute(db)).rows[0]!.n,
);
const [readMs] = await timed(async () => {
  let after = { tx: '0', pos: '0' };
  for (;;) {
    const page = await raw.query(
      `SELECT transaction_id::text AS tx, global_position::text AS pos, type, data, recorded_at FROM billing.events
       WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
       ORDER BY events.transaction_id, events.global_position LIMIT 1000`,
      [after.tx, after.pos],
    );
    if (page.rows.length === 0) break;
    after = page.rows[page.rows.length - 1];
  }
});
report(
  "billing's read models rebuilt (events/s)",
  (events / rebuildMs) * 1000,
  'ev/s',
  (events / readMs) * 1000,
  '>= 20,000 ev/s (raw paging of the same events)',
);
console.log(`  ${JSON.stringify(replayed)} in ${(rebuildMs / 1000).toFixed(1)} s`);

await hello.close();
await raw.end();
await close();
