import { addDays, type MunicipalityCode } from '@casework/contracts';
import { oblastOf } from '@casework/reference-data';
import type { RouteOptions } from 'fastify';
import t from 'tap';
import { type CheckContext, check } from './checker.js';
import { normalise, printable, writeFindings } from './findings.js';
import { DATE_FIELD, ID_FIELDS, isMunicipalityField, MUNICIPALITY_FIELDS, ROLES } from './generate.js';
import { type Operation, operationsOf, resolver, responseValidator, type Schema } from './openapi.js';
import {
  coverage,
  forgetMoved,
  MUNICIPALITIES,
  type Municipality,
  type Role,
  type Seeded,
  seedInstance,
} from './seed.js';

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
/** Path values that name no seeded record (a dead letter's number, a projection's name). */
const UNSEEDED_PATH = new Set(['id', 'name']);

const other = (m: Municipality): Municipality => (m === 'BLG01' ? 'MON29' : 'BLG01');

/** A request for an operation: path and query in one municipality's records, the body's ids in another's. */
function requestFor(
  s: Seeded,
  op: Operation,
  resolve: (x?: Schema) => Schema | undefined,
  where: { path: Municipality; body: Municipality },
) {
  const id = (kind: keyof typeof ID_FIELDS, m: Municipality, index = 0) => {
    const ids = s.scopes[m].ids[ID_FIELDS[kind]!];
    const v = ids[Math.min(index, ids.length - 1)] ?? '00000000-0000-0000-0000-000000000000';
    return v;
  };
  const date = (name: string) => (/(To|End|Due|By|to)$/.test(name) ? s.today : addDays(s.today, -20));
  /** The smallest valid value of a schema: required fields only. */
  const minimal = (name: string, schema: Schema | undefined, m: Municipality): unknown => {
    const x = resolve(schema) ?? {};
    if (ID_FIELDS[name]) return id(name, m);
    if (isMunicipalityField(name, x)) return m;
    if (name === 'oblast') return s.scopes[m].oblast;
    if (name === 'identifier') return s.scopes[m].identifiers[0];
    if (x.const !== undefined) return x.const;
    if (Array.isArray(x.enum)) return x.enum[0];
    const alternatives = (x.oneOf ?? x.anyOf) as Schema[] | undefined;
    if (alternatives?.[0]) return minimal(name, alternatives[0], m);
    switch (Array.isArray(x.type) ? x.type[0] : x.type) {
      case 'object':
        return Object.fromEntries(
          ((x.required as string[] | undefined) ?? []).map((k) => [
            k,
            minimal(k, (x.properties as Record<string, Schema>)[k], m),
          ]),
        );
      case 'array':
        return (x.minItems as number) > 0 ? [minimal('', x.items as Schema, m)] : [];
      case 'integer':
      case 'number':
        return (x.minimum as number) ?? 1;
      case 'boolean':
        return false;
      default:
        if (x.format === 'date-time') return `${s.today}T08:00:00.000Z`;
        if (DATE_FIELD.test(name)) return date(name);
        return 'synthetic';
    }
  };
  // the path: ids of one municipality, a child with its own parent
  const path: Record<string, string> = {};
  for (const p of op.params.filter((x) => x.in === 'path')) {
    if (ID_FIELDS[p.name]) path[p.name] = id(p.name, where.path);
    else if (p.name === 'ruleSetId') path[p.name] = s.scopes[where.path].ruleSetId;
    else if (p.name === 'version') path[p.name] = '1';
    else if (p.name === 'service') path[p.name] = 'placement';
    else path[p.name] = UNSEEDED_PATH.has(p.name) ? '1' : String(minimal(p.name, p.schema, where.path));
  }
  for (const [child, parentName] of [
    ['determinationId', 'clientId'],
    ['appealId', 'clientId'],
    ['factId', 'clientId'],
    ['memberId', 'clientId'],
    ['absenceId', 'placementId'],
  ] as const) {
    const parent = path[child] && s.parent.get(path[child]!);
    if (parent && path[parentName]) path[parentName] = parent;
  }
  // the query: required values, and every filter that names a record or a jurisdiction
  const query: Record<string, string> = {};
  for (const p of op.params.filter((x) => x.in === 'query')) {
    // (a search wants something to search by: a name)
    const filter = ID_FIELDS[p.name] || p.name === 'municipality' || p.name === 'oblast' || p.name === 'name';
    if (p.required || filter) query[p.name] = String(minimal(p.name, p.schema, where.path));
  }
  // the body: the document's example with the records of the body's municipality (dates near today)
  let body: unknown;
  if (op.body) {
    const example = op.body.examples.find((e) => e && typeof e === 'object');
    if (example) {
      const dates = JSON.stringify(example).match(/\d{4}-\d{2}-\d{2}/g) ?? [];
      const first = [...dates].sort()[0];
      const shift = first
        ? Math.round((Date.parse(addDays(s.today, -30)) - Date.parse(first)) / 86_400_000)
        : 0;
      const refresh = (v: unknown, key: string): unknown => {
        if (Array.isArray(v)) return v.map((x) => refresh(x, ''));
        if (v && typeof v === 'object')
          return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, refresh(x, k)]));
        if (typeof v !== 'string') return v;
        if (ID_FIELDS[key])
          return id(
            key,
            where.body,
            key === 'duplicateId' || key === 'mergedId' ? 3 : key === 'memberClientId' ? 2 : 0,
          );
        // a body's code is the path's municipality: a record made there, naming the body's ids
        if (MUNICIPALITY_FIELDS.has(key) && /^[A-Z]{3}\d{2}$/.test(v)) return key === 'to' ? v : where.path;
        if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return addDays(v, shift);
        if (key === 'identifier' || (key === 'value' && /^\d{10}$/.test(v)))
          return s.scopes[where.body].identifiers[0];
        return v;
      };
      body = refresh(example, '');
    } else body = minimal('', op.body.schema, where.body);
  }
  const url =
    op.path.replace(/\{(\w+)\}/g, (_, n: string) => encodeURIComponent(path[n] ?? '')) +
    (Object.keys(query).length ? `?${new URLSearchParams(query)}` : '');
  // the ids the request names as sent (a parent may have replaced a drawn id)
  const sent = `${url} ${JSON.stringify(body ?? null)}`.match(
    /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
  );
  return { url, body, named: [...new Set(sent ?? [])] };
}

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
  const counts = { cells: 0, allowed: 0, refused: 0, succeeded: 0 };
  /** What admitted callers got for their own records, and which of their requests were invalid. */
  const ownStatuses = new Map<number, number>();
  const invalidOwn: string[] = [];
  const home: Municipality = 'MON29';
  const routes = ops.filter((o) => !o.public);
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
        const foreign = other(home);
        const asksOther =
          req.named.some((x) => s.owner.get(x) === foreign) ||
          req.url.includes(foreign) ||
          req.url.includes(s.scopes[foreign].oblast) ||
          JSON.stringify(req.body ?? {}).includes(`"${foreign}"`);
        if (variant !== 'none' && asksOther) {
          if (status !== 403 && status !== 404)
            problems.push(`another scope's ids answered ${status} (wanted 403/404)`);
        } else if (
          variant === 'none' &&
          (status === 409 || status === 422 || (op.method === 'POST' && status < 300))
        )
          problems.push(`no scope, yet ${status}`);
      }
      if (status < 300) counts.succeeded++;
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

  const size = `${routes.length} routes × ${ROLES.length} roles × ${VARIANTS.length} scopes (national roles: own and none; other-in-body where a body names ids): ${counts.cells} cells`;
  t.comment(
    `matrix: ${size}; ${counts.allowed} in scope, ${counts.refused} out of scope, ${counts.succeeded} answered 2xx`,
  );
  t.comment(`matrix failures: ${failures.size}`);
  writeFindings('jurisdiction matrix', [
    `- ${size}`,
    `- ${counts.allowed} cells in scope and admitted, ${counts.refused} out of scope; ${counts.succeeded} answered 2xx`,
    `- own records, admitted roles: ${[...ownStatuses]
      .sort(([a], [b]) => a - b)
      .map(([k, v]) => `${k}×${v}`)
      .join(' ')}`,
    `- own requests the API found invalid (400: the matrix tests less there): ${invalidOwn.length}`,
    ...invalidOwn.map((x) => `  - ${printable(x)}`),
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
