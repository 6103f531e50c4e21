import type { MunicipalityCode } from '@casework/contracts';
import { oblastOf } from '@casework/reference-data';
import fc from 'fast-check';
import t from 'tap';
import { type CheckContext, check, FAILURE_CLASSES, type FailureClass } from './checker.js';
import { normalise, printable, writeFindings } from './findings.js';
import { type Caller, type Pools, planRequest } from './generate.js';
import { operationsOf, resolver, responseValidator } from './openapi.js';
import { coverage, forgetMoved, MUNICIPALITIES, seedInstance } from './seed.js';
import { forgedTokens } from './tokens.js';

/**
 * The fuzz suite of issue 14: valid and mutated requests for every operation of the published OpenAPI
 * document, with the ids of a seeded instance, as every role in its own scope, another and none. It
 * fails on a server error, an error that is not problem+json, a status, media type or body the document
 * does not declare, another scope's record in an answer, and personal data in a directorate answer.
 *
 * FUZZ_SEED replays a run; FUZZ_SECONDS (default 100) or FUZZ_RUNS (rounds over every operation)
 * bound it; `pnpm fuzz` runs it for longer.
 */
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 100);
const ROUNDS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : Number.POSITIVE_INFINITY;

t.setTimeout((SECONDS + 120) * 1000);

t.test(
  'every operation answers fuzzed requests as the OpenAPI document says, within the caller’s scope',
  async (t) => {
    t.comment(`FUZZ_SEED=${SEED} (replay with this), ${SECONDS} s, ${ROUNDS} rounds at most`);
    const s = await seedInstance(t);
    const doc = s.app.swagger();
    const ops = operationsOf(doc);
    const resolve = resolver(doc);
    const owner = s.owner;
    const ctx: CheckContext = {
      validator: responseValidator(doc),
      owner,
      oblastOf: (m) => oblastOf(m as MunicipalityCode) ?? 'none',
      clientIds: new Set(MUNICIPALITIES.flatMap((m) => s.scopes[m].ids.clientId.map((x) => x.toLowerCase()))),
    };
    // forged tokens, and the forger's genuine one accepted: the forgeries fail for what they change
    const tokens = forgedTokens();
    const genuine = await s.app.inject({
      url: '/v1/sites',
      headers: { authorization: `Bearer ${tokens.find((x) => x.name === 'genuine')!.token}` },
    });
    t.equal(genuine.statusCode, 200, 'a token signed as the platform signs is accepted');
    const forged = tokens.filter((x) => x.name !== 'genuine');
    const pools: Pools = { scopes: s.scopes, related: s.related, cursors: [], today: s.today, forged };
    const bearer = new Map<string, string>();
    const tokenOf = async (c: Caller) => {
      if (c.role === 'anonymous') return undefined;
      const key = `${c.role}@${c.where}`;
      // one subject per role in every scope: a key stored for one scope must never answer another (hole 7)
      if (!bearer.has(key)) bearer.set(key, (await s.caller(c.role, c.where, c.role)).authorization);
      return bearer.get(key);
    };
    const coversOf = (c: Caller): readonly string[] | 'all' => {
      if (c.role === 'admin' || c.role === 'integrator') return 'all';
      if (c.role === 'anonymous' || c.where === 'none') return [];
      return coverage(c.role, c.where);
    };

    const sentPer = new Map<string, number>();
    const answered2xx = new Set<string>();
    const okBy = new Map<string, number>();
    const statuses = new Map<number, number>();
    const mutations = new Map<string, number>();
    const counts = new Map<FailureClass, number>();
    const findings = new Map<string, { count: number; repro: string }>();
    let requests = 0;
    const until = Date.now() + SECONDS * 1000;
    for (let round = 0; round < ROUNDS && Date.now() < until; round++) {
      for (const [i, op] of ops.entries()) {
        if (Date.now() >= until) break;
        const [g] = fc.sample(fc.gen(), { seed: (SEED + round * 7919 + i * 104729) | 0, numRuns: 1 });
        const plan = planRequest(g!, op, pools, resolve);
        const authorization = plan.headers.authorization ?? (await tokenOf(plan.caller));
        const headers = { ...plan.headers, ...(authorization ? { authorization } : {}) };
        const res = await s.app.inject({
          method: plan.method as 'GET' | 'POST' | 'PUT',
          url: plan.url,
          headers,
          ...(plan.payload !== undefined ? { payload: plan.payload } : {}),
        });
        requests++;
        sentPer.set(op.key, (sentPer.get(op.key) ?? 0) + 1);
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        mutations.set(plan.mutation, (mutations.get(plan.mutation) ?? 0) + 1);
        if (res.statusCode < 300) {
          answered2xx.add(op.key);
          okBy.set(plan.caller.role, (okBy.get(plan.caller.role) ?? 0) + 1);
        }
        const contentType = res.headers['content-type'];
        const failures = check(
          {
            op,
            method: plan.method,
            url: plan.url,
            body: plan.body,
            role: plan.caller.role,
            covers: plan.headers.authorization ? [] : coversOf(plan.caller),
            named: plan.named,
            ...(plan.forged ? { forged: plan.forged } : {}),
          },
          {
            status: res.statusCode,
            contentType: typeof contentType === 'string' ? contentType : undefined,
            body: res.body,
            headers: res.headers,
          },
          ctx,
        );
        for (const f of failures) {
          counts.set(f.class, (counts.get(f.class) ?? 0) + 1);
          const key = `${f.class} | ${op.key} | ${res.statusCode} | ${normalise(f.detail)}`;
          const known = findings.get(key);
          if (known) known.count++;
          else
            findings.set(key, {
              count: 1,
              repro: [
                `as ${plan.caller.role}@${plan.caller.where} (${plan.mutation}): ${plan.method} ${plan.url.slice(0, 300)}`,
                ...Object.entries(plan.headers).map(([k, v]) => `${k}: ${v.slice(0, 80)}`),
                ...(plan.payload !== undefined ? [`body: ${plan.payload.slice(0, 400)}`] : []),
                `→ ${res.statusCode} ${String(contentType)} ${res.body.slice(0, 400)}`,
                `  ${f.detail}`,
              ]
                .map(printable)
                .join('\n    '),
            });
        }
        // cursors the API gives out feed later requests; a move hands the client to the other municipality
        if (res.statusCode === 200 && String(contentType).startsWith('application/json')) {
          const next = (res.json() as { next?: unknown }).next;
          if (typeof next === 'string' && pools.cursors.length < 100) pools.cursors.push(next);
        }
        if (res.statusCode === 200 && op.path.endsWith('/move')) {
          const { clientId, municipality } = res.json() as { clientId?: string; municipality?: string };
          if (clientId && municipality) {
            forgetMoved(s, clientId);
          }
        }
      }
    }

    const covered = ops.filter((o) => sentPer.has(o.key));
    const summary = [
      `FUZZ_SEED=${SEED}: ${requests} requests, ${covered.length} of ${ops.length} operations sent to, ` +
        `${answered2xx.size} answered 2xx at least once`,
      `statuses: ${[...statuses]
        .sort(([a], [b]) => a - b)
        .map(([k, v]) => `${k}×${v}`)
        .join(' ')}`,
      `mutations: ${[...mutations].map(([k, v]) => `${k}×${v}`).join(' ')}`,
      `failures by class: ${FAILURE_CLASSES.map((c) => `${c} ${counts.get(c) ?? 0}`).join(', ')}`,
      `2xx by role: ${[...okBy].map(([k, v]) => `${k} ${v}`).join(', ')}`,
      `distinct findings: ${findings.size}`,
      `never 2xx: ${
        ops
          .filter((o) => !answered2xx.has(o.key))
          .map((o) => o.key)
          .join('; ') || 'none'
      }`,
    ];
    for (const line of summary) t.comment(line);
    writeFindings('fuzz', [
      ...summary.map((l) => `- ${l}`),
      '',
      ...[...findings]
        .sort(([a], [b]) => a.localeCompare(b))
        .flatMap(([key, f]) => [`### ${key} (×${f.count})`, '', '```', `    ${f.repro}`, '```', '']),
    ]);

    t.equal(covered.length, ops.length, 'every operation of the document was called');
    for (const c of FAILURE_CLASSES) {
      const examples = [...findings.keys()].filter((k) => k.startsWith(`${c} |`));
      t.equal(
        counts.get(c) ?? 0,
        0,
        `${c}: ${examples.length} distinct${examples.length ? `, e.g. ${examples[0]}` : ''}`,
      );
    }
  },
);
