import { jsonSchemaTransform } from 'fastify-type-provider-zod';

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];
type Transformed = ReturnType<typeof jsonSchemaTransform>;

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

/** What each error status means, as the document says it. */
const MEANING: Record<number, string> = {
  400: 'Invalid request: a path, query, header or body value is wrong (each named in `errors[]`)',
  401: 'No valid bearer token (missing, expired, wrongly signed, or with an impossible scope)',
  403: "The caller's role may not do this, or the request names another jurisdiction explicitly",
  404: "Not found, or outside the caller's jurisdiction (the two are not told apart)",
  409: 'Conflicts with the current state (a concurrent change, a duplicate)',
  412: 'If-Match names a version other than the current one',
  413: 'The body is larger than the limit',
  414: 'The request line is too long',
  415: 'The body is not application/json',
  422: 'A business rule refuses it, or the Idempotency-Key was used for another request',
  429: 'Too many requests from this caller: retry after Retry-After seconds',
  431: 'The request headers are too large',
  500: 'Something failed on our side: the problem names only a correlation id',
};

/** Whether a (JSON) query schema has a uuid among its properties. */
const namesRecords = (schema: unknown) =>
  Object.values(
    (schema as { properties?: Record<string, { format?: string }> } | undefined)?.properties ?? {},
  ).some((p) => p.format === 'uuid');

/** Whether a (JSON) query schema takes `format=csv`. */
const offersCsv = (schema: unknown) =>
  (
    schema as { properties?: { format?: { enum?: unknown[] } } } | undefined
  )?.properties?.format?.enum?.includes('csv') === true;

const isProblem = (schema: unknown): boolean =>
  typeof schema === 'object' &&
  schema !== null &&
  typeof (schema as { $ref?: unknown }).$ref === 'string' &&
  /\/Problem$/.test((schema as { $ref: string }).$ref);

/**
 * The statuses the kit itself answers for a route, whatever the route declares: any route can meet a
 * too-long request line or headers (414/431), a control character in any input (400) and an internal
 * error (500); a route behind a token 401, one restricted to roles 403; one naming records by id in its
 * path or query 404; a POST, PUT or DELETE a body that is too large or not JSON (413/415).
 */
function kitStatuses(input: TransformInput, out: Transformed): number[] {
  const { route } = input;
  const schema = (input.schema ?? {}) as Record<string, unknown>;
  const roles = (route.config as { roles?: unknown } | undefined)?.roles;
  const withBody = [route.method].flat().some((m) => m === 'POST' || m === 'PUT' || m === 'DELETE');
  // every request's path, query, headers and body are checked for control characters (inputChecks)
  const statuses = [400, 414, 431, 500];
  if (roles !== 'public') statuses.push(401);
  if (Array.isArray(roles)) statuses.push(403);

  // an id in the path, or a filter naming a record (`?siteId=`), that is absent or outside the scope
  if (schema.params || namesRecords(out.schema.querystring)) statuses.push(404);
  if (withBody) statuses.push(413, 415);
  return statuses;
}

/**
 * The request headers the kit reads beside the route's own: `Idempotency-Key` on a service's commands
 * (POST; ADR 8), `If-Match` where a command is decided on the version read (those that answer 412).
 */
function requestHeaders(
  input: TransformInput,
  own: unknown,
  declared: Record<string, unknown>,
): object | undefined {
  const { route } = input;
  const post =
    [route.method].flat().includes('POST') &&
    !route.url.startsWith('/v1/admin/') &&
    (route.config as { roles?: unknown } | undefined)?.roles !== 'public';
  const properties: Record<string, unknown> = {
    ...(post
      ? {
          'idempotency-key': {
            type: 'string',
            pattern: '^[A-Za-z0-9_.:-]{1,200}$',
            description:
              'Makes a retried command act once: the same key and body within 24 hours answer as the first time ' +
              '(Idempotent-Replayed: true); the same key with another body is 422, while the first is still ' +
              'being answered 409 with Retry-After',
          },
        }
      : {}),
    ...(declared[412]
      ? {
          'if-match': {
            type: 'string',
            pattern: '^(W/)?"\\d+"$',
            description:
              "The ETag of the read this command was decided on: 412 if the record's version moved since",
          },
        }
      : {}),
  };
  if (Object.keys(properties).length === 0) return undefined;
  const mine = (own ?? {}) as { properties?: Record<string, unknown>; required?: string[] };
  return { ...mine, type: 'object', properties: { ...mine.properties, ...properties } };
}

/**
 * The OpenAPI transform: zod schemas to JSON Schema (fastify-type-provider-zod), then every error a route
 * can answer declared as `application/problem+json` (RFC 9457) with a description of what it means,
 * so the document promises exactly the statuses and media types the API answers with; and the roles a
 * route admits as `x-roles`.
 */
export function truthfulResponses(input: TransformInput): Transformed {
  const out = jsonSchemaTransform(input);
  const schema = out.schema as Record<string, unknown>;
  if (schema.hide) return out;
  const declared = { ...((schema.response ?? {}) as Record<string, unknown>) };
  for (const status of kitStatuses(input, out)) declared[status] ??= PROBLEM_REF;
  const response: Record<string, unknown> = {};
  // a route that takes `format=csv` answers a spreadsheet as well as JSON
  const csv = offersCsv(out.schema.querystring);
  for (const [status, body] of Object.entries(declared).sort(([a], [b]) => a.localeCompare(b))) {
    const code = Number(status);
    response[status] =
      code >= 400 && isProblem(body)
        ? {
            description: MEANING[code] ?? 'Problem details',
            content: { [PROBLEM_MEDIA_TYPE]: { schema: body } },
          }
        : csv && code >= 200 && code < 300
          ? {
              description: 'JSON, or CSV with `format=csv`',
              content: { 'application/json': { schema: body }, 'text/csv': { schema: { type: 'string' } } },
            }
          : body;
  }
  // who may call it, as the route table says (absent: any authenticated caller; public: no token)
  const roles = (input.route.config as { roles?: unknown } | undefined)?.roles;
  const headers = requestHeaders(input, schema.headers, declared);
  const method = [input.route.method].flat()[0]!;
  return {
    ...out,
    schema: {
      ...schema,
      operationId: (schema.operationId as string | undefined) ?? operationIdOf(method, input.url),
      tags: [resourceOf(input.url)],
      ...(headers ? { headers } : {}),
      response,
      ...(Array.isArray(roles) ? { 'x-roles': roles } : {}),
      ...(roles === 'public' ? { security: [] } : {}),
    },
  };
}

/**
 * The API's version in its document: a change that breaks a client needs a new major version (a `/v2`
 * served beside `/v1`, docs/versioning.md); the breaking-change check holds the document to it.
 */
export const API_VERSION = '1.0.0';

const SERVICE_PREFIXES = new Set(['eligibility', 'placement', 'billing', 'directorate']);
const pascal = (segment: string) =>
  segment
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

/**
 * The operation's id, from its method and path (the same route always gets the same one, and no two
 * routes share one): `GET /v1/clients/{clientId}/facts` is `getClientsByClientIdFacts`, a name every
 * generator takes as a method name. Renaming a route renames its operation: the breaking-change check
 * counts that as the removal it is.
 */
export const operationIdOf = (method: string, url: string): string =>
  method.toLowerCase() +
  url
    .replace(/^\/v1\//, '')
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      const param = /^(?::(.+)|\{(.+)\})$/.exec(segment);
      return param ? `By${pascal(param[1] ?? param[2]!)}` : pascal(segment);
    })
    .join('');

/**
 * The resource a path is about, its tag: its first segment (`clients`, `sites`), or the first two under a
 * service's or an area's prefix (`billing statements`, `eligibility rule-sets`, `admin`).
 */
export function resourceOf(url: string): string {
  const fixed = url
    .replace(/^\/v1\//, '')
    .split('/')
    .filter((segment) => segment && !segment.startsWith(':') && !segment.startsWith('{'));
  const [first = 'platform', second] = fixed;
  if (first === 'admin') return 'admin';
  return SERVICE_PREFIXES.has(first) && second ? `${first} ${second}` : first;
}
