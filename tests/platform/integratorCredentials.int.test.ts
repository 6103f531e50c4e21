import { intake } from '@casework/intake';
import { placement } from '@casework/placement';
import { eventually, requestsAs, testApp } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';

type Call = { integrator: string; method: string; route: string; status: number; correlationId: string };

/**
 * Issue 20: integrators' client credentials. An admin registers a municipality's integrator and gets its
 * client id and secret; the integrator exchanges them (HTTP Basic, form-encoded, as OAuth libraries do,
 * or in a JSON body) for a 10-minute token with its scope; every call it makes, refused ones and token
 * requests included, is in the call log before its answer; secrets rotate with a day's overlap; a
 * revoked integrator gets no token.
 */
t.test('client credentials: register, exchange, call, audit, rotate, revoke', async (t) => {
  let now = new Date('2026-12-01T09:00:00Z');
  const h = await testApp(t, [intake, placement], { clock: () => now });
  const admin = await h.as(['admin'], {}, 'admin-1');
  const as = requestsAs(h.app, admin);

  // only an admin registers, and a registration names one scope
  const cm = await h.as(['case_manager'], { municipality: 'BLG01' });
  t.equal((await requestsAs(h.app, cm).post('/v1/integrators', { name: 'x' })).statusCode, 403);
  const both = await as.post('/v1/integrators', { name: 'x', municipality: 'BLG01', oblast: 'BG-01' });
  t.equal(both.statusCode, 400);
  t.match(both.json().errors, [{ field: 'body.oblast' }]);

  const registered = await as.post(
    '/v1/integrators',
    { name: 'Bansko municipal ERP', municipality: 'BLG01' },
    { ...admin, 'idempotency-key': 'register-bansko-erp' },
  );
  t.equal(registered.statusCode, 201, registered.body);
  const erp = registered.json();
  t.match(erp, { clientId: erp.integratorId, scope: { municipality: 'BLG01' }, status: 'active' });
  t.match(erp.clientSecret, /^cws_[A-Za-z0-9_-]{43}$/);
  // a retried registration answers the same integrator and secret, and registers no second one
  const replayed = await as.post(
    '/v1/integrators',
    { name: 'Bansko municipal ERP', municipality: 'BLG01' },
    { ...admin, 'idempotency-key': 'register-bansko-erp' },
  );
  t.same(replayed.json(), erp);
  t.equal((await as.get('/v1/integrators')).json().items.length, 1);
  t.notOk('clientSecret' in (await as.get(`/v1/integrators/${erp.integratorId}`)).json(), 'shown once');

  const basic = (id: string, secret: string) =>
    `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  const token = (authorization: string | undefined, form: Record<string, string>, headers = {}) =>
    h.app.inject({
      method: 'POST',
      url: '/v1/oauth/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(authorization ? { authorization } : {}),
        ...headers,
      },
      payload: new URLSearchParams(form).toString(),
    });

  const issued = await token(basic(erp.clientId, erp.clientSecret), { grant_type: 'client_credentials' });
  t.equal(issued.statusCode, 200, issued.body);
  t.equal(issued.headers['cache-control'], 'no-store');
  const { access_token, token_type, expires_in } = issued.json();
  t.equal(token_type, 'Bearer');
  t.equal(expires_in, 600);
  const claims = JSON.parse(Buffer.from(access_token.split('.')[1], 'base64url').toString());
  t.match(claims, { sub: `integrator:${erp.integratorId}`, roles: ['integrator'], municipality: 'BLG01' });
  t.equal(claims.exp - claims.iat, 600, 'a token of ten minutes');
  // the same in a JSON body (client_secret_post)
  const posted = await h.app.inject({
    method: 'POST',
    url: '/v1/oauth/token',
    payload: { grant_type: 'client_credentials', client_id: erp.clientId, client_secret: erp.clientSecret },
  });
  t.equal(posted.statusCode, 200, posted.body);

  // refusals: OAuth's error beside the problem's code, the field named where there is one
  const wrong = await token(basic(erp.clientId, `${erp.clientSecret}x`), {
    grant_type: 'client_credentials',
  });
  t.equal(wrong.statusCode, 401);
  t.match(wrong.headers['content-type'], /application\/problem\+json/);
  t.match(wrong.json(), { error: 'invalid_client', status: 401 });
  t.equal(wrong.headers['www-authenticate'], 'Basic realm="casework"');
  const grant = await token(basic(erp.clientId, erp.clientSecret), { grant_type: 'password' });
  t.equal(grant.statusCode, 400);
  t.match(grant.json(), { error: 'unsupported_grant_type', errors: [{ field: 'body.grant_type' }] });
  // an Idempotency-Key does not replay a token to a caller without the secret
  const keyed = { 'idempotency-key': 'token-1' };
  t.equal(
    (await token(basic(erp.clientId, erp.clientSecret), { grant_type: 'client_credentials' }, keyed))
      .statusCode,
    200,
  );
  t.equal(
    (await token(basic(erp.clientId, 'guess'), { grant_type: 'client_credentials' }, keyed)).statusCode,
    401,
  );
  const stranger = await token(basic('not-a-client', 'guess'), { grant_type: 'client_credentials' });
  t.equal(stranger.statusCode, 401);

  // the integrator calls with its token: its municipality's feed, another municipality's sites refused
  const bearer = { authorization: `Bearer ${access_token}` };
  const feed = await requestsAs(h.app, bearer).get('/v1/events/placement');
  t.equal(feed.statusCode, 200, feed.body);
  const elsewhere = await requestsAs(h.app, bearer).get('/v1/sites?municipality=MON29');
  t.equal(elsewhere.statusCode, 403, elsewhere.body);

  // each call is logged by the time its answer arrives, with its route template and status
  const calls = async (
    service: string,
    caller = admin,
    query = `?integrator=integrator:${erp.integratorId}`,
  ) => {
    const r = await requestsAs(h.app, caller).get(`/v1/integrator-calls/${service}${query}`);
    t.equal(r.statusCode, 200, r.body);
    return r.json().items as Call[];
  };
  const placementCalls = await calls('placement');
  t.same(
    placementCalls.map((c) => [c.method, c.route, c.status]),
    [
      ['GET', '/v1/sites', 403],
      ['GET', '/v1/events/placement', 200],
    ],
  );
  t.equal(placementCalls[0]!.correlationId, elsewhere.headers['x-correlation-id']);
  const tokenCalls = await calls('intake');
  t.same(
    tokenCalls.map((c) => c.status),
    [401, 200, 401, 200, 200],
    'token requests, newest first: the guessed secret, the keyed one, the wrong secret, two issued',
  );
  t.ok(tokenCalls.every((c) => c.route === '/v1/oauth/token'));
  t.same(
    (await calls('intake', admin, '')).filter((c) => !c.integrator.startsWith('integrator:')),
    [],
    'a request naming no registered integrator (anyone may send one) keeps no row for a year',
  );
  const missing = await token(basic(erp.clientId, erp.clientSecret), {});
  t.match(missing.json(), { status: 400, error: 'invalid_request', errors: [{ field: 'body.grant_type' }] });
  // a route outside every service's own (an admin route) is logged too, in the first service's log
  const adminRoute = await requestsAs(h.app, bearer).get('/v1/admin/placement/dead-letters');
  t.equal(adminRoute.statusCode, 403);
  t.match((await calls('intake'))[0], { route: '/v1/admin/{service}/dead-letters', status: 403 });

  // the integrator reads its own calls only; the log pages
  const own = await calls('placement', bearer, '?limit=1');
  t.equal(own.length, 1);
  const other = await h.as(['integrator'], {}, 'integrator:someone-else');
  t.same(await calls('placement', other, ''), [], "another integrator's calls are not shown");
  const page = await requestsAs(h.app, admin).get('/v1/integrator-calls/placement?limit=1');
  const rest = await requestsAs(h.app, admin).get(
    `/v1/integrator-calls/placement?limit=1&after=${encodeURIComponent(page.json().next)}`,
  );
  t.equal(rest.json().items[0].status, 200, 'the second page holds the older call');

  // rotation: the new secret at once, the old one for a day more, then no longer
  const rotated = await as.post(`/v1/integrators/${erp.integratorId}/secret`, {});
  t.equal(rotated.statusCode, 200, rotated.body);
  t.equal(rotated.json().previousValidUntil, '2026-12-02T09:00:00.000Z');
  const form = { grant_type: 'client_credentials' };
  t.equal((await token(basic(erp.clientId, rotated.json().clientSecret), form)).statusCode, 200);
  t.equal(
    (await token(basic(erp.clientId, erp.clientSecret), form)).statusCode,
    200,
    'the old within the day',
  );
  now = new Date('2026-12-02T09:00:01Z');
  t.equal((await token(basic(erp.clientId, erp.clientSecret), form)).statusCode, 401, 'the old after it');
  t.equal((await token(basic(erp.clientId, rotated.json().clientSecret), form)).statusCode, 200);

  // a leaked secret stops at once
  const leaked = await as.post(`/v1/integrators/${erp.integratorId}/secret?keepPrevious=false`, {});
  t.equal(leaked.json().previousValidUntil, now.toISOString());
  t.equal((await token(basic(erp.clientId, rotated.json().clientSecret), form)).statusCode, 401, 'stopped');
  t.equal((await token(basic(erp.clientId, leaked.json().clientSecret), form)).statusCode, 200);

  // revocation: no token again, no secret again
  const revoked = await as.post(`/v1/integrators/${erp.integratorId}/revoke`, {});
  t.match(revoked.json(), { status: 'revoked', revokedAt: String });
  t.equal((await token(basic(erp.clientId, leaked.json().clientSecret), form)).statusCode, 401);
  t.equal((await as.post(`/v1/integrators/${erp.integratorId}/secret`, {})).statusCode, 409);
  t.equal((await as.post('/v1/integrators/01900000-0000-7000-8000-000000000000/revoke', {})).statusCode, 404);
});

t.test('token requests are limited per client address, wrong secrets and right ones alike', async (t) => {
  const h = await testApp(t, [intake], { rateLimits: { token: 3 } });
  const admin = await h.as(['admin'], {}, 'admin-1');
  const erp = (
    await requestsAs(h.app, admin).post('/v1/integrators', { name: 'ERP', oblast: 'BG-01' })
  ).json();
  const token = (secret: string, remoteAddress: string) =>
    h.app.inject({
      method: 'POST',
      url: '/v1/oauth/token',
      remoteAddress,
      payload: { grant_type: 'client_credentials', client_id: erp.clientId, client_secret: secret },
    });
  const guesses = [];
  for (let i = 0; i < 3; i++) guesses.push((await token(`cws_guess${i}`, '192.0.2.7')).statusCode);
  t.same(guesses, [401, 401, 401], 'three wrong guesses answered');
  const fourth = await token(erp.clientSecret, '192.0.2.7');
  t.equal(fourth.statusCode, 429, 'the fourth request from the address is refused, even with the secret');
  t.match(fourth.headers['content-type'], /^application\/problem\+json/);
  t.ok(Number(fourth.headers['retry-after']) > 0, 'with Retry-After');
  t.notOk('access_token' in fourth.json(), 'and no token');
  t.equal((await token(erp.clientSecret, '192.0.2.8')).statusCode, 200, 'another address has its own');
});

t.test('behind the ingress, the limit counts the address it forwards, an IPv6 /64 as one', async (t) => {
  // TRUST_PROXY names the ingress: X-Forwarded-For, which it overwrites with the address it saw, counts
  const h = await testApp(t, [intake], { rateLimits: { token: 2 }, trustProxy: '127.0.0.1' });
  const token = (forwardedFor: string, remoteAddress = '127.0.0.1') =>
    h.app.inject({
      method: 'POST',
      url: '/v1/oauth/token',
      remoteAddress,
      headers: { 'x-forwarded-for': forwardedFor },
      payload: { grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'cws_nothing' },
    });
  const statuses = async (...calls: [string, string?][]) => {
    const out = [];
    for (const [forwardedFor, remoteAddress] of calls)
      out.push((await token(forwardedFor, remoteAddress)).statusCode);
    return out;
  };
  t.same(await statuses(['198.51.100.1'], ['198.51.100.1'], ['198.51.100.1']), [401, 401, 429]);
  t.same(await statuses(['198.51.100.2']), [401], 'another client behind the same ingress has its own');
  t.same(
    await statuses(['2001:db8:1:2::1'], ['2001:db8:1:2::ffff'], ['2001:db8:1:2:abcd::9']),
    [401, 401, 429],
    'addresses of one IPv6 /64 share one',
  );
  t.same(await statuses(['2001:db8:1:3::1']), [401], 'the next /64 has its own');
  t.same(
    await statuses(
      ['203.0.113.9', '192.0.2.50'],
      ['203.0.113.9', '192.0.2.50'],
      ['203.0.113.10', '192.0.2.50'],
    ),
    [401, 401, 429],
    'from a proxy not trusted, the header counts for nothing: the sender is the address',
  );
});

t.test("a revoked integrator's webhook endpoints are disabled in every service", async (t) => {
  const h = await testApp(t, [intake, placement]);
  const admin = await h.as(['admin'], {}, 'admin-1');
  const as = requestsAs(h.app, admin);
  const erp = (await as.post('/v1/integrators', { name: 'ERP', municipality: 'BLG01' })).json();
  const other = (await as.post('/v1/integrators', { name: 'Dashboard', municipality: 'BLG01' })).json();
  const tokenOf = async (i: { clientId: string; clientSecret: string }) => {
    const r = await h.app.inject({
      method: 'POST',
      url: '/v1/oauth/token',
      payload: { grant_type: 'client_credentials', client_id: i.clientId, client_secret: i.clientSecret },
    });
    return { authorization: `Bearer ${r.json().access_token}` };
  };
  const endpointOf = async (i: { clientId: string; clientSecret: string }) => {
    const r = await requestsAs(h.app, await tokenOf(i)).post('/v1/webhooks/placement', {
      url: 'https://erp.example.bg/casework/webhooks',
      types: ['Discharged'],
    });
    t.equal(r.statusCode, 201, r.body);
    return r.json().endpointId as string;
  };
  const erpEndpoint = await endpointOf(erp);
  const otherEndpoint = await endpointOf(other);
  // a token the integrator holds: it stays valid up to 10 minutes after the revocation
  const held = requestsAs(h.app, await tokenOf(erp));
  const statusOf = async (id: string) => (await as.get(`/v1/webhooks/placement/${id}`)).json();

  t.equal((await as.post(`/v1/integrators/${erp.integratorId}/revoke`, {})).statusCode, 200);
  const disabled = await eventually(async () => {
    const e = await statusOf(erpEndpoint);
    return e.status === 'disabled' ? e : undefined;
  });
  t.match(disabled, { status: 'disabled', disabledReason: /revoked/ }, 'placement disabled it on the event');
  t.match(await statusOf(otherEndpoint), { status: 'enabled' }, "another integrator's stays enabled");
  const again = await held.post('/v1/webhooks/placement', {
    url: 'https://erp.example.bg/casework/again',
    types: ['Discharged'],
  });
  t.equal(again.statusCode, 403, 'its token, still valid, registers no endpoint again');
  t.equal(
    (await held.post(`/v1/webhooks/placement/${erpEndpoint}/enable`, {})).statusCode,
    403,
    'nor enables',
  );
  t.equal(
    (await as.post(`/v1/webhooks/placement/${erpEndpoint}/enable`, {})).statusCode,
    403,
    'and an admin does not either: its endpoints stay disabled',
  );
  t.equal((await as.post(`/v1/webhooks/placement/${otherEndpoint}/enable`, {})).statusCode, 200);
  // revoking again appends nothing: the event is intake's record of the one revocation
  t.equal((await as.post(`/v1/integrators/${erp.integratorId}/revoke`, {})).statusCode, 200);
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM intake.events
    WHERE type = 'IntegratorRevoked'`.execute(h.app.hosted[0]!.ctx.store.db);
  t.equal(rows[0]!.n, 1, 'one IntegratorRevoked');
});
