import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import t from 'tap';
import { kitApp } from './fixture.js';

const body = { municipality: 'BLG01', givenName: 'Ивана', identifier: '7501010010' };

/** Every line the app logged, as text. */
function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d) => {
    text += d.toString();
  });
  return { stream, text: () => text };
}

t.test('the edge of every route', async (t) => {
  const log = capture();
  const k = await kitApp(t, { logStream: log.stream });
  const { app } = k;
  const blg = await k.as('BLG01');
  const get = (url: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url, headers: { ...blg, ...headers } });
  const post = (url: string, payload: string | object) =>
    app.inject({
      method: 'POST',
      url,
      payload,
      headers: { ...blg, 'content-type': 'application/json' },
    });
  const problem = (r: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }) => {
    t.match(r.headers['content-type'], /^application\/problem\+json/);
    return r.json() as { code: string; errors?: { field: string }[]; detail?: string; instance?: string };
  };

  t.test('cursors are sealed: a crafted or tampered one is 400 naming query.cursor', async (t) => {
    for (let i = 0; i < 5; i++) t.equal((await post('/v1/things', body)).statusCode, 201);
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await get(`/v1/things?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      t.equal(page.statusCode, 200);
      ids.push(...page.json().items.map((i: { stream_id: string }) => i.stream_id));
      cursor = page.json().next;
    } while (cursor);
    t.equal(ids.length, 5, 'paging with the cursors given out reaches every row');
    t.equal(new Set(ids).size, 5);

    const first = (await get('/v1/things?limit=2')).json().next as string;
    const [payload, tag] = first.split('.');
    const shown = Buffer.from(payload!, 'base64url').toString('latin1');
    t.notMatch(shown, /Ивана|BLG01|[0-9a-f]{8}-/, 'a cursor shows nothing of the row it points after');
    const crafted = [
      Buffer.from(JSON.stringify(["x' OR 1=1"])).toString('base64url'),
      `${Buffer.from(JSON.stringify(['zzzz'])).toString('base64url')}.${tag}`,
      `${payload}.${Buffer.alloc(16).toString('base64url')}`,
      `${payload}.${tag}.x`,
      `${payload}`,
      '.',
      'not a cursor',
    ];
    for (const c of crafted) {
      const r = await get(`/v1/things?cursor=${encodeURIComponent(c)}`);
      t.equal(r.statusCode, 400, c);
      t.same(
        problem(r).errors?.map((e) => e.field),
        ['query.cursor'],
      );
    }
  });

  t.test('control characters and lone surrogates are refused in every part of a request', async (t) => {
    const nul = await post('/v1/things', { ...body, givenName: 'Ив\u0000ана' });
    t.equal(nul.statusCode, 400);
    t.same(
      problem(nul).errors?.map((e) => e.field),
      ['body.givenName'],
    );
    const surrogate = await post(
      '/v1/things',
      '{"municipality":"BLG01","givenName":"\\ud800x","identifier":"1"}',
    );
    t.equal(surrogate.statusCode, 400);
    t.same(
      problem(surrogate).errors?.map((e) => e.field),
      ['body.givenName'],
    );
    const bell = await post('/v1/things', { ...body, identifier: 'a\u0007' });
    t.same(
      problem(bell).errors?.map((e) => e.field),
      ['body.identifier'],
    );
    const nested = await post('/v1/things/01900000-0000-7000-8000-000000000001/notes', {
      text: 'ok',
      deeper: [{ x: 'line\nbreak and\ttab are fine' }, { y: '\u001b[31m' }],
    });
    t.same(
      problem(nested).errors?.map((e) => e.field),
      ['body.deeper.1.y'],
    );
    const query = await get('/v1/things?cursor=%00');
    t.same(
      problem(query).errors?.map((e) => e.field),
      ['query.cursor'],
    );
    const params = await get('/v1/things/%00abc');
    t.equal(params.statusCode, 400);
    t.same(
      problem(params).errors?.map((e) => e.field),
      ['params.thingId'],
    );
    const header = await get('/v1/things', { 'x-note': 'a\u0001b' });
    t.same(
      problem(header).errors?.map((e) => e.field),
      ['headers.x-note'],
    );
    const key = await post('/v1/things/01900000-0000-7000-8000-000000000001/notes', {
      text: 'x',
      'a\u0000': 1,
    });
    t.equal(key.statusCode, 400);
    t.equal(await k.events(), 5, 'nothing was written');
  });

  t.test('dates the API takes lie in 1900–2100', async (t) => {
    for (const from of ['2101-01-01', '1899-12-31', '0000-01-01', '9999-12-31']) {
      const r = await get(`/v1/things?from=${from}`);
      t.equal(r.statusCode, 400, from);
      t.same(
        problem(r).errors?.map((e) => e.field),
        ['query.from'],
      );
    }
    t.equal((await get('/v1/things?from=2100-12-31')).statusCode, 200);
  });

  t.test('a value the database refuses is 400, and its message is logged nowhere', async (t) => {
    const r = await get('/v1/things/cast?value=7501010010-not-a-uuid');
    t.equal(r.statusCode, 400);
    const p = problem(r);
    t.equal(p.code, 'INVALID_VALUE');
    t.match(p.detail, /22P02/);
    t.notMatch(r.payload, /7501010010|not-a-uuid/);
    t.notMatch(log.text(), /not-a-uuid|invalid input syntax/);
    t.match(log.text(), /"sqlState":"22P02"/);
  });

  t.test('a request target over 8 KiB is 414 problem+json', async (t) => {
    const r = await get(`/v1/things?cursor=${'a'.repeat(9000)}`);
    t.equal(r.statusCode, 414);
    t.equal(problem(r).code, 'URI_TOO_LONG');
  });

  t.test('what the router refuses is problem+json and never quotes the path', async (t) => {
    const badUrl = await get('/v1/things/7501010010%ED%A0%80');
    t.equal(badUrl.statusCode, 400, 'a lone surrogate percent-encoded in a path segment');
    t.same(problem(badUrl).errors, [{ field: 'path', message: 'not valid percent-encoded UTF-8' }]);
    t.notMatch(badUrl.payload, /7501010010/);
    t.equal(badUrl.headers['x-content-type-options'], 'nosniff', 'with the security headers');
    t.equal(badUrl.headers['cache-control'], 'no-store');
    const long = await get(`/v1/things/${'7'.repeat(600)}`);
    t.equal(long.statusCode, 414, 'a path segment over the router limit');
    t.equal(problem(long).code, 'URI_TOO_LONG');
    t.notMatch(long.payload, /7777777777/);
  });

  t.test('a fault of our own is logged without its message, which may quote the request', async (t) => {
    const r = await get(`/v1/things/fault?name=${encodeURIComponent('Петрова')}`);
    t.equal(r.statusCode, 500);
    t.notMatch(r.payload, /Петрова|could not file/, 'the answer says nothing but the correlation id');
    t.match(log.text(), /"type":"Error"/, 'the fault is logged');
    t.notMatch(log.text(), /Петрова|could not file/, 'without its message');
  });

  t.test('a 404 names neither the path nor anything in it', async (t) => {
    const r = await get('/v1/people/7501010010?identifier=7501010010');
    t.equal(r.statusCode, 404);
    t.notMatch(r.payload, /7501010010|people/);
    t.match(problem(r).instance, /^urn:casework:request:/);
    const known = await get('/v1/things/01900000-0000-7000-8000-000000000009');
    t.equal(problem(known).instance, '/v1/things/{thingId}', 'a matched route is named by its template');
    t.notMatch(log.text(), /7501010010|people/);
  });

  t.test('security headers', async (t) => {
    const r = await get('/v1/things');
    t.equal(r.headers['x-content-type-options'], 'nosniff');
    t.equal(r.headers['cache-control'], 'no-store');
    t.equal(r.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
    t.equal(r.headers['x-frame-options'], 'DENY');
    t.equal(r.headers['strict-transport-security'], undefined, 'not over plain HTTP');
    const proxied = await get('/v1/things', { 'x-forwarded-proto': 'https' });
    t.equal(proxied.headers['strict-transport-security'], undefined, 'an untrusted proxy header is ignored');
    const error = await get('/v1/nothing');
    t.equal(error.headers['cache-control'], 'no-store', 'problems too');
    t.equal(error.headers['x-content-type-options'], 'nosniff');
    const docs = await app.inject({ url: '/docs' });
    t.equal(docs.headers['x-content-type-options'], 'nosniff');
    t.equal(
      docs.headers['content-security-policy'],
      "frame-ancestors 'none'",
      'the docs UI runs its scripts',
    );
    t.equal(docs.headers['x-frame-options'], 'DENY', 'but no page frames it: a token is pasted there');
  });

  t.test('headers over 16 KiB are 431 problem+json, not the parser’s bare answer', async (t) => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const answer = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/v1/things', headers: { 'x-big': 'a'.repeat(20_000) } },
        (res) => {
          let text = '';
          res.on('data', (d) => {
            text += d;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: text }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
    t.equal(answer.status, 431);
    t.equal(answer.type, 'application/problem+json');
    t.match(JSON.parse(answer.body), { status: 431, code: 'HEADERS_TOO_LARGE' });
  });
});

t.test('HSTS behind a trusted proxy that terminated TLS', async (t) => {
  const k = await kitApp(t, { trustProxy: true });
  const r = await k.app.inject({
    url: '/v1/things',
    headers: { ...(await k.as('BLG01')), 'x-forwarded-proto': 'https' },
  });
  t.match(r.headers['strict-transport-security'], /^max-age=\d+/);
});

t.test('the log redacts personal data at any depth', async (t) => {
  const log = capture();
  const k = await kitApp(t, { logStream: log.stream });
  k.app.log.info(
    {
      outer: {
        list: [
          {
            deeper: {
              identifier: { kind: 'egn', value: '7501010010' },
              givenName: 'Ивана',
              family_name: 'Петрова',
              address: { line: 'ул. Витоша 1' },
              nested: { egn: '7501010011', Email: 'ivana@example.test', note: 'ЕГН 7501010012 в текста' },
            },
          },
        ],
      },
      url: '/v1/clients?identifier=7501010013',
      headers: { authorization: 'Bearer secret-token' },
    },
    'a deeply nested record 7501010014',
  );
  k.app.log.error({ err: new Error('invalid input syntax for type uuid: "Петрова"') }, 'failed');
  k.app.log.warn(
    { projection: 'x', err: 'invalid input syntax for type date: "Петрова \\"Ивана\\""' },
    'retry',
  );
  const text = log.text();
  t.match(text, /a deeply nested record/);
  t.match(
    text,
    /invalid input syntax for type date: \\"…\\"/,
    'an error text keeps its words, not its values',
  );
  t.notMatch(text, /type uuid/, 'an error is logged by its type, never its message');
  t.match(text, /"err":\{"type":"Error","stack":"\s+at /);
  for (const secret of [
    '7501010010',
    '7501010011',
    '7501010012',
    '7501010013',
    '7501010014',
    'Ивана',
    'Петрова',
    'Витоша',
    'ivana@example.test',
    'secret-token',
  ]) {
    t.notOk(text.includes(secret), `no ${secret}`);
  }
  t.match(text, /\[redacted\]/);
});
