import fc from 'fast-check';
import { ID_FIELDS } from './fields.js';
import type { Operation } from './openapi.js';
import type { IdKind } from './seed.js';

/** A request being built: what a mutation may change. */
export type Draft = {
  path: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  headers: Record<string, string>;
  /** A body sent as it is, not as JSON of `body`. */
  rawPayload?: string;
  /** The name of the forged token sent. */
  forged?: string;
};

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
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection probe, meant literally
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

/**
 * Spoils a valid request in one way: a wrong type, a missing or extra field, a huge, empty or
 * control-character string, a NUL or a lone surrogate, a far date, a crafted cursor, another scope's or
 * a random id, a bad path value, broken JSON or another media type, a bad If-Match, Idempotency-Key or
 * token, or a forged one.
 */
export function mutate(
  g: fc.GeneratorValue,
  mutation: string,
  draft: Draft,
  op: Operation,
  ctx: {
    idOf: (kind: IdKind, force: 'foreign' | 'random') => string;
    forged: { name: string; token: string }[];
  },
): void {
  const { path, query, headers } = draft;
  let body = draft.body;
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
      const id = ctx.idOf(ID_FIELDS[k]!, mutation === 'other-scope-id' ? 'foreign' : 'random');
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
          // (not '..': URLs resolve dot segments, so the request would reach another route)
          'not-a-uuid',
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
      draft.rawPayload = g(() =>
        fc.constantFrom('{', '{"a":', 'null', '[]', '"\\ud800"', '{"a":1}{"b":2}', '\u0000'),
      );
      headers['content-type'] = 'application/json';
      break;
    case 'wrong-media-type':
      draft.rawPayload = 'hello';
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
      const f = g(() => fc.constantFrom(...ctx.forged));
      headers.authorization = `Bearer ${f.token}`;
      draft.forged = f.name;
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
  draft.body = body;
}
