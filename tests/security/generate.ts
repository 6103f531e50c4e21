import { addDays, composeEgn } from '@casework/contracts';
import { Role as PrincipalRole } from '@casework/service-kit';
import fc from 'fast-check';
import { DATE_FIELD, ID_FIELDS, isMunicipalityField, MUNICIPALITY_FIELDS } from './fields.js';
import { CRAFTED_CURSORS, type Draft, FAR_DATES, MUTATIONS, mutate } from './mutations.js';
import type { Operation, Schema } from './openapi.js';
import type { IdKind, Municipality, Role, Scope } from './seed.js';

/** Draws values: fast-check's `gen()`, so every request is a function of the seed. */
type Draw = fc.GeneratorValue;

/** Who sends a request: a role in a municipality (its oblast for an analyst), without scope, or no one. */
export type Caller = { role: Role | 'anonymous'; where: Municipality | 'none' };

export const ROLES: readonly Role[] = PrincipalRole.options;

/** What the fuzz may name: the seeded records by scope, cursors the API gave out, today. */
export type Pools = {
  scopes: Record<Municipality, Scope>;
  related: ReadonlyMap<string, Partial<Record<IdKind, string>>>;
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

const DATETIME_FIELD = /^(knownAt|at)$/;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

const other = (m: Municipality): Municipality => (m === 'BLG01' ? 'MON29' : 'BLG01');

/** Builds requests for an operation, drawing every choice from `g`. */
export function planRequest(
  g: Draw,
  op: Operation,
  pools: Pools,
  resolve: (s?: Schema) => Schema | undefined,
) {
  // mostly a role the operation admits (it gets past the role check), else anyone, or no one
  const admitted = (op.roles ?? ROLES) as readonly Role[];
  const role = g(() =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom<Role | 'anonymous'>(...admitted) },
      { weight: 4, arbitrary: fc.constantFrom<Role | 'anonymous'>(...ROLES, 'anonymous') },
    ),
  );
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
          // (another scope's ids also come from the other-scope-id mutation)
          { weight: 7, arbitrary: fc.constant('own' as const) },
          { weight: 2, arbitrary: fc.constant('foreign' as const) },
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
    // a calendar month (billing's periods): one that has ended, so a route gets past its own rules
    if (s.type === 'string' && typeof s.pattern === 'string' && s.pattern.endsWith('-(0[1-9]|1[0-2])$'))
      return g(() => fc.constantFrom('2026-01', '2026-10'));
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
  // ids named together belong together (an offer with its client and site, a determination with its
  // client), mostly: where one named id has a related record of a kind another field names, that one
  const top =
    body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, string>) : {};
  if (g(fc.integer, { min: 0, max: 4 }) > 0)
    for (const source of [path, query, top])
      for (const value of Object.values(source)) {
        const rel = typeof value === 'string' ? pools.related.get(value) : undefined;
        if (!rel) continue;
        for (const target of [path, query, top])
          for (const field of Object.keys(target))
            if (field in rel && target[field] !== value) target[field] = rel[field as IdKind]!;
      }
  const headers: Record<string, string> = {};

  // then, often, one mutation
  const mutation = g(() =>
    fc.oneof(
      { weight: 11, arbitrary: fc.constant('valid') },
      { weight: 9, arbitrary: fc.constantFrom(...MUTATIONS) },
    ),
  );
  const draft: Draft = { path, query, body, headers };
  mutate(g, mutation, draft, op, { idOf, forged: pools.forged });
  body = draft.body;
  const { rawPayload, forged } = draft;
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
