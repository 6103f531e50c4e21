// The eligibility suite: what-if and re-evaluation of 530,000 determinations after a national change.
import { sofiaDate } from '@casework/contracts';
import { determineAll } from '@casework/eligibility';
import { municipalities } from '@casework/reference-data';
import { mintToken } from '@casework/service-kit';
import { sql } from 'kysely';
import pg from 'pg';
import { benchPlatform } from './platform.js';
import { cpuDuring, report, timed } from './stats.js';

const POPULATION = Number(process.env.BENCH_CLIENTS ?? 530_000);
const BATCH = 1000;

const { env, url, address, ctx, close, platform } = await benchPlatform('eligibility');
const db = ctx.store.db;
const raw = new pg.Client({ connectionString: url.toString() });
await raw.connect();
const headers = {
  authorization: `Bearer ${await mintToken(env.AUTH_SIGNING_KEY!, { sub: 'bench-admin', roles: ['admin'] })}`,
  'content-type': 'application/json',
};
const api = async (path: string, body: object) => {
  const r = await fetch(`${address}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as Record<string, number>;
};

console.log(`\nEligibility (distributed mode: PostgreSQL ${url.host}; ${POPULATION} clients)\n`);

// 1. the fact store as intake's events would have filled it: birth, income, no dwelling, residence
// (ids are md5 digests shaped as version-4 UUIDs)
const codes = municipalities.map((m) => m.code);
const [loadMs] = await timed(async () => {
  await sql`INSERT INTO eligibility.client_directory (client_id, birth_date, sex, municipality, registered_on, source_event_id)
    SELECT overlay(overlay(md5('c' || n) placing '4' from 13) placing '8' from 17)::uuid, DATE '1950-01-01' + (n % 15000), 'female', (${codes}::text[])[1 + n % ${codes.length}],
      DATE '2026-01-01', overlay(overlay(md5('e' || n) placing '4' from 13) placing '8' from 17)::uuid
    FROM generate_series(1, ${POPULATION}) n`.execute(db);
  for (const [kind, build] of [
    [
      'ClientRegistered',
      sql`jsonb_build_object('clientId', d.client_id, 'birthDate', d.birth_date, 'sex', d.sex,
      'municipality', d.municipality, 'registeredOn', d.registered_on)`,
    ],
    [
      'IncomeDeclared',
      sql`jsonb_build_object('clientId', d.client_id, 'factId', overlay(overlay(md5('f1' || d.client_id) placing '4' from 13) placing '8' from 17)::uuid,
      'source', 'pension', 'validFrom', '2026-01-01',
      'monthlyAmount', jsonb_build_object('amountMinor', 20000 + (hashtext(d.client_id::text) & 65535) % 50000, 'currency', 'EUR'))`,
    ],
    [
      'DwellingOwnershipRecorded',
      sql`jsonb_build_object('clientId', d.client_id, 'factId', overlay(overlay(md5('f2' || d.client_id) placing '4' from 13) placing '8' from 17)::uuid,
      'ownsDwelling', false, 'validFrom', '2010-01-01')`,
    ],
    [
      'ResidenceRecorded',
      sql`jsonb_build_object('clientId', d.client_id, 'kind', 'permanent',
      'municipality', d.municipality, 'validFrom', '2010-01-01')`,
    ],
  ] as const)
    await sql`INSERT INTO eligibility.client_facts (event_id, client_id, type, data, deciding, recorded_at)
      SELECT overlay(overlay(md5(${kind} || d.client_id) placing '4' from 13) placing '8' from 17)::uuid, d.client_id, ${kind}, ${build}, ${build}, now() - interval '1 day'
      FROM eligibility.client_directory d`.execute(db);
  // as autovacuum leaves a table only ever inserted into: its pages all visible, for index-only reads
  await sql`VACUUM ANALYZE eligibility.client_facts, eligibility.client_directory`.execute(db);
});
const directory = (
  await sql<{ id: string; m: string }>`SELECT client_id::text AS id, municipality AS m
    FROM eligibility.client_directory ORDER BY client_id`.execute(db)
).rows;
const clientIds = directory.map((r) => r.id);
const municipalityOf = new Map(directory.map((r) => [r.id, r.m]));

// 2. a social-housing determination for everyone, under the national default (€400 per member)
// the date of service the platform decides on (Sofia's, which is not UTC's around midnight)
const today = sofiaDate(new Date());
const [initialMs] = await timed(async () => {
  let next = 0;
  await Promise.all(
    Array.from({ length: 3 }, async () => {
      for (let from = next; from < clientIds.length; from = next) {
        next += BATCH;
        const batch = clientIds.slice(from, from + BATCH);
        await db.transaction().execute((tx) =>
          determineAll(
            ctx,
            tx,
            batch.map((clientId) => ({
              clientId,
              serviceType: 'social_housing',
              municipality: municipalityOf.get(clientId)!,
              asOf: today,
              trigger: { kind: 'request' as const },
            })),
            { correlationId: 'bench-population' },
          ),
        );
      }
    }),
  );
});
/** Determinations in the read model (under a rule-set version, when given). */
const projected = async (version?: number) =>
  Number(
    (
      await sql<{ n: string }>`SELECT count(*)::text AS n FROM eligibility.determinations
        ${version === undefined ? sql`` : sql`WHERE rule_set_version = ${version}`}`.execute(db)
    ).rows[0]!.n,
  );
const [projectMs] = await timed(async () => {
  while ((await projected()) < POPULATION) await new Promise((r) => setTimeout(r, 250));
});
// the figures below are of a quiet platform: the relay has published the population's events too
const relay = platform.app.hosted[0]!.relay!;
const [publishMs] = await timed(async () => {
  while ((await relay.lag()) > 0) await new Promise((r) => setTimeout(r, 250));
});
await sql`ANALYZE eligibility.determinations`.execute(db);
console.log(
  `  population: facts loaded in ${(loadMs / 1000).toFixed(1)} s; ${POPULATION} determinations made in ` +
    `${(initialMs / 1000).toFixed(1)} s (${Math.round(POPULATION / (initialMs / 1000))}/s), projected ${(projectMs / 1000).toFixed(1)} s ` +
    `and published ${((projectMs + publishMs) / 1000).toFixed(1)} s later`,
);

// 3. what-if: a lower national ceiling (€350) against everyone under the national rule set
await api('/v1/eligibility/rule-sets/social_housing:national/versions', {
  criteria: [
    { kind: 'household_income_per_member', ceiling: { amountMinor: 35_000, currency: 'EUR' } },
    { kind: 'no_dwelling_owned' },
    { kind: 'residence', address: 'permanent', minYears: 5 },
  ],
  validityMonths: 12,
});
const [whatIfMs, whatIf] = await timed(() =>
  api('/v1/eligibility/rule-sets/social_housing:national/versions/2/what-if', { asOf: today, limit: 10 }),
);
if (whatIf.evaluated !== POPULATION) throw new Error(`what-if evaluated ${whatIf.evaluated}`);
// baseline: the same pages of determinations and fact rows read raw, with no evaluation
const [readMs] = await timed(async () => {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const page = await raw.query(
      `SELECT client_id FROM eligibility.determinations WHERE rule_set_id = 'social_housing:national'
         AND client_id > $1 ORDER BY client_id LIMIT 2000`,
      [after],
    );
    if (page.rows.length === 0) break;
    after = page.rows[page.rows.length - 1].client_id;
    await raw.query(
      'SELECT event_id, client_id, type, deciding, recorded_at FROM eligibility.client_facts WHERE client_id = ANY($1)',
      [page.rows.map((r) => r.client_id)],
    );
  }
});
report(
  `what-if over ${POPULATION} (s)`,
  whatIfMs / 1000,
  's',
  readMs / 1000,
  '<= 60 s (raw read of the same rows)',
);
console.log(`  what-if: ${whatIf.lost} would lose, ${whatIf.gained} gain, ${whatIf.unchanged} unchanged`);

// 4. publish it from today: the re-evaluation job evaluates every determination under it and records a
// new one where the new ceiling answers differently
const [cpu, [reevalMs, job]] = await cpuDuring(() =>
  timed(async () => {
    await api('/v1/eligibility/rule-sets/social_housing:national/versions/2/publish', {
      effectiveFrom: today,
    });
    for (;;) {
      const { rows } = await sql<{ evaluated: string; recorded: string; changed: string; finished: boolean }>`
      SELECT sum(evaluated)::text AS evaluated, sum(recorded)::text AS recorded, sum(changed)::text AS changed,
        bool_and(finished_at IS NOT NULL) AS finished
      FROM eligibility.reevaluations WHERE job_id = 'social_housing:national@2:published'`.execute(db);
      if (rows[0]?.finished) return rows[0];
      await new Promise((r) => setTimeout(r, 200));
    }
  }),
);
if (Number(job.evaluated) !== POPULATION) throw new Error(`re-evaluated ${job.evaluated}`);
// only the ceiling changed: a new determination is recorded exactly where the outcome changes
if (Number(job.recorded) !== POPULATION - whatIf.unchanged!)
  throw new Error(`recorded ${job.recorded} where what-if saw ${POPULATION - whatIf.unchanged!} change`);
// the read model and the stream follow: how much later they have it all
const [followMs] = await timed(async () => {
  while ((await projected(2)) < Number(job.recorded) || (await relay.lag()) > 0)
    await new Promise((r) => setTimeout(r, 250));
});
report(
  `re-evaluate ${POPULATION} after a change (s)`,
  reevalMs / 1000,
  's',
  readMs / 1000,
  '<= 60 s (raw read of the rows it evaluates)',
);
console.log(
  `  re-evaluation: ${Math.round(Number(job.evaluated) / (reevalMs / 1000))} determinations/s; ${job.recorded} recorded anew, ` +
    `${job.changed} changed outcome; projected and published ${(followMs / 1000).toFixed(1)} s after`,
);
// how busy the machine was: a figure far from its cores' worth is waiting, one close to it is work
console.log(
  `  CPU while re-evaluating: platform process ${cpu.processS.toFixed(0)} core-s` +
    (cpu.machineS === undefined
      ? ''
      : `, whole machine ${cpu.machineS.toFixed(0)} of ${((cpu.cores * reevalMs) / 1000).toFixed(0)} core-s ` +
        `(${Math.round((cpu.machineS / POPULATION) * 1e6)} µs a determination)`),
);

await raw.end();
await close();
