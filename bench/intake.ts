// The intake suite: registrations through HTTP in distributed mode, and search among 530,000 clients.
import { randomUUID } from 'node:crypto';
import { intakeEvents } from '@casework/contracts';
import {
  claimDecider,
  clientDecider,
  clientStream,
  identifierHash,
  identifierStream,
} from '@casework/intake';
import { municipalities } from '@casework/reference-data';
import { appendOf, byName, mintToken } from '@casework/service-kit';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { runLoad, syntheticEgn } from './load.js';
import { benchPlatform } from './platform.js';
import { percentile, report, timed } from './stats.js';

const POPULATION = Number(process.env.BENCH_CLIENTS ?? 530_000);
const REGISTRATIONS = 8_000;

const { env, url, address, ctx, close } = await benchPlatform('intake');
const hello = Fastify();
hello.get('/hello', async () => ({ hello: 'world' }));
hello.post('/hello', async () => ({ hello: 'world' }));
const helloAddress = await hello.listen({ port: 0, host: '127.0.0.1' });
const db = ctx.store.db;
const bearer = async (municipality: string) => ({
  authorization: `Bearer ${await mintToken(env.AUTH_SIGNING_KEY!, { sub: 'bench', roles: ['case_manager'], municipality })}`,
});

console.log(`\nIntake (distributed mode: PostgreSQL ${url.host}, NATS ${new URL(env.NATS_URL!).host})\n`);

// 1. registrations through HTTP, 16 concurrent clients, against a hello-world POST with the same load
const bansko = await bearer('BLG01');
const helloRun = await runLoad({
  url: `${helloAddress}/hello`,
  method: 'POST',
  headers: {},
  total: REGISTRATIONS,
  concurrency: 16,
});
const registerRun = await runLoad({
  url: `${address}/v1/clients`,
  method: 'POST',
  headers: bansko,
  body: 'registration',
  from: 10_000_000,
  total: REGISTRATIONS,
  concurrency: 16,
});
if (registerRun.statuses['2xx'] !== REGISTRATIONS)
  throw new Error(`registrations failed: ${JSON.stringify(registerRun.statuses)}`);
report(
  'register clients, 16 concurrent (per s)',
  registerRun.perSecond,
  '/s',
  helloRun.perSecond,
  '>= 1,000 /s',
);
report('register clients, 16 concurrent, p97.5', registerRun.p97_5, 'ms', helloRun.p97_5, '(hello-world)');

// 2. a population of 530,000 clients: intake's own events, appended in bulk, projected by the running service
const definitions = byName(intakeEvents);
const given = [
  'Иван',
  'Мария',
  'Георги',
  'Елена',
  'Димитър',
  'Йорданка',
  'Николай',
  'Павлина',
  'Стоян',
  'Радка',
];
const family = [
  'Петров',
  'Иванов',
  'Георгиев',
  'Димитров',
  'Николов',
  'Стоянов',
  'Тодоров',
  'Илиев',
  'Атанасов',
  'Василев',
  'Пеев',
  'Кирилов',
  'Ангелов',
  'Маринов',
  'Колев',
  'Христов',
  'Янков',
  'Лазаров',
  'Божилов',
  'Цветков',
];
// a fifth in the capital, the rest spread over the other municipalities: the capital is the worst case
const otherMunicipalities = municipalities.map((m) => m.code).filter((c) => c !== 'SOF46');
const municipalityOf = (n: number) =>
  n % 5 === 0 ? 'SOF46' : otherMunicipalities[n % otherMunicipalities.length]!;
const givenOf = (n: number) => given[Math.floor(n / 5) % given.length]!;
const familyOf = (n: number) =>
  `${family[Math.floor(n / given.length) % family.length]!}${n % 7 === 0 ? 'а' : ''}${Math.floor(n / 200) % 50}`;
const cause = { correlationId: 'bench-population' };
const clientAppends = (n: number) => {
  const clientId = randomUUID();
  const identifier = { kind: 'egn' as const, value: syntheticEgn(n) };
  const events = clientDecider.decide(
    {
      type: 'RegisterClient',
      clientId,
      identifier,
      givenName: givenOf(n),
      familyName: familyOf(n),
      birthDate: '1960-01-01',
      sex: 'female',
      municipality: municipalityOf(n),
      caseNumber: `${municipalityOf(n)}-2026-${String(n).padStart(6, '0')}`,
      today: '2026-11-23',
    },
    clientDecider.initialState,
  );
  const claim = identifierStream(identifierHash(ctx.secrets.identifierKey, identifier));
  return [
    appendOf(
      ctx,
      { streamId: clientStream(clientId), streamType: 'client', version: 0 },
      events,
      definitions,
      cause,
    ),
    appendOf(
      ctx,
      { streamId: claim, streamType: 'identifier', version: 0 },
      claimDecider.decide({ type: 'Claim', clientId }, {}),
      definitions,
      cause,
    ),
  ];
};
const [appendMs] = await timed(async () => {
  let next = 0;
  const PER_CALL = 250;
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      for (let from = next; from < POPULATION; from = next) {
        next += PER_CALL;
        const batch = [];
        for (let n = from; n < Math.min(from + PER_CALL, POPULATION); n++) batch.push(...clientAppends(n));
        await ctx.store.append(batch);
      }
    }),
  );
});
const clients = async () =>
  Number(
    (await sql<{ n: string }>`SELECT count(*) AS n FROM intake.clients WHERE family_key <> ''`.execute(db))
      .rows[0]!.n,
  );
const [projectMs] = await timed(async () => {
  while ((await clients()) < POPULATION + REGISTRATIONS) await new Promise((r) => setTimeout(r, 200));
});
console.log(
  `  population: ${POPULATION} clients appended in ${(appendMs / 1000).toFixed(1)} s (${Math.round((POPULATION * 3) / (appendMs / 1000))} events/s); ` +
    `read model caught up ${(projectMs / 1000).toFixed(1)} s later`,
);
await sql`ANALYZE intake.clients`.execute(db);

// 3. searches within the caller's municipality, one at a time, against a hello-world GET
const sofia = await bearer('SOF46');
// each probe is built from a client of the capital (n divisible by 5), so every search should find someone
const probes = Array.from({ length: 400 }, (_, i) => {
  const m = (i * 7919) % POPULATION;
  const n = m - (m % 5);
  const kind = i % 4;
  if (kind === 0) return `name=${encodeURIComponent(familyOf(n).slice(0, 3))}`;
  if (kind === 1) return `name=${encodeURIComponent(`${familyOf(n)} ${givenOf(n).slice(0, 2)}`)}`;
  if (kind === 2) return { identifier: syntheticEgn(n) }; // an identifier never travels in a URL
  return `caseNumber=SOF46-2026-${String(n).padStart(6, '0')}`;
});
const searchLat: number[] = [];
const helloLat: number[] = [];
let found = 0;
for (const q of probes) {
  helloLat.push((await timed(() => fetch(`${helloAddress}/hello`).then((r) => r.arrayBuffer())))[0]);
  const [ms, page] = await timed(async () =>
    (typeof q === 'string'
      ? await fetch(`${address}/v1/clients?${q}`, { headers: sofia })
      : await fetch(`${address}/v1/clients/search`, {
          method: 'POST',
          headers: { ...sofia, 'content-type': 'application/json' },
          body: JSON.stringify(q),
        })
    ).json(),
  );
  if ((page as { items: unknown[] }).items.length > 0) found++;
  searchLat.push(ms);
}
if (found < probes.length) throw new Error(`only ${found} of ${probes.length} searches found anyone`);
report(
  `search ${POPULATION} clients (capital), p95`,
  percentile(searchLat, 95),
  'ms',
  percentile(helloLat, 95),
  'p95 <= 50 ms',
);
report(
  `search ${POPULATION} clients (capital), p50`,
  percentile(searchLat, 50),
  'ms',
  percentile(helloLat, 50),
  '(hello-world)',
);
const KINDS = ['family-name prefix', 'family + given name', 'identifier', 'case number'];
console.log(
  `  p95 by kind: ${KINDS.map(
    (k, kind) =>
      `${k} ${percentile(
        searchLat.filter((_, i) => i % 4 === kind),
        95,
      ).toFixed(1)} ms`,
  ).join(', ')}`,
);

await hello.close();
await close();
