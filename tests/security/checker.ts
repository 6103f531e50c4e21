import type { ValidateFunction } from 'ajv';
import { isProblemSchema, type Operation, type Schema } from './openapi.js';

export const FAILURE_CLASSES = [
  'server-error',
  'error-not-problem',
  'undeclared-status',
  'undeclared-content-type',
  'schema-violation',
  'scope-leak',
  'personal-data',
  'token-accepted',
  'missing-header',
] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];
export type Failure = { class: FailureClass; detail: string };

export type Municipality = string;

/** What was sent: the operation, the request and who sent it. */
export type Sent = {
  op: Operation;
  method: string;
  url: string;
  body?: unknown;
  /** The caller's role (or none without a token) and the municipalities its scope covers ('all': national). */
  role: string;
  covers: readonly Municipality[] | 'all';
  /** Every seeded id the request names, in its path, query or body. */
  named: readonly string[];
  /** A forged token the request carried (it must be refused). */
  forged?: string;
};

export type Answer = {
  status: number;
  contentType: string | undefined;
  body: string;
  /** The answer's headers, when they are to be checked (security headers). */
  headers?: Record<string, unknown>;
};

export type CheckContext = {
  validator: (schema: Schema) => ValidateFunction;
  /** The municipality owning each seeded id. */
  owner: ReadonlyMap<string, Municipality>;
  /** The oblast of each municipality (a directorate's answers name oblasts). */
  oblastOf: (municipality: Municipality) => string;
  /** Every seeded client id (a directorate answer must hold pseudonyms only). */
  clientIds: ReadonlySet<string>;
};

/** Fields that hold personal data; a directorate answer never has one. */
export const PERSONAL_FIELDS = new Set([
  'identifier',
  'givenName',
  'familyName',
  'egn',
  'lnch',
  'contact',
  'phone',
  'email',
  'addresses',
  'household',
]);
/** Fields personal when they describe a person (an object naming a client), not a site. */
const PERSONAL_IN_PERSON = new Set(['name', 'address', 'birthDate', 'sex']);

/**
 * Operations whose records every scope may read by design (path prefixes). Empty: DESIGN §6 scopes
 * every query. A decision to publish some records to all (rule sets are policy, not people?) is one line
 * here, and both the fuzz suite and the jurisdiction matrix follow it.
 */
export const SHARED_ACROSS_SCOPES: readonly string[] = [];
export const sharedAcrossScopes = (path: string) => SHARED_ACROSS_SCOPES.some((p) => path.startsWith(p));

const mediaOf = (contentType: string | undefined) => contentType?.split(';')[0]?.trim().toLowerCase();

/** The declared answers of a status: exact, then `4XX`-style ranges, then `default`. */
function declaredFor(op: Operation, status: number) {
  return op.responses[String(status)] ?? op.responses[`${String(status)[0]}XX`] ?? op.responses.default;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** The clients whose personal fields a JSON value shows (objects naming a client beside such a field). */
export function personalRecordsIn(value: unknown): string[] {
  const ids = new Set<string>();
  walk(value, (o) => {
    if (typeof o.clientId === 'string' && Object.keys(o).some((k) => PERSONAL_FIELDS.has(k)))
      ids.add(o.clientId);
  });
  return [...ids];
}

/** Whether a JSON value holds a personal field anywhere. */
function hasPersonalField(value: unknown): boolean {
  let found = false;
  walk(value, (o) => {
    found ||= Object.keys(o).some((k) => PERSONAL_FIELDS.has(k));
  });
  return found;
}

/** Walks a JSON value, calling `visit` on each object with its path. */
function walk(value: unknown, visit: (o: Record<string, unknown>, path: string) => void, path = '$') {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) walk(v, visit, `${path}[${i}]`);
  } else if (value && typeof value === 'object') {
    visit(value as Record<string, unknown>, path);
    for (const [k, v] of Object.entries(value)) walk(v, visit, `${path}.${k}`);
  }
}

/** The records an answer is about: the body itself and the items of its pages and tables. */
function records(body: unknown): Record<string, unknown>[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [];
  const b = body as Record<string, unknown>;
  const listed = ['items', 'rows', 'entries', 'services'].flatMap((k) =>
    Array.isArray(b[k]) ? (b[k] as unknown[]).filter((x) => x && typeof x === 'object') : [],
  ) as Record<string, unknown>[];
  return [b, ...listed];
}

/**
 * Checks one answer against the document and the caller's jurisdiction. Each failure names its class;
 * an empty list means the answer is one the document promises and the caller may see.
 */
export function check(sent: Sent, answer: Answer, ctx: CheckContext): Failure[] {
  const failures: Failure[] = [];
  const fail = (c: FailureClass, detail: string) => failures.push({ class: c, detail });
  const media = mediaOf(answer.contentType);
  const declared = declaredFor(sent.op, answer.status);
  const declaredSchema = media ? declared?.[media] : undefined;
  let parsed: unknown;
  let json = false;
  if (media === 'application/json' || media === 'application/problem+json') {
    try {
      parsed = JSON.parse(answer.body);
      json = true;
    } catch {
      fail('schema-violation', `${answer.status} ${media} body is not JSON`);
    }
  }

  if (answer.status >= 500) {
    const code = (parsed as { code?: string } | undefined)?.code;
    fail('server-error', `${answer.status}${code ? ` ${code}` : ''}`);
  }
  // an error is a problem document, unless the operation declares another body for it (readiness)
  const otherErrorBody =
    declared &&
    Object.entries(declared).some(([m, s]) => m !== 'application/problem+json' && s && !isProblemSchema(s));
  if (answer.status >= 400 && media !== 'application/problem+json' && !otherErrorBody)
    fail('error-not-problem', `${answer.status} answered as ${media ?? 'no content type'}`);
  if (!declared) fail('undeclared-status', `${answer.status} not declared`);
  else if (answer.body.length > 0 && (!media || !(media in declared)))
    fail(
      'undeclared-content-type',
      `${answer.status} ${media ?? 'no content type'} not declared (declared: ${Object.keys(declared).join(', ') || 'no body'})`,
    );
  if (json && declaredSchema) {
    const validate = ctx.validator(declaredSchema);
    if (!validate(parsed)) {
      const e = validate.errors?.[0];
      fail(
        'schema-violation',
        `${answer.status} body at ${e?.instancePath || '/'} ${e?.message ?? 'invalid'}`,
      );
    }
  }

  if (sent.covers !== 'all' && !sharedAcrossScopes(sent.op.path)) {
    const covers = new Set(sent.covers);
    const foreign = (id: string) => {
      const o = ctx.owner.get(id.toLowerCase());
      return o !== undefined && !covers.has(o);
    };
    const ok = answer.status >= 200 && answer.status < 300;
    // acting on (or reading by its path) a record of another scope
    const pathIds = (sent.url.split('?')[0]?.match(UUID) ?? []).filter(foreign);
    const bodyIds = sent.method === 'POST' ? sent.named.filter(foreign) : [];
    if (ok && (pathIds.length > 0 || bodyIds.length > 0))
      fail(
        'scope-leak',
        `${answer.status} to a request naming ${[...pathIds, ...bodyIds][0]} of another scope`,
      );
    // an answer (any status: a refusal's detail too) holding ids of another scope the caller did not name
    const named = new Set(sent.named.map((x) => x.toLowerCase()));
    const shown = (answer.body.match(UUID) ?? []).filter((id) => foreign(id) && !named.has(id.toLowerCase()));
    if (shown.length > 0)
      fail(
        'scope-leak',
        `${answer.status} answer holds ${shown[0]} of ${ctx.owner.get(shown[0]!.toLowerCase())}`,
      );
    if (ok && json) {
      const oblasts = new Set([...covers].map(ctx.oblastOf));
      // a move answers with the record where it now is
      const movedTo = (sent.body as { to?: unknown } | undefined)?.to;
      for (const r of records(parsed)) {
        if (typeof r.municipality === 'string' && !covers.has(r.municipality) && r.municipality !== movedTo)
          fail('scope-leak', `${answer.status} answer holds a record of municipality ${r.municipality}`);
        if (typeof r.oblast === 'string' && !oblasts.has(r.oblast))
          fail('scope-leak', `${answer.status} answer holds a record of oblast ${r.oblast}`);
      }
    }
  }

  // security headers (issue 14, 11): never sniffed; a personal record never cached
  if (answer.headers) {
    if (answer.headers['x-content-type-options'] !== 'nosniff')
      fail('missing-header', `${answer.status} without X-Content-Type-Options: nosniff`);
    const personal = json && answer.status < 300 && hasPersonalField(parsed);
    if (personal && !String(answer.headers['cache-control'] ?? '').includes('no-store'))
      fail('missing-header', `${answer.status} personal record without Cache-Control: no-store`);
  }

  // a forged token is refused on every route that wants one, before anything else is looked at
  if (sent.forged && !sent.op.public && answer.status !== 401)
    fail('token-accepted', `token with ${sent.forged} answered ${answer.status}`);

  if (sent.role === 'directorate_analyst' && answer.status < 400 && answer.body.length > 0) {
    if (json)
      walk(parsed, (o, path) => {
        const person = 'clientId' in o || 'pseudonym' in o;
        for (const k of Object.keys(o))
          if (PERSONAL_FIELDS.has(k) || (person && PERSONAL_IN_PERSON.has(k)))
            fail('personal-data', `${path}.${k} in a directorate answer`);
      });
    const ids = (answer.body.match(UUID) ?? []).filter((id) => ctx.clientIds.has(id.toLowerCase()));
    if (ids.length > 0)
      fail('personal-data', `client id ${ids[0]} (not a pseudonym) in a directorate answer`);
  }
  return failures;
}
