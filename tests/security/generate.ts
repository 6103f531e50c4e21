import { addDays, composeEgn } from '@casework/contracts';
import fc from 'fast-check';
import type { Operation, Schema } from './openapi.js';
import type { IdKind, Municipality, Role, Scope } from './seed.js';

/** Draws values: fast-check's `gen()`, so every request is a function of the seed. */
type Draw = fc.GeneratorValue;

/** Who sends a request: a role in a municipality (its oblast for an analyst), without scope, or no one. */
export type Caller = { role: Role | 'anonymous'; where: Municipality | 'none' };

export const ROLES: readonly Role[] = [
  'case_manager',
  'supervisor',
  'billing_officer',
  'directorate_analyst',
  'integrator',
  'admin',
];

/** What the fuzz may name: the seeded records by scope, cursors the API gave out, today. */
export type Pools = {
  scopes: Record<Municipality, Scope>;
  parent: ReadonlyMap<string, string>;
  cursors: string[];
  today: string;
  /** Tokens every route must refuse (tokens.ts). */
  forged: { name: string; token: string }[];
};

/** A request to send, and what it was made of (to count and to replay). */
export type Planned = {
  op: Operation;
  caller: Caller;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  body?: unknown;
  /** The mutation applied, or 'valid'. */
  mutation: string;
  /** The forged token sent, if any (it must be refused with 401). */
  forged?: string;
  /** Every seeded id named in the path, query or body. */
  named: string[];
};

/** The field names that carry each kind of id. */
export const ID_FIELDS: Record<string, IdKind> = {
  clientId: 'clientId',
  duplicateId: 'clientId',
  mergedId: 'clientId',
  memberClientId: 'clientId',
  siteId: 'siteId',
  toSiteId: 'siteId',
  placementId: 'placementId',
  offerId: 'offerId',
  entryId: 'entryId',
  applicationId: 'applicationId',
  assessmentId: 'assessmentId',
  determinationId: 'determinationId',
  appealId: 'appealId',
  absenceId: 'absenceId',
  factId: 'factId',
  supersedes: 'factId',
  memberId: 'memberId',
  taskId: 'taskId',
};
export const MUNICIPALITY_FIELDS = new Set(['municipality', 'issuedBy', 'to']);
/** A municipality code, by its name and pattern (a flow's `to` is a date, a move's `to` a code). */
export const isMunicipalityField = (name: string, s: Schema) =>
  MUNICIPALITY_FIELDS.has(name) && typeof s.pattern === 'string' && s.pattern.includes('[A-Z]{3}');
export const DATE_FIELD =
  /^(on|from|to|asOf|since|by|date|activeOn)$|(On|Date|From|To|End|Due|By)$|^(validFrom|validTo|termEnd)$/;
const DATETIME_FIELD = /^(knownAt|at)$/;

export const FAR_DATES = ['0001-01-01', '1899-12-31', '1000-01-01', '2101-01-01', '9999-12-31', '2026-02-30'];
const NASTY = [
  '',
  ' ',
  'a\u0000b',
  'x\uD800y',
  '\uDFFF',
  '\u0007\u001b[31mred\r\nSet-Cookie: x=1',
  "'; DROP TABLE events; --",
  '../../etc/passwd',
  '%00',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  'ё'.repeat(300),
];

/** Cursors built by hand: not ones the API gave out. */
export const CRAFTED_CURSORS = [
  ...[
    ['not-a-uuid'],
    ['not-a-uuid', 'also-not'],
    ['2026-13-45', '01900000-0000-7000-8000-000000000001'],
    ['99999999999999999999999', '01900000-0000-7000-8000-000000000001'],
    [1e308, 'x'],
    [-1, -1],
    ['\u0000', '\u0000'],
    ["'; SELECT pg_sleep(5); --", 'x'],
    [null],
    [],
    {},
    'just a string',
    ['1900-01-01', '00000000-0000-0000-0000-000000000000', 'extra'],
    ['9999-12-31T23:59:59Z', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
  ].map((k) => Buffer.from(JSON.stringify(k)).toString('base64url')),
  'not base64 at all!',
  '%%%',
  Buffer.from('not json').toString('base64url'),
];

export const MUTATIONS = [
  'wrong-type',
  'missing-required',
  'extra-field',
  'huge-string',
  'empty-string',
  'nul-byte',
  'lone-surrogate',
  'control-chars',
  'far-date',
  'crafted-cursor',
  'other-scope-id',
  'random-uuid',
  'bad-path-value',
  'bad-json',
  'wrong-media-type',
  'bad-if-match',
  'bad-idempotency-key',
  'bad-token',
  'forged-token',
] as const;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

const other = (m: Municipality): Municipality => (m === 'BLG01' ? 'MON29' : 'BLG01');

/** Builds requests for an operation, drawing every choice from `g`. */
export function planRequest(
  g: Draw,
  op: Operation,
  pools: Pools,
  resolve: (s?: Schema) => Schema | undefined,
) {
  const role = g(() => fc.constantFrom<Role | 'anonymous'>(...ROLES, ...ROLES, 'anonymous'));
  const where = g(() =>
    fc.oneof(
      { weight: 9, arbitrary: fc.constantFrom<Municipality>('BLG01', 'MON29') },
      { weight: 1, arbitrary: fc.constant<'none'>('none') },
    ),
  );
  const caller: Caller = { role, where };
  const home: Municipality =
    where === 'none' ? g(() => fc.constantFrom<Municipality>('BLG01', 'MON29')) : where;
  // a national caller's request stays in one municipality: links across them would be its own doing
  const national = role === 'admin' || role === 'integrator';

  const idOf = (kind: IdKind, force?: 'own' | 'foreign' | 'random'): string => {
    const pick =
      force ??
      g(() =>
        fc.oneof(
          { weight: 6, arbitrary: fc.constant('own' as const) },
          { weight: 3, arbitrary: fc.constant('foreign' as const) },
          { weight: 1, arbitrary: fc.constant('random' as const) },
        ),
      );
    if (pick === 'random') return g(fc.uuid);
    if (national && pick === 'foreign') return idOf(kind, 'own');
    const ids = pools.scopes[pick === 'own' ? home : other(home)].ids[kind];
    if (ids.length === 0) return g(fc.uuid);
    const id = g(() => fc.constantFrom(...ids));
    return id;
  };
  const municipality = () =>
    g(() =>
      fc.oneof(
        { weight: 6, arbitrary: fc.constant(home) },
        { weight: national ? 0 : 2, arbitrary: fc.constant(other(home)) },
        { weight: 1, arbitrary: fc.constantFrom('XXX99', 'ZZZ00', 'SOF46', 'blg01') },
      ),
    );
  const date = () =>
    g(() =>
      fc.oneof(
        { weight: 9, arbitrary: fc.integer({ min: -500, max: 400 }).map((d) => addDays(pools.today, d)) },
        { weight: 1, arbitrary: fc.constantFrom(...FAR_DATES) },
      ),
    );
  const datetime = () =>
    g(() =>
      fc.oneof(
        {
          weight: 8,
          arbitrary: fc
            .integer({ min: -400, max: 30 })
            .map((d) => `${addDays(pools.today, d)}T10:00:00.000Z`),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom('0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2026-02-30T00:00:00Z'),
        },
      ),
    );
  /** A seeded person's ЕГН (own or another scope's), or one no one holds. */
  const identifier = () =>
    g(() =>
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...pools.scopes[home].identifiers) },
        { weight: 3, arbitrary: fc.constantFrom(...pools.scopes[other(home)].identifiers) },
        { weight: 1, arbitrary: fc.constantFrom('8001010008', '0000000000', '12345') },
        {
          weight: 3,
          arbitrary: fc
            .tuple(fc.integer({ min: 0, max: 25_000 }), fc.integer({ min: 1, max: 999 }))
            .map(([d, n]) => composeEgn(addDays('1940-01-01', d), n)),
        },
      ),
    );
  const cursor = () =>
    g(() =>
      fc.oneof(
        {
          weight: 3,
          arbitrary: pools.cursors.length > 0 ? fc.constantFrom(...pools.cursors) : fc.constant(''),
        },
        { weight: 2, arbitrary: fc.constantFrom(...CRAFTED_CURSORS) },
      ),
    );

  /** A value for a field: by its name first (ids, codes, dates), else from its schema. */
  const valueFor = (name: string, schema: Schema | undefined, depth = 0): unknown => {
    const s = resolve(schema) ?? {};
    if (ID_FIELDS[name] && (s.type === 'string' || s.format === 'uuid' || s.pattern))
      return idOf(ID_FIELDS[name]!);
    if (isMunicipalityField(name, s)) return municipality();
    if (name === 'identifier' || name === 'value') return identifier();
    if (name === 'oblast' && s.type === 'string')
      return g(() => fc.constantFrom(pools.scopes[home].oblast, pools.scopes[other(home)].oblast, 'BG-99'));
    if (name === 'cursor') return cursor();
    if (name === 'ruleSetId')
      return g(() =>
        fc.constantFrom(
          pools.scopes[home].ruleSetId,
          pools.scopes[other(home)].ruleSetId,
          'protected_housing:national',
        ),
      );
    if (s.type === 'string' && !s.enum && !s.const && s.format !== 'uuid') {
      if (s.format === 'date-time' || DATETIME_FIELD.test(name)) return datetime();
      if (s.format === 'date' || DATE_FIELD.test(name)) return date();
    }
    return fromSchema(s, depth);
  };

  const fromSchema = (s: Schema, depth: number): unknown => {
    if (s.const !== undefined) return s.const;
    if (Array.isArray(s.enum)) return g(() => fc.constantFrom(...(s.enum as unknown[])));
    const alternatives = (s.oneOf ?? s.anyOf) as Schema[] | undefined;
    if (alternatives)
      return valueFor(
        '',
        g(() => fc.constantFrom(...alternatives)),
        depth,
      );
    const type = Array.isArray(s.type) ? (s.type as string[]).find((t) => t !== 'null') : (s.type as string);
    switch (type) {
      case 'object': {
        const out: Record<string, unknown> = {};
        const required = new Set((s.required as string[] | undefined) ?? []);
        for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Schema>))
          if (required.has(k) || (depth < 3 && g(fc.boolean))) out[k] = valueFor(k, v, depth + 1);
        return out;
      }
      case 'array': {
        const n = g(fc.integer, {
          min: (s.minItems as number) ?? 0,
          max: Math.min((s.maxItems as number) ?? 3, 3),
        });
        return Array.from({ length: n }, () => valueFor('', s.items as Schema, depth + 1));
      }
      case 'integer':
        return g(fc.integer, {
          min: (s.minimum as number) ?? -5,
          max: Math.min((s.maximum as number) ?? 200, 100_000),
        });
      case 'number':
        return g(fc.double, {
          min: (s.minimum as number) ?? -5,
          max: (s.maximum as number) ?? 200,
          noNaN: true,
        });
      case 'boolean':
        return g(fc.boolean);
      case 'string': {
        if (s.format === 'uuid') return g(fc.uuid);
        if (s.format === 'email') return g(fc.emailAddress);
        if (typeof s.pattern === 'string' && s.format === undefined) {
          try {
            return g(() => fc.stringMatching(new RegExp(s.pattern as string)));
          } catch {}
        }
        const min = (s.minLength as number) ?? 0;
        return g(fc.string, {
          minLength: min,
          maxLength: Math.max(min, Math.min((s.maxLength as number) ?? 20, 40)),
        });
      }
      default:
        return g(() => fc.constantFrom('x', 1, true));
    }
  };

  // path, query and body, valid first
  const path: Record<string, string> = {};
  const query: Record<string, string> = {};
  for (const p of op.params) {
    if (p.in === 'header') continue;
    if (p.in === 'query' && !p.required && g(fc.boolean)) continue;
    const v = p.name === 'version' ? String(g(fc.integer, { min: 1, max: 3 })) : valueFor(p.name, p.schema);
    (p.in === 'path' ? path : query)[p.name] = String(v);
  }
  // a child and its parent named together (a client's determination), mostly
  for (const [child, parentName] of [
    ['determinationId', 'clientId'],
    ['appealId', 'clientId'],
    ['factId', 'clientId'],
    ['memberId', 'clientId'],
    ['absenceId', 'placementId'],
  ] as const) {
    const parent = path[child] && pools.parent.get(path[child]!);
    if (parent && path[parentName] && g(fc.integer, { min: 0, max: 4 }) > 0) {
      path[parentName] = parent;
    }
  }
  let body: unknown;
  if (op.body) {
    const examples = op.body.examples.filter((e) => e && typeof e === 'object');
    if (examples.length > 0 && g(fc.integer, { min: 0, max: 9 }) < 6) {
      // an example of the document with the ids, codes and dates of the seeded instance
      const refresh = (v: unknown, key: string): unknown => {
        if (Array.isArray(v)) return v.map((x) => refresh(x, ''));
        if (v && typeof v === 'object')
          return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, refresh(x, k)]));
        if (typeof v !== 'string') return v;
        if (ID_FIELDS[key]) return idOf(ID_FIELDS[key]!);
        if (MUNICIPALITY_FIELDS.has(key) && /^[A-Z]{3}\d{2}$/.test(v)) return municipality();
        if ((key === 'identifier' || key === 'value') && /^\d{10}$/.test(v)) return identifier();
        if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return date();
        return v;
      };
      body = refresh(
        g(() => fc.constantFrom(...examples)),
        '',
      );
    } else body = valueFor('', op.body.schema);
  }
  const headers: Record<string, string> = {};
  let forged: string | undefined;

  // then, often, one mutation
  const mutation = g(() =>
    fc.oneof(
      { weight: 11, arbitrary: fc.constant('valid') },
      { weight: 9, arbitrary: fc.constantFrom(...MUTATIONS) },
    ),
  );
  const strings = (o: unknown, at: (string | number)[] = []): (string | number)[][] =>
    Array.isArray(o)
      ? o.flatMap((x, i) => strings(x, [...at, i]))
      : o && typeof o === 'object'
        ? Object.entries(o).flatMap(([k, x]) => strings(x, [...at, k]))
        : typeof o === 'string'
          ? [at]
          : [];
  const getIn = (o: unknown, at: (string | number)[]) =>
    at.reduce<unknown>((x, k) => (x as Record<string | number, unknown> | undefined)?.[k], o);
  const setIn = (o: unknown, at: (string | number)[], v: unknown) => {
    let x = o as Record<string | number, unknown>;
    for (const k of at.slice(0, -1)) x = x[k] as Record<string | number, unknown>;
    x[at[at.length - 1]!] = v;
  };
  /** Replaces one string somewhere in the query or body (a path value if there is nothing else). */
  const replaceString = (make: (old: string) => string, only?: (key: string, value: string) => boolean) => {
    const spots: { where: 'query' | 'body' | 'path'; at: (string | number)[] }[] = [
      ...Object.keys(query).map((k) => ({ where: 'query' as const, at: [k] })),
      ...strings(body).map((at) => ({ where: 'body' as const, at })),
    ].filter((s) => {
      const v = s.where === 'query' ? query[s.at[0] as string]! : (getIn(body, s.at) as string);
      return !only || only(String(s.at[s.at.length - 1]), v);
    });
    if (spots.length === 0) {
      const keys = Object.keys(path);
      if (keys.length === 0 || only) return;
      const k = g(() => fc.constantFrom(...keys));
      path[k] = make(path[k]!);
      return;
    }
    const spot = g(() => fc.constantFrom(...spots));
    if (spot.where === 'query') query[spot.at[0] as string] = make(query[spot.at[0] as string]!);
    else if (spot.at.length === 0) body = make(body as string);
    else setIn(body, spot.at, make(String(getIn(body, spot.at))));
  };
  const topKeys = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : [];
  let rawPayload: string | undefined;
  switch (mutation) {
    case 'wrong-type':
      if (topKeys.length > 0)
        (body as Record<string, unknown>)[g(() => fc.constantFrom(...topKeys))] = g(() =>
          fc.constantFrom(42, -1.5, true, null, [], {}, 'text', [1, 2], { nested: { deep: [null] } }),
        );
      else if (op.body) body = g(() => fc.constantFrom(42, 'text', [], null, true));
      else if (Object.keys(query).length > 0)
        query[g(() => fc.constantFrom(...Object.keys(query)))] = '[object Object]';
      break;
    case 'missing-required': {
      const required = ((op.body?.schema.required as string[] | undefined) ?? []).filter((k) =>
        topKeys.includes(k),
      );
      if (required.length > 0)
        delete (body as Record<string, unknown>)[g(() => fc.constantFrom(...required))];
      const rq = op.params.filter((p) => p.in === 'query' && p.required).map((p) => p.name);
      if (rq.length > 0 && g(fc.boolean)) delete query[g(() => fc.constantFrom(...rq))];
      break;
    }
    case 'extra-field':
      if (body && typeof body === 'object' && !Array.isArray(body)) {
        const b = body as Record<string, unknown>;
        b[g(() => fc.constantFrom('extra', 'isAdmin', 'municipality', 'status', 'version', 'clientId'))] = g(
          () => fc.constantFrom('x', true, 'MON29', 999, { $ne: null }),
        );
        Object.defineProperty(b, '__proto__', { value: { polluted: true }, enumerable: true });
      } else query[g(() => fc.constantFrom('extra', 'role', 'municipality', 'oblast'))] = 'MON29';
      break;
    case 'huge-string':
      replaceString(() => 'A'.repeat(g(() => fc.constantFrom(10_000, 300_000))));
      break;
    case 'empty-string':
      replaceString(() => '');
      break;
    case 'nul-byte':
      replaceString((old) => `${old}\u0000`);
      break;
    case 'lone-surrogate':
      replaceString((old) => `${old}\uD800`);
      break;
    case 'control-chars':
      replaceString((old) => `${old}${g(() => fc.constantFrom(...NASTY))}\u0001\u001f\u007f`);
      break;
    case 'far-date':
      replaceString(
        () => g(() => fc.constantFrom(...FAR_DATES, '0000-00-00', '2026-1-1', '+275760-09-13')),
        (_k, v) => /^\d{4}-\d{2}-\d{2}/.test(v),
      );
      break;
    case 'crafted-cursor':
      query.cursor = g(() => fc.constantFrom(...CRAFTED_CURSORS));
      break;
    case 'other-scope-id':
    case 'random-uuid': {
      const kinds = [...Object.keys(path), ...Object.keys(query), ...topKeys].filter((k) => ID_FIELDS[k]);
      if (kinds.length === 0) break;
      const k = g(() => fc.constantFrom(...kinds));
      const id = idOf(ID_FIELDS[k]!, mutation === 'other-scope-id' ? 'foreign' : 'random');
      if (k in path) path[k] = id;
      else if (k in query) query[k] = id;
      else (body as Record<string, unknown>)[k] = id;
      break;
    }
    case 'bad-path-value': {
      const keys = Object.keys(path);
      if (keys.length === 0) break;
      path[g(() => fc.constantFrom(...keys))] = g(() =>
        fc.constantFrom(
          'not-a-uuid',
          '..',
          '%00',
          '1; DROP TABLE x',
          'x'.repeat(5_000),
          '-1',
          '9'.repeat(40),
          ' ',
        ),
      );
      break;
    }
    case 'bad-json':
      rawPayload = g(() =>
        fc.constantFrom('{', '{"a":', 'null', '[]', '"\\ud800"', '{"a":1}{"b":2}', '\u0000'),
      );
      headers['content-type'] = 'application/json';
      break;
    case 'wrong-media-type':
      rawPayload = 'hello';
      headers['content-type'] = g(() =>
        fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x'),
      );
      break;
    case 'bad-if-match':
      headers['if-match'] = g(() =>
        fc.constantFrom('"abc"', 'W/"99999999999999999999999"', '*', '"-1"', '"1"', ''),
      );
      break;
    case 'bad-idempotency-key':
      headers['idempotency-key'] = g(() =>
        fc.constantFrom('', ' ', 'a'.repeat(500), 'ключ', 'k\u0000', 'same-key-1'),
      );
      break;
    case 'forged-token': {
      const f = g(() => fc.constantFrom(...pools.forged));
      headers.authorization = `Bearer ${f.token}`;
      forged = f.name;
      break;
    }
    case 'bad-token':
      headers.authorization = g(() =>
        fc.constantFrom(
          'Bearer ',
          'Bearer x.y.z',
          'Basic YWRtaW46YWRtaW4=',
          'bearer',
          `Bearer ${'a'.repeat(9000)}`,
        ),
      );
      break;
  }
  if (mutation === 'valid' && op.method === 'POST' && g(fc.integer, { min: 0, max: 9 }) === 0)
    headers['idempotency-key'] = `fuzz-${g(fc.integer, { min: 0, max: 50 })}`;

  const encode = (v: string) => {
    try {
      return encodeURIComponent(v);
    } catch {
      return v.replace(/[\uD800-\uDFFF]/g, '%ED%A0%80').replace(/[^\w\-.~%]/g, (c) => encodeURIComponent(c));
    }
  };
  const url =
    // an empty path value would name another route (`/rule-sets/` is the list): a blank stands in
    op.path.replace(/\{(\w+)\}/g, (_, name: string) => encode(path[name] || ' ')) +
    (Object.keys(query).length > 0
      ? `?${Object.entries(query)
          .map(([k, v]) => `${encode(k)}=${encode(v)}`)
          .join('&')}`
      : '');
  const payload = rawPayload ?? (body !== undefined ? JSON.stringify(body) : undefined);
  if (payload !== undefined) headers['content-type'] ??= 'application/json';
  // the ids the request names as sent (a drawn id may have been replaced since)
  const sent = `${url} ${payload ?? ''}`.toLowerCase().match(UUID) ?? [];
  return {
    caller,
    method: op.method,
    url,
    headers,
    payload,
    body,
    mutation,
    named: [...new Set(sent)],
    ...(forged ? { forged } : {}),
  } as Omit<Planned, 'op'>;
}
