import { randomUUID } from 'node:crypto';
import type { MunicipalityCode } from '@casework/contracts';
import { oblastOf } from '@casework/reference-data';
import type { RouteOptions } from 'fastify';
import t from 'tap';
import { type CheckContext, check, personalRecordsIn, sharedAcrossScopes } from './checker.js';
import { normalise, printable, writeFindings } from './findings.js';
import { ROLES } from './generate.js';
import { operationsOf, resolver, responseValidator } from './openapi.js';
import { requestFor, UNSEEDED_PATH } from './requests.js';
import { coverage, forgetMoved, MUNICIPALITIES, type Municipality, type Role, seedInstance } from './seed.js';

/**
 * The jurisdiction matrix of issue 14, generated from the route table: every route × every role × the
 * caller's own scope, another scope (all of the request, or only the ids in its body), and no scope.
 * Another scope's ids are refused as absent (404) or forbidden (403), never answered with its data nor
 * with a 409/422 that tells something about them; the caller's own ids are never refused as absent or
 * forbidden when the role may use the route.
 */
type Variant = 'own' | 'other' | 'other-in-body' | 'none';
const VARIANTS: Variant[] = ['other', 'other-in-body', 'none', 'own'];
const NATIONAL = new Set<Role>(['admin', 'integrator']);

const other = (m: Municipality): Municipality => (m === 'BLG01' ? 'MON29' : 'BLG01');

t.test('the jurisdiction matrix: every route × role × own, other and no scope', async (t) => {
  const table: { method: string; url: string; roles: unknown; hidden: boolean }[] = [];
  const s = await seedInstance(t, {
    onRoute: (r: RouteOptions) =>
      table.push({
        method: [r.method].flat().join(','),
        url: r.url,
        roles: r.config?.roles,
        hidden: (r.schema as { hide?: boolean } | undefined)?.hide === true,
      }),
  });
  const doc = s.app.swagger();
  const ops = operationsOf(doc);
  const resolve = resolver(doc);

  // the route table and the document agree: every service route is documented with its roles
  const documented = new Map(ops.map((o) => [`${o.method} ${o.path.replace(/\{(\w+)\}/g, ':$1')}`, o]));
  const served = table.filter((r) => !r.hidden && r.method !== 'HEAD');
  for (const r of served) {
    const o = documented.get(`${r.method} ${r.url}`);
    if (!o) {
      t.fail(`${r.method} ${r.url} is served but not in the OpenAPI document`);
      continue;
    }
    t.same(
      o.roles,
      Array.isArray(r.roles) ? r.roles : undefined,
      `${o.key}: x-roles as the route table has them`,
    );
  }

  const ctx: CheckContext = {
    validator: responseValidator(doc),
    owner: s.owner,
    oblastOf: (m) => oblastOf(m as MunicipalityCode) ?? 'none',
    clientIds: new Set(MUNICIPALITIES.flatMap((m) => s.scopes[m].ids.clientId)),
  };
  const failures = new Map<string, { count: number; repro: string }>();
  const counts = { cells: 0, allowed: 0, refused: 0, succeeded: 0, twins: 0 };
  /** What admitted callers got for their own records, and which of their requests were invalid. */
  const ownStatuses = new Map<number, number>();
  const refusedStatuses = new Map<number, number>();
  const invalidOwn: string[] = [];
  const home: Municipality = 'MON29';
  const routes = ops.filter((o) => !o.public);
  /** A refusal as a caller sees it: status, code and detail, ids made alike. */
  const refusalOf = (r: { statusCode: number; body: string }) => {
    const p = (() => {
      try {
        return JSON.parse(r.body) as { code?: string; detail?: string };
      } catch {
        return {};
      }
    })();
    return `${r.statusCode} ${p.code ?? ''} ${normalise(p.detail ?? '')}`;
  };
  /** The same request with every id of `foreign` swapped for one nobody holds; its refusal. */
  const unknownTwin = async (
    req: { url: string; body: unknown },
    method: 'GET' | 'POST' | 'PUT',
    foreign: Municipality,
    caller: { authorization: string },
  ) => {
    const swap = new Map<string, string>();
    const replace = (text: string) =>
      text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => {
        if (s.owner.get(id) !== foreign) return id;
        if (!swap.has(id)) swap.set(id, randomUUID());
        return swap.get(id)!;
      });
    const url = replace(req.url);
    const body = req.body !== undefined ? JSON.parse(replace(JSON.stringify(req.body))) : undefined;
    if (swap.size === 0) return undefined;
    counts.twins++;
    const r = await s.app.inject({
      method,
      url,
      headers: caller,
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    return refusalOf(r);
  };
  /** Personal records an answer showed: which client, to which request. */
  const shown: { clientId: string; correlationId: string; key: string; url: string }[] = [];
  const note = (key: string, repro: string) => {
    const known = failures.get(key);
    if (known) known.count++;
    else failures.set(key, { count: 1, repro });
  };

  // an Idempotency-Key replay never crosses scopes (hole 7): one person (one `sub`) holding a post in each
  // municipality repeats, from MON29, a command it made in BLG01 with the same key
  let replays = 0;
  for (const [i, op] of routes
    .filter((o) => o.method === 'POST' && !o.path.startsWith('/v1/admin'))
    .entries()) {
    const req = requestFor(s, op, resolve, { path: other(home), body: other(home) });
    const send = async (where: Municipality) =>
      s.app.inject({
        method: 'POST',
        url: req.url,
        headers: { ...(await s.caller('supervisor', where, 'one-person')), 'idempotency-key': `replay-${i}` },
        ...(req.body !== undefined ? { payload: req.body as object } : {}),
      });
    const first = await send(other(home));
    if (first.statusCode >= 300) continue;
    if (op.path.endsWith('/move')) forgetMoved(s, (first.json() as { clientId: string }).clientId);
    replays++;
    const again = await send(home);
    // the stored answer replayed, or any answer holding the other scope's records, crosses scopes
    const leaks = check(
      {
        op,
        method: 'POST',
        url: req.url,
        body: req.body,
        role: 'supervisor',
        covers: [home],
        named: req.named,
      },
      { status: again.statusCode, contentType: String(again.headers['content-type']), body: again.body },
      ctx,
    ).filter((f) => f.class === 'scope-leak');
    if (again.headers['idempotent-replayed'] || leaks.length > 0)
      note(
        `${op.key} | replay | supervisor | ${again.statusCode} ${again.headers['idempotent-replayed'] ? 'replayed' : 'answered'} across scopes`,
        `as supervisor@${home} (sub one-person, key replay-${i}): ${op.method} ${req.url}\n    → ${again.statusCode} ${printable(again.body.slice(0, 300))}`,
      );
  }
  t.comment(`idempotent replays tried across scopes: ${replays}`);
  // the caller's own ids last: refusals first, while every record is as seeded
  const ordered = [
    ...VARIANTS.filter((v) => v !== 'own').flatMap((v) => routes.map((o) => [v, o] as const)),
    ...routes.filter((o) => o.method === 'GET').map((o) => ['own', o] as const),
    ...routes.filter((o) => o.method !== 'GET').map((o) => ['own', o] as const),
  ];
  for (const [variant, op] of ordered) {
    for (const role of ROLES) {
      const national = NATIONAL.has(role);
      const allowed = role === 'admin' || !op.roles || op.roles.includes(role);
      const hasBodyIds = op.body && JSON.stringify(op.body.examples[0] ?? {}).match(/"(\w+Id|supersedes)"/);
      if (variant === 'other-in-body' && !hasBodyIds) continue;
      // a national caller has no other scope: its 'other' is its own (run once, as 'own')
      if (national && variant !== 'own' && variant !== 'none') continue;
      const where =
        variant === 'other'
          ? { path: other(home), body: other(home) }
          : variant === 'other-in-body'
            ? { path: home, body: other(home) }
            : { path: home, body: home };
      const req = requestFor(s, op, resolve, where);
      const caller = await s.caller(role, variant === 'none' ? 'none' : home);
      const res = await s.app.inject({
        method: op.method,
        url: req.url,
        headers: caller,
        ...(req.body !== undefined ? { payload: req.body as object } : {}),
      });
      counts.cells++;
      const status = res.statusCode;
      // what the cell must answer
      const inScope = national || variant === 'own';
      const covers: readonly string[] | 'all' = national
        ? 'all'
        : variant === 'none'
          ? []
          : coverage(role, home);
      const problems: string[] = [];
      if (status >= 500) problems.push(`server error ${status}`);
      if (!allowed) {
        if (status !== 403 && status !== 401) problems.push(`role not admitted, yet ${status} (wanted 403)`);
      } else if (inScope) {
        counts.allowed++;
        ownStatuses.set(status, (ownStatuses.get(status) ?? 0) + 1);
        if (status === 400) invalidOwn.push(`${op.key} as ${role}: ${res.body.slice(0, 160)}`);
        const unseeded = op.params.some((p) => p.in === 'path' && UNSEEDED_PATH.has(p.name));
        if (status === 401 || status === 403 || (status === 404 && !unseeded))
          problems.push(`own records refused with ${status}`);
      } else {
        counts.refused++;
        refusedStatuses.set(status, (refusedStatuses.get(status) ?? 0) + 1);
        const foreign = other(home);
        const asksOther =
          req.named.some((x) => s.owner.get(x) === foreign) ||
          req.url.includes(foreign) ||
          req.url.includes(s.scopes[foreign].oblast) ||
          JSON.stringify(req.body ?? {}).includes(`"${foreign}"`);
        if (variant !== 'none' && asksOther && !sharedAcrossScopes(op.path)) {
          if (status !== 403 && status !== 404)
            problems.push(`another scope's ids answered ${status} (wanted 403/404)`);
          // and the refusal is the one an id nobody holds gets: no oracle (hole 9)
          const twin = await unknownTwin(req, op.method, foreign, caller);
          if (twin && twin !== refusalOf(res))
            problems.push(`oracle: another scope's ids answered ${refusalOf(res)}, an unknown id ${twin}`);
        } else if (
          variant === 'none' &&
          (status === 409 || status === 422 || (op.method === 'POST' && status < 300))
        )
          problems.push(`no scope, yet ${status}`);
      }
      if (status < 300) counts.succeeded++;
      // a personal record shown is a read the access log keeps (hole 5)
      if (status < 300 && String(res.headers['content-type']).startsWith('application/json'))
        for (const clientId of personalRecordsIn(res.json()))
          shown.push({
            clientId,
            correlationId: String(res.headers['x-correlation-id']),
            key: `${op.key} | ${variant} | ${role}`,
            url: req.url,
          });
      if (status < 300 && op.path.endsWith('/move')) {
        const moved = res.json() as { clientId: string; municipality: string };
        forgetMoved(s, moved.clientId);
      }
      // and whatever the status, the answer holds nothing of another scope
      for (const f of check(
        { op, method: op.method, url: req.url, body: req.body, role, covers, named: req.named },
        { status, contentType: String(res.headers['content-type']), body: res.body },
        ctx,
      ))
        if (f.class === 'scope-leak' || f.class === 'personal-data') problems.push(`${f.class}: ${f.detail}`);
      for (const p of problems) {
        const key = `${op.key} | ${variant} | ${role} | ${normalise(p)}`;
        const known = failures.get(key);
        if (known) known.count++;
        else
          failures.set(key, {
            count: 1,
            repro: `as ${role}@${variant === 'none' ? 'none' : home}: ${op.method} ${req.url}${
              req.body !== undefined ? ` ${JSON.stringify(req.body).slice(0, 300)}` : ''
            }\n    → ${status} ${res.body.slice(0, 300)}`,
          });
      }
    }
  }

  // every personal record shown has its access-log entry, by the request's correlation id
  const auditor = await s.caller('supervisor', home, 'auditor');
  const logged = new Map<string, Set<string>>();
  for (const read of shown) {
    if (!logged.has(read.clientId)) {
      const page = await s.app.inject({
        url: `/v1/access-log?clientId=${read.clientId}&limit=500`,
        headers: auditor,
      });
      const items = page.statusCode === 200 ? (page.json().items as { correlationId: string }[]) : [];
      logged.set(read.clientId, new Set(items.map((i) => i.correlationId)));
    }
    if (!logged.get(read.clientId)!.has(read.correlationId))
      note(
        `${read.key} | personal record shown without an access-log entry`,
        `${read.url} (correlation id ${read.correlationId}) showed client ${read.clientId}; no access-log entry has that id`,
      );
  }
  t.comment(`personal records shown and checked against the access log: ${shown.length}`);

  const size = `${routes.length} routes × ${ROLES.length} roles × ${VARIANTS.length} scopes (national roles: own and none; other-in-body where a body names ids): ${counts.cells} cells`;
  t.comment(
    `matrix: ${size}; ${counts.allowed} in scope, ${counts.refused} out of scope, ${counts.succeeded} answered 2xx`,
  );
  t.comment(
    `refusals compared with the same request naming unknown ids (no oracle): ${counts.twins}; matrix failures: ${failures.size}`,
  );
  writeFindings('jurisdiction matrix', [
    `- ${size}`,
    `- ${counts.allowed} cells in scope and admitted, ${counts.refused} out of scope; ${counts.succeeded} answered 2xx`,
    `- own records, admitted roles: ${[...ownStatuses]
      .sort(([a], [b]) => a - b)
      .map(([k, v]) => `${k}×${v}`)
      .join(' ')}`,
    `- another scope or none, admitted roles: ${[...refusedStatuses]
      .sort(([a], [b]) => a - b)
      .map(([k, v]) => `${k}×${v}`)
      .join(' ')}`,
    `- own requests the API found invalid (400: the matrix tests less there): ${invalidOwn.length}`,
    ...invalidOwn.map((x) => `  - ${printable(x)}`),
    `- refusals compared with the same request naming unknown ids: ${counts.twins}`,
    `- failures: ${failures.size}`,
    '',
    ...[...failures]
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([key, f]) => [`### ${key} (×${f.count})`, '', '```', `    ${f.repro}`, '```', '']),
  ]);
  // scoped roles in three scopes, national ones (whose scope is everywhere) in two
  const scoped = ROLES.filter((r) => !NATIONAL.has(r)).length;
  t.ok(
    counts.cells >= routes.length * (scoped * 3 + NATIONAL.size * 2),
    'every route was called by every role in every scope',
  );
  t.same([...failures.keys()], [], 'no cell refuses own records or answers for another scope');
});
