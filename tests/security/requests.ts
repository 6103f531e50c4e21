import { addDays } from '@casework/contracts';
import { DATE_FIELD, ID_FIELDS, isMunicipalityField, MUNICIPALITY_FIELDS } from './fields.js';
import type { Operation, Schema } from './openapi.js';
import type { Municipality, Seeded } from './seed.js';

/** Path values that name no seeded record (a dead letter's number, a projection's name). */
export const UNSEEDED_PATH = new Set(['id', 'name']);

/** A request for an operation: path and query in one municipality's records, the body's ids in another's. */
export function requestFor(
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
    // a calendar month (billing's periods): the one before today's, which has ended
    if (typeof x.pattern === 'string' && x.pattern.endsWith('-(0[1-9]|1[0-2])$'))
      return addDays(`${s.today.slice(0, 7)}-01`, -1).slice(0, 7);
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
