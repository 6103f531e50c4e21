// `pnpm bench peers`: Casework's event store and Emmett's PostgreSQL store side by side, each in its own
// process and database on the same server, in interleaved rounds (who goes first alternates), with the
// same events. Each figure: the median over the rounds for both, the spread (min-max), and the ratio.
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { servers } from '@casework/testkit';
import pg from 'pg';
import type { Command, Figure, Measured } from './peers/worker.js';
import { percentile } from './stats.js';

const ROUNDS = Number(process.env.PEERS_ROUNDS ?? 5);
const PREFILL = Number(process.env.PEERS_PREFILL ?? 20_000);
const SIZES: Record<Exclude<Figure, 'prefill'>, number> = {
  single: 400, // appends of one event to a new stream
  writers: 150, // appends per writer, 16 writers each on its own stream
  batch: 50, // appends of 100 events to a new stream
  read: 1000, // reads of those 100-event streams (a p99 of 1,000 is the tenth worst, not the third)
  catchup: 1000, // page size of the global-log read
  race: 20, // appends racing with the same expected version
};
const STORES = ['ours', 'emmett'] as const;
type Store = (typeof STORES)[number];

const { databaseUrl } = await servers();
const admin = new pg.Client({ connectionString: databaseUrl });
await admin.connect();
const tag = randomUUID().slice(0, 8);
const workers = {} as Record<Store, { child: ChildProcess; db: string }>;
for (const store of STORES) {
  const db = `cw_peers_${store}_${tag}`;
  await admin.query(`CREATE DATABASE "${db}"`);
  const url = new URL(databaseUrl);
  url.pathname = `/${db}`;
  const child = fork(fileURLToPath(new URL('./peers/worker.ts', import.meta.url)), [store, url.toString()], {
    execArgv: ['--max-semi-space-size=64', '--conditions=casework-src', '--import', 'tsx'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the ${store} worker exited (${code})`)));
  });
  workers[store] = { child, db };
}

const run = (store: Store, command: Command) =>
  new Promise<Measured>((resolve, reject) => {
    const { child } = workers[store];
    const exited = (code: number | null) => reject(new Error(`the ${store} worker exited (${code})`));
    child.once('exit', exited);
    child.once('message', (m: { ok?: Measured; error?: string }) => {
      child.off('exit', exited);
      m.ok ? resolve(m.ok) : reject(new Error(`${store} ${command.figure}: ${m.error}`));
    });
    workers[store].child.send(command);
  });

console.log(
  `Event stores side by side: ${ROUNDS} interleaved rounds (after one to warm up) on ${PREFILL} streams of 3 events each (PEERS_ROUNDS, PEERS_PREFILL)`,
);
for (const store of STORES) await run(store, { figure: 'prefill', round: 0, size: PREFILL });

/** Per figure and store, the round's value of each row of the table. */
type Row = { name: string; unit: string; better: 'lower' | 'higher'; value: (m: Measured) => number };
const rows: Record<string, Row & { figure: Figure }> = {
  single50: {
    figure: 'single',
    name: 'append 1 event to a new stream, p50',
    unit: 'ms',
    better: 'lower',
    value: (m) => percentile(m.latencies!, 50),
  },
  single99: {
    figure: 'single',
    name: 'append 1 event to a new stream, p99',
    unit: 'ms',
    better: 'lower',
    value: (m) => percentile(m.latencies!, 99),
  },
  writers: {
    figure: 'writers',
    name: '16 concurrent writers, distinct streams',
    unit: 'ev/s',
    better: 'higher',
    value: (m) => m.events! / (m.ms! / 1000),
  },
  batch50: {
    figure: 'batch',
    name: 'append a 100-event batch, p50',
    unit: 'ms',
    better: 'lower',
    value: (m) => percentile(m.latencies!, 50),
  },
  read99: {
    figure: 'read',
    name: 'read a 100-event stream, p99',
    unit: 'ms',
    better: 'lower',
    value: (m) => percentile(m.latencies!, 99),
  },
  read50: {
    figure: 'read',
    name: 'read a 100-event stream, p50',
    unit: 'ms',
    better: 'lower',
    value: (m) => percentile(m.latencies!, 50),
  },
  catchup: {
    figure: 'catchup',
    name: 'global-log catch-up',
    unit: 'ev/s',
    better: 'higher',
    value: (m) => m.events! / (m.ms! / 1000),
  },
};
const values = Object.fromEntries(
  Object.keys(rows).map((k) => [k, { ours: [] as number[], emmett: [] as number[] }]),
);
const winners = { ours: [] as number[], emmett: [] as number[] };
let failures = 0;

// round 0 warms both up (JIT, caches, plans) and is not counted
for (let round = 0; round <= ROUNDS; round++) {
  const order: Store[] = round % 2 ? ['ours', 'emmett'] : ['emmett', 'ours'];
  for (const figure of Object.keys(SIZES) as (keyof typeof SIZES)[]) {
    for (const store of order) {
      const m = await run(store, { figure, round, size: SIZES[figure] });
      if (round === 0) continue;
      if (m.errors) {
        failures++;
        console.log(
          `  ${store} ${figure} round ${round}: ${m.errors} unexpected results${m.detail ? ` (${m.detail})` : ''}`,
        );
      }
      if (figure === 'race') winners[store].push(m.winners!);
      for (const [k, row] of Object.entries(rows))
        if (row.figure === figure) values[k]![store].push(row.value(m));
    }
  }
}

const median = (xs: number[]) => percentile(xs, 50);
const fmt = (x: number) => (x >= 1000 ? x.toFixed(0) : x.toFixed(2));
console.log(
  `\n${'figure'.padEnd(42)} ${'ours'.padStart(9)} ${'spread'.padStart(17)} ${'Emmett'.padStart(9)} ${'spread'.padStart(17)}  ${'ours/Emmett'.padStart(11)}`,
);
for (const [k, row] of Object.entries(rows)) {
  const v = values[k]!;
  const spread = (xs: number[]) => `${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}`;
  const ratio = median(v.ours) / median(v.emmett);
  const verdict = (row.better === 'lower' ? ratio < 1 : ratio > 1) ? 'ours ahead' : 'Emmett ahead';
  console.log(
    `${`${row.name} (${row.unit})`.padEnd(42)} ${fmt(median(v.ours)).padStart(9)} ${spread(v.ours).padStart(17)} ${fmt(median(v.emmett)).padStart(9)} ${spread(v.emmett).padStart(17)}  ${ratio.toFixed(2).padStart(11)}  ${verdict}`,
  );
}
for (const store of STORES)
  console.log(`${store.padEnd(6)} 16 writers by round (ev/s): ${values.writers![store].map(fmt).join(', ')}`);
const exact = (xs: number[]) => xs.every((n) => n === 1);
console.log(
  `${SIZES.race} racing appends with one expected version, winners by round: ours ${winners.ours.join(',')}${exact(winners.ours) ? ' (exactly 1)' : ' (WRONG)'}; Emmett ${winners.emmett.join(',')}${exact(winners.emmett) ? ' (exactly 1)' : ' (WRONG)'}`,
);
if (failures) console.log(`${failures} figures had unexpected results (see above)`);

for (const store of STORES) {
  workers[store].child.send('close');
  await new Promise((r) => workers[store].child.once('exit', r));
  await admin.query(`DROP DATABASE "${workers[store].db}" WITH (FORCE)`);
}
await admin.end();
