import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { type CaseworkClient, CaseworkProblem, createCaseworkClient } from '../src/index.js';

type Seen = { method: string; url: string; headers: IncomingMessage['headers']; body: string };

/** A local server answering each request with the next of `answers`; what it received is kept. */
async function server(t: Test, answers: ((res: ServerResponse, req: IncomingMessage) => void)[]) {
  const seen: Seen[] = [];
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      (answers.shift() ?? ((r) => r.writeHead(500).end()))(res, req);
    });
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => s.close(() => resolve())));
  return { baseUrl: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (res: ServerResponse) =>
    res
      .writeHead(status, {
        'content-type': status >= 400 ? 'application/problem+json' : 'application/json',
        ...headers,
      })
      .end(JSON.stringify(body));
const dropped = (res: ServerResponse) => res.socket?.destroy();
const busy = json(
  503,
  { type: 'https://casework.bg/problems/busy', title: 'Busy', status: 503 },
  { 'retry-after': '0' },
);

const site = {
  name: 'Synthetic protected housing',
  serviceType: 'protected_housing',
  municipality: 'BLG01',
  address: 'Synthetic street 1, Bansko',
  provider: 'Synthetic provider',
  funding: 'state_delegated',
  openedOn: '2026-01-05',
  places: 4,
} as const;

t.test('a command is sent with the token and one idempotency key, the same on every retry', async (t) => {
  const { baseUrl, seen } = await server(t, [
    dropped,
    busy,
    json(201, { siteId: 'x' }, { location: '/v1/sites/x', etag: '"1"' }),
  ]);
  const client = createCaseworkClient({ baseUrl, token: () => 'tok-1', retries: 2 });
  const answer = await client.post('/v1/sites', { body: site });
  t.same(answer.data, { siteId: 'x' });
  t.equal(answer.status, 201);
  t.equal(answer.location, '/v1/sites/x');
  t.equal(answer.etag, '"1"');
  t.equal(seen.length, 3, 'a lost connection and a 503 were tried again');
  const keys = seen.map((s) => s.headers['idempotency-key']);
  t.match(keys[0], /^[0-9a-f-]{36}$/, 'a key was generated');
  t.same(new Set(keys).size, 1, 'the same key each time');
  t.same(
    seen.map((s) => s.body),
    Array(3).fill(JSON.stringify(site)),
    'the body each time',
  );
  t.ok(
    seen.every((s) => s.headers.authorization === 'Bearer tok-1'),
    'the token on each',
  );
});

t.test('the caller’s key and If-Match are sent as given', async (t) => {
  const { baseUrl, seen } = await server(t, [json(200, { version: 4 })]);
  const client = createCaseworkClient({ baseUrl, token: 'tok-2' });
  await client.post('/v1/offers/{offerId}/accept', {
    params: { path: { offerId: '01900000-0000-7000-8000-000000000001' } },
    idempotencyKey: 'move-1',
    ifMatch: '"3"',
  });
  t.match(seen[0], {
    method: 'POST',
    url: '/v1/offers/01900000-0000-7000-8000-000000000001/accept',
    headers: { 'idempotency-key': 'move-1', 'if-match': '"3"', authorization: 'Bearer tok-2' },
  });
});

t.test('a command whose key is still being answered (409 with Retry-After) is asked again', async (t) => {
  const { baseUrl, seen } = await server(t, [
    json(
      409,
      {
        type: 'https://casework.bg/problems/idempotency-key-in-progress',
        title: 'Conflict',
        status: 409,
        code: 'IDEMPOTENCY_KEY_IN_PROGRESS',
      },
      { 'retry-after': '0' },
    ),
    json(201, { siteId: 'x' }),
  ]);
  const answer = await createCaseworkClient({ baseUrl }).post('/v1/sites', { body: site });
  t.equal(answer.status, 201);
  t.equal(seen.length, 2);
  t.equal(seen[0]!.headers['idempotency-key'], seen[1]!.headers['idempotency-key']);
  const { baseUrl: other } = await server(t, [
    json(409, {
      type: 'https://casework.bg/problems/conflict',
      title: 'Conflict',
      status: 409,
      code: 'SITE_CLOSED',
    }),
  ]);
  const conflict = await createCaseworkClient({ baseUrl: other })
    .post('/v1/sites', { body: site })
    .catch((e: unknown) => e);
  t.match(conflict, { status: 409, code: 'SITE_CLOSED' }, 'a conflict of the rules is not asked again');
});

t.test('reads carry no idempotency key; retries stop after the last allowed', async (t) => {
  const { baseUrl, seen } = await server(t, [busy, busy, busy]);
  const client = createCaseworkClient({ baseUrl, retries: 1 });
  const refused = await client.get('/v1/sites').catch((e: unknown) => e);
  t.ok(refused instanceof CaseworkProblem);
  t.match(refused, { status: 503, type: 'https://casework.bg/problems/busy' });
  t.equal(seen.length, 2, 'once, and once again');
  t.equal(seen[0]!.headers['idempotency-key'], undefined);
  t.equal(seen[0]!.headers.authorization, undefined, 'no token configured, none sent');
});

t.test('a problem is thrown typed; an answer that is no problem still becomes one', async (t) => {
  const { baseUrl } = await server(t, [
    json(400, {
      type: 'https://casework.bg/problems/validation',
      title: 'Invalid request',
      status: 400,
      code: 'VALIDATION',
      errors: [{ field: 'body.on', message: 'expected a date' }],
    }),
    (res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>'),
  ]);
  const client = createCaseworkClient({ baseUrl, retries: 0 });
  const invalid = await client.post('/v1/sites', { body: site }).catch((e: unknown) => e);
  t.match(invalid, {
    name: 'CaseworkProblem',
    status: 400,
    code: 'VALIDATION',
    errors: [{ field: 'body.on' }],
    message: '400 Invalid request',
  });
  const gateway = await client.get('/v1/sites').catch((e: unknown) => e);
  t.match(gateway, { status: 502, type: 'about:blank', code: undefined, errors: [] });
});

t.test('pages follows each next cursor to the last page', async (t) => {
  const { baseUrl, seen } = await server(t, [
    json(200, { items: [{ siteId: 'a' }, { siteId: 'b' }], next: 'c1' }),
    json(200, { items: [{ siteId: 'c' }], next: 'c2' }),
    json(200, { items: [] }),
  ]);
  const client = createCaseworkClient({ baseUrl });
  const ids: string[] = [];
  for await (const site of client.pages('/v1/sites', { params: { query: { limit: 2 } } }))
    ids.push(site.siteId);
  t.same(ids, ['a', 'b', 'c']);
  t.same(
    seen.map((s) => s.url),
    ['/v1/sites?limit=2', '/v1/sites?limit=2&cursor=c1', '/v1/sites?limit=2&cursor=c2'],
  );
});

t.test('pages takes cursor-paged lists only: the event feed pages by after, until caughtUp', async (t) => {
  const checkedByTsc = (c: CaseworkClient) => {
    // @ts-expect-error the feed's query has no cursor
    void c.pages('/v1/events/intake');
    void c.pages('/v1/placements');
  };
  t.type(checkedByTsc, 'function');
});
