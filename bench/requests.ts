// The request path (issue 19): a personal record read, a placements list, registrations and a case
// manager's day, in both modes, each against a Fastify hello-world measured in the same run, with the
// CPU each request cost the platform's process and the database.
import { readdirSync, readFileSync } from 'node:fs';
import { mintToken, type ServiceContext } from '@casework/service-kit';
import { eventually } from '@casework/testkit';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { benchSite, type Load, type LoadResult, type MixItem, runLoad, syntheticEgn } from './load.js';
import { benchEmbedded, benchServices } from './platform.js';
import { report } from './stats.js';

const SECONDS = Number(process.env.BENCH_REQUEST_SECONDS ?? 5);
const ROUNDS = Math.max(1, Number(process.env.BENCH_REQUEST_ROUNDS ?? 3));
const CLIENTS = 400;
const PLACEMENTS = 200;
const CONCURRENCY = 16;
const SERVICES = ['intake', 'eligibility', 'placement', 'billing'];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** CPU seconds so far of every process named `comm` (PostgreSQL's backends, say); Linux only. */
function cpuOf(comm: string): number | undefined {
  try {
    let ticks = 0;
    let seen = 0;
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // gone meanwhile
      }
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== comm) continue;
      const f = stat.slice(close + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
      seen++;
    }
    // none to be seen (a database on another host or in a container of its own): no figure
    return seen > 0 ? ticks / 100 : undefined;
  } catch {
    return undefined;
  }
}

type Measured = LoadResult & { nodeMsPerRequest: number; dbMsPerRequest?: number };

/** One load, with the CPU this process (the platform) and the database spent on each request. */
async function measure(load: Load, database: boolean): Promise<Measured> {
  const db0 = database ? cpuOf('postgres') : undefined;
  const p0 = process.cpuUsage();
  const r = await runLoad(load);
  const p = process.cpuUsage(p0);
  const db1 = database ? cpuOf('postgres') : undefined;
  const n = Math.max(1, r.requests);
  return {
    ...r,
    nodeMsPerRequest: (p.user + p.system) / 1000 / n,
    ...(db0 !== undefined && db1 !== undefined ? { dbMsPerRequest: ((db1 - db0) * 1000) / n } : {}),
  };
}

/** `ROUNDS` runs of a load; the medians of each figure. */
async function rounds(make: (round: number) => Load, database: boolean) {
  const runs: Measured[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const run = await measure(make(i), database);
    if (run.statuses.non2xx > 0 || run.statuses.errors > 0)
      throw new Error(`${make(i).mix?.[0]?.path ?? make(i).url}: ${JSON.stringify(run.codes)}`);
    runs.push(run);
  }
  const of = (f: (m: Measured) => number | undefined) => {
    const xs = runs.map(f).filter((x): x is number => x !== undefined);
    return xs.length ? median(xs) : undefined;
  };
  return {
    perSecond: of((m) => m.perSecond)!,
    p50: of((m) => m.p50)!,
    p99: of((m) => m.p99)!,
    nodeMs: of((m) => m.nodeMsPerRequest)!,
    dbMs: of((m) => m.dbMsPerRequest),
    all: runs.map((m) => Math.round(m.perSecond)),
  };
}
type Figures = Awaited<ReturnType<typeof rounds>>;

const hello = Fastify();
hello.get('/hello', async () => ({ hello: 'world' }));
hello.post('/hello', async () => ({ hello: 'world' }));
const helloAddress = await hello.listen({ port: 0, host: '127.0.0.1' });
const helloLoad = (method: 'GET' | 'POST') => () => ({
  url: `${helloAddress}/hello`,
  method,
  headers: {},
  seconds: SECONDS,
  concurrency: CONCURRENCY,
});
console.log(
  `\nRequests (${CONCURRENCY} connections, ${SECONDS} s a round, median of ${ROUNDS} rounds; CPU per request: ` +
    "the platform process (with PGlite's worker thread in the embedded mode), and PostgreSQL in the distributed " +
    'mode, all of its processes on this machine)\n',
);
const line = (name: string, f: Figures, base: Figures, target: string) => {
  report(name, f.perSecond, 'req/s', base.perSecond, target);
  console.log(
    `  p50/p99 ${f.p50}/${f.p99} ms (hello-world ${base.p50}/${base.p99}); CPU per request: node ` +
      `${f.nodeMs.toFixed(2)} ms (hello-world ${base.nodeMs.toFixed(3)})` +
      (f.dbMs !== undefined ? `, PostgreSQL ${f.dbMs.toFixed(2)} ms` : '') +
      `; rounds ${f.all.join(', ')} req/s`,
  );
};

// BENCH_REQUEST_MODES and BENCH_REQUEST_KINDS narrow a run (to profile one, say)
const MODES = (process.env.BENCH_REQUEST_MODES ?? 'distributed,embedded').split(',');
const KINDS = (process.env.BENCH_REQUEST_KINDS ?? 'record,list,registration,day').split(',');
for (const mode of ['distributed', 'embedded'] as const) {
  if (!MODES.includes(mode)) continue;
  const bench = mode === 'distributed' ? await benchServices(SERVICES) : await benchEmbedded(SERVICES);
  const ctxOf = (name: string): ServiceContext =>
    bench.platform.app.hosted.find((h) => h.ctx.service === name)!.ctx;
  const sign = (roles: string[]) =>
    mintToken(bench.env.AUTH_SIGNING_KEY!, { sub: 'bench', roles, municipality: 'BLG01' } as never);
  const manager = { authorization: `Bearer ${await sign(['case_manager'])}` };
  const supervisor = { authorization: `Bearer ${await sign(['supervisor'])}` };
  const post = async (path: string, headers: Record<string, string>, body: unknown) => {
    const r = await fetch(`${bench.address}${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (r.status >= 300) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    return r.json() as Promise<Record<string, string>>;
  };

  // clients, applications for a quarter of them, and placements for half of the others at one site
  const clients: string[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const c = await post('/v1/clients', manager, {
      identifier: { kind: 'egn', value: syntheticEgn(20_000_000 + i) },
      givenName: 'Бенч',
      familyName: `Тестов${i % 97}`,
      municipality: 'BLG01',
    });
    clients.push(c.clientId!);
  }
  for (const clientId of clients.slice(0, CLIENTS / 4))
    await post('/v1/applications', manager, {
      clientId,
      serviceType: 'day_centre_adults_disabilities',
      municipality: 'BLG01',
      submittedOn: '2026-11-02',
    });
  const placement = ctxOf('placement');
  const learned = await eventually(async () => {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n
      FROM ${sql.id(placement.store.schema, 'client_directory')}`.execute(placement.store.db);
    return rows[0]!.n >= CLIENTS ? true : undefined;
  }, 60_000);
  if (!learned) throw new Error('placement did not learn of the clients within 60 s');
  await sql`INSERT INTO ${sql.id(placement.store.schema, 'eligibility')}
      (client_id, service_type, determination_id, outcome, valid_until)
    SELECT client_id, 'day_centre_adults_disabilities', client_id, 'eligible', DATE '2027-11-30'
    FROM ${sql.id(placement.store.schema, 'client_directory')}
    ON CONFLICT DO NOTHING`.execute(placement.store.db);
  const site = await post('/v1/sites', supervisor, benchSite(PLACEMENTS));
  // those with no application: no determination of eligibility's will overwrite the seeded one
  for (const clientId of clients.slice(CLIENTS / 4, CLIENTS / 4 + PLACEMENTS))
    await post('/v1/placements', supervisor, {
      clientId,
      siteId: site.siteId,
      on: '2026-11-02',
      emergency: { justification: 'Benchmark admission (synthetic)' },
    });

  const database = mode === 'distributed';
  // every consumer caught up with the seeding first: the baseline and the loads run on a quiet platform
  const quiet = await eventually(async () => {
    const r = await fetch(`${bench.address}/health/ready`);
    const lagging = JSON.stringify(await r.json()).match(/"lag":[1-9]/);
    return r.status === 200 && !lagging ? true : undefined;
  }, 120_000);
  if (!quiet) throw new Error('the platform did not catch up within 120 s');
  // the baseline in the same process, beside the platform as it idles, just before what it measures
  const helloGet = await rounds(helloLoad('GET'), false);
  const helloPost = await rounds(helloLoad('POST'), false);
  // registrations number their synthetic people apart: the seed from 20,000,000, each later load from
  // its own hundred thousand (a number is a birth date and a serial: all in the past)
  const load = (mix: MixItem[], from = 0): Load => ({
    url: bench.address,
    method: 'GET',
    headers: manager,
    seconds: SECONDS,
    concurrency: CONCURRENCY,
    mix,
    clients,
    from,
  });
  const get = (path: string): MixItem[] => [{ weight: 1, method: 'GET', path }];
  const dayMix: MixItem[] = [
    // a case manager's day: mostly reading records and lists, a few registrations
    { weight: 15, method: 'GET', path: `/v1/clients?name=${encodeURIComponent('Тестов1')}&limit=20` },
    { weight: 25, method: 'GET', path: '/v1/clients/{client}' },
    { weight: 15, method: 'GET', path: '/v1/clients/{client}/facts' },
    { weight: 15, method: 'GET', path: '/v1/applications?clientId={client}' },
    { weight: 20, method: 'GET', path: '/v1/placements?limit=20' },
    { weight: 10, method: 'POST', path: '/v1/clients', body: 'registration' },
  ];
  const target = (d: string, e: string) => (database ? d : e);
  const measures = [
    {
      kind: 'record',
      name: 'GET /v1/clients/{id} (access-logged)',
      load: () => load(get('/v1/clients/{client}')),
      base: helloGet,
      target: target('>= 0.25x, p99 <= 15 ms', '>= 0.1x'),
    },
    {
      kind: 'list',
      name: 'GET /v1/placements?limit=20',
      load: () => load(get('/v1/placements?limit=20')),
      base: helloGet,
      target: target('>= 0.35x', '>= 0.1x'),
    },
    {
      kind: 'registration',
      name: 'POST /v1/clients',
      load: (i: number) =>
        load(
          [{ weight: 1, method: 'POST', path: '/v1/clients', body: 'registration' }],
          21_000_000 + i * 100_000,
        ),
      base: helloPost,
      target: target('>= 2,000 /s', '(none)'),
    },
    {
      kind: 'day',
      name: "a case manager's day (mix)",
      load: (i: number) => load(dayMix, 22_000_000 + i * 100_000),
      base: helloGet,
      target: target('>= 0.2x', '(none)'),
    },
  ];
  console.log(`${mode === 'distributed' ? 'Distributed (PostgreSQL + NATS)' : 'Embedded (PGlite)'}:`);
  for (const m of measures.filter((m) => KINDS.includes(m.kind)))
    line(m.name, await rounds(m.load, database), m.base, m.target);
  console.log('');
  await bench.close();
}
await hello.close();
