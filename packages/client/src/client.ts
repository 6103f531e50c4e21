import { randomUUID } from 'node:crypto';
import createFetchClient, {
  type Client,
  type FetchResponse,
  type MaybeOptionalInit,
  type Middleware,
} from 'openapi-fetch';
import type { HttpMethod, MediaType, PathsWithMethod, RequiredKeysOf } from 'openapi-typescript-helpers';
import { CaseworkProblem } from './problem.js';
import { retryingFetch } from './retry.js';
import type { paths } from './schema.js';

export type ClientOptions = {
  /** Where the API answers, e.g. `https://casework.example.bg` (the ingress) or `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** A bearer token, or a function giving one for each request (a token that refreshes itself). */
  token?: string | (() => string | Promise<string>);
  /**
   * How often a request is sent again after a lost connection, a 503 or a 429 (honouring Retry-After).
   * Only reads and commands carrying an `Idempotency-Key` are retried, so a retry never acts twice.
   */
  retries?: number;
  /** The fetch to send with (tests, proxies); the global fetch by default. */
  fetch?: (request: Request) => Promise<Response>;
};

/** Options every call takes beside the operation's own parameters and body. */
export type CallOptions = {
  /** The ETag of the read this command was decided on: the API answers 412 if the record moved since. */
  ifMatch?: string;
  /** The command's idempotency key; one is generated when absent, so a retried command acts once. */
  idempotencyKey?: string;
};

/** A successful answer: its body, typed by the operation, and the headers a client acts on. */
export type Answer<T> = {
  data: T;
  status: number;
  /** The record's version, to send back as `ifMatch` with a command that depends on what was read. */
  etag: string | undefined;
  /** Where a created record (or a queued run) is read. */
  location: string | undefined;
  response: Response;
};

/** The operation at a path and method, as openapi-fetch types its answers. */
type Operation<P extends keyof paths, M extends HttpMethod> = paths[P][M] extends infer O extends Record<
  string | number,
  unknown
>
  ? O
  : never;
type Args<I> = RequiredKeysOf<I> extends never ? [init?: I & CallOptions] : [init: I & CallOptions];
type Call<M extends HttpMethod> = <
  P extends PathsWithMethod<paths, M>,
  I extends MaybeOptionalInit<paths[P], M>,
>(
  path: P,
  ...init: Args<I>
) => Promise<Answer<NonNullable<FetchResponse<Operation<P, M>, I, MediaType>['data']>>>;

/**
 * Lists answered a page at a time: `{ items, next }`, `next` the cursor of the following page, sent back
 * as `cursor` (the event feed pages otherwise: `after`, until `caughtUp`).
 */
type PagedPath = {
  [P in PathsWithMethod<paths, 'get'>]: paths[P]['get'] extends {
    parameters: { query?: { cursor?: string } };
    responses: { 200: { content: { 'application/json': { items: unknown[]; next?: string } } } };
  }
    ? 'cursor' extends keyof NonNullable<paths[P]['get']['parameters']['query']>
      ? P
      : never
    : never;
}[PathsWithMethod<paths, 'get'>];
type ItemOf<P extends PagedPath> =
  paths[P]['get']['responses'][200]['content']['application/json']['items'][number];

export type CaseworkClient = {
  get: Call<'get'>;
  post: Call<'post'>;
  put: Call<'put'>;
  delete: Call<'delete'>;
  /**
   * Every item of a list, page after page, following each page's `next` cursor until the last:
   * `for await (const stay of client.pages('/v1/placements', { params: { query: { clientId } } }))`.
   */
  pages: <P extends PagedPath, I extends MaybeOptionalInit<paths[P], 'get'>>(
    path: P,
    ...init: Args<I>
  ) => AsyncGenerator<ItemOf<P>, void, undefined>;
  /** The underlying openapi-fetch client (answers not thrown), for what the helpers do not cover. */
  raw: Client<paths>;
};

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A client of the Casework API typed by its OpenAPI document: every path, parameter, body and answer is
 * checked by TypeScript. It sends the bearer token, an `Idempotency-Key` with every command (generated
 * when none is given) and `If-Match` when asked; a refused request throws a `CaseworkProblem`.
 */
export function createCaseworkClient(options: ClientOptions): CaseworkClient {
  const raw = createFetchClient<paths>({
    baseUrl: options.baseUrl,
    fetch: retryingFetch(options.fetch ?? ((r) => globalThis.fetch(r)), options.retries ?? 2),
  });
  const middleware: Middleware = {
    async onRequest({ request }) {
      if (options.token !== undefined && !request.headers.has('authorization')) {
        const token = typeof options.token === 'function' ? await options.token() : options.token;
        request.headers.set('authorization', `Bearer ${token}`);
      }
      if (!SAFE.has(request.method) && !request.headers.has('idempotency-key'))
        request.headers.set('idempotency-key', randomUUID());
      return request;
    },
    async onResponse({ response }) {
      if (!response.ok) throw await CaseworkProblem.from(response);
      return undefined;
    },
  };
  raw.use(middleware);

  const call =
    (method: 'GET' | 'POST' | 'PUT' | 'DELETE') =>
    async (path: string, init: Record<string, unknown> & CallOptions = {}) => {
      const { ifMatch, idempotencyKey, ...rest } = init;
      const headers = {
        ...(rest.headers as Record<string, string> | undefined),
        ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }),
        ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
      };
      // errors were thrown by the middleware: what comes back succeeded
      const { data, response } = await (
        raw[method] as (p: string, i: object) => Promise<{ data: unknown; response: Response }>
      )(path, { ...rest, headers });
      return {
        data,
        status: response.status,
        etag: response.headers.get('etag') ?? undefined,
        location: response.headers.get('location') ?? undefined,
        response,
      };
    };
  const get = call('GET');

  async function* pages(path: string, init: Record<string, unknown> & CallOptions = {}) {
    const params = (init.params ?? {}) as { query?: Record<string, unknown> };
    let cursor = params.query?.cursor as string | undefined;
    do {
      const query = { ...params.query, ...(cursor === undefined ? {} : { cursor }) };
      const { data } = await get(path, { ...init, params: { ...params, query } });
      const page = data as { items: unknown[]; next?: string | null };
      yield* page.items;
      cursor = page.next ?? undefined;
    } while (cursor !== undefined);
  }

  return {
    get: get as unknown as Call<'get'>,
    post: call('POST') as unknown as Call<'post'>,
    put: call('PUT') as unknown as Call<'put'>,
    delete: call('DELETE') as unknown as Call<'delete'>,
    pages: pages as unknown as CaseworkClient['pages'],
    raw,
  };
}
