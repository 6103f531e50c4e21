import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { placement } from '@casework/placement';
import { eventually, freePort, requestsAs, type TestApp, testApp } from '@casework/testkit';
import { Webhook } from 'standardwebhooks';
import t, { type Test } from 'tap';

type Received = { id: string; subject: string; body: string; headers: IncomingMessage['headers'] };
type Caller = { authorization: string };

/**
 * A local receiver whose answers the test sets as it goes: fail with 500, hang past the sender's timeout,
 * or accept. What it accepted (answered 2xx) is kept in order; every request is counted.
 */
async function receiver(t: Test) {
  const state = { mode: 'accept' as 'accept' | 'fail' | 'hang', requests: 0, accepted: [] as Received[] };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      state.requests++;
      if (state.mode === 'fail') return res.writeHead(500).end('down for maintenance');
      if (state.mode === 'hang') return; // never answers: the sender's timeout ends it
      const id = String(req.headers['webhook-id']);
      state.accepted.push({ id, subject: JSON.parse(body).subject, body, headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, state };
}

const fast = { retryBaseMs: 40, retryMaxDelayMs: 300, timeoutMs: 250, pollMs: 40 };

/** A site of a municipality, opened by its supervisor: one event, `SiteOpened`, on the site's stream. */
async function openSite(h: TestApp, municipality: string, name = 'Synthetic protected housing') {
  const supervisor = await h.as(['supervisor'], { municipality });
  const r = await requestsAs(h.app, supervisor).post('/v1/sites', {
    name,
    serviceType: 'protected_housing',
    municipality,
    address: 'Synthetic street 1',
    provider: 'Synthetic provider',
    funding: 'state_delegated',
    openedOn: '2026-01-05',
    places: 4,
  });
  if (r.statusCode !== 201) throw new Error(`site: ${r.statusCode} ${r.body}`);
  const siteId = r.json().siteId as string;
  const resize = async (places: number) => {
    const c = await requestsAs(h.app, supervisor).post(`/v1/sites/${siteId}/capacity`, {
      from: '2027-01-01',
      places,
    });
    if (c.statusCode !== 200) throw new Error(`capacity: ${c.statusCode} ${c.body}`);
  };
  return { siteId, resize };
}

t.test(
  'webhooks: a receiver that fails, hangs and recovers gets each event once, in order, signed',
  async (t) => {
    const h = await testApp(t, [placement], { webhooks: fast });
    const rx = await receiver(t);
    const integrator = await h.as(['integrator'], { municipality: 'BLG01' }, 'erp-bansko');
    const { post, get } = requestsAs(h.app, integrator);

    const created = await post(
      '/v1/webhooks/placement',
      { url: rx.url, types: ['SiteOpened', 'CapacityChanged'], description: 'Synthetic ERP' },
      { ...integrator, 'idempotency-key': 'register-erp-1' },
    );
    t.equal(created.statusCode, 201, created.body);
    const endpoint = created.json();
    t.match(endpoint.secret, /^whsec_/);
    t.match(created.headers.location, `/v1/webhooks/placement/${endpoint.endpointId}`);
    const again = await post(
      '/v1/webhooks/placement',
      { url: rx.url, types: ['SiteOpened', 'CapacityChanged'], description: 'Synthetic ERP' },
      { ...integrator, 'idempotency-key': 'register-erp-1' },
    );
    t.same(again.json(), endpoint, 'a retried registration (same key) answers the first, secret and all');
    t.equal((await get('/v1/webhooks/placement')).json().items.length, 1, 'one endpoint, not two');
    t.notOk('secret' in (await get(`/v1/webhooks/placement/${endpoint.endpointId}`)).json(), 'shown once');

    // the receiver is down while the first events happen, then hangs, then recovers
    rx.state.mode = 'fail';
    const sites = [];
    for (let n = 1; n <= 4; n++) sites.push(await openSite(h, 'BLG01', `Synthetic site ${n}`));
    for (const site of sites) for (const places of [5, 6]) await site.resize(places);
    await eventually(async () => (rx.state.requests >= 4 ? true : undefined));
    rx.state.mode = 'hang';
    const hung = rx.state.requests;
    await eventually(async () => (rx.state.requests >= hung + 2 ? true : undefined));
    rx.state.mode = 'accept';

    // what placement published of those types, in its order: 4 openings, 8 resizings
    const expected = (await h.database.db
      .selectFrom('placement.events' as never)
      .select(['event_id as id' as never, 'stream_id as subject' as never])
      .where('type' as never, 'in', ['SiteOpened', 'CapacityChanged'] as never)
      .orderBy('transaction_id' as never)
      .orderBy('global_position' as never)
      .execute()) as unknown as { id: string; subject: string }[];
    t.equal(expected.length, 12);
    await eventually(async () => (rx.state.accepted.length >= 12 ? true : undefined), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more comes
    const ids = rx.state.accepted.map((a) => a.id);
    t.equal(ids.length, 12, 'each event accepted once');
    t.same(new Set(ids), new Set(expected.map((e) => e.id)), 'every event');
    for (const subject of new Set(expected.map((e) => e.subject)))
      t.same(
        rx.state.accepted.filter((a) => a.subject === subject).map((a) => a.id),
        expected.filter((e) => e.subject === subject).map((e) => e.id),
        `${subject}: in order`,
      );
    const wh = new Webhook(endpoint.secret);
    for (const a of rx.state.accepted) {
      const verified = wh.verify(a.body, a.headers as Record<string, string>) as { id: string };
      t.equal(verified.id, a.id, 'signature valid, the body is the event');
      t.notMatch(a.body, /Synthetic (street|provider|site)/, 'references only');
    }
    t.ok(rx.state.requests > 12, `failures were retried (${rx.state.requests} requests for 12 events)`);

    // the delivery log tells the story of the first event
    const log = (await get(`/v1/webhooks/placement/${endpoint.endpointId}/deliveries?limit=100`)).json();
    t.equal(log.items.length, 12);
    const first = log.items.find((d: { eventId: string }) => d.eventId === expected[0]!.id);
    t.equal(first.status, 'delivered');
    t.match(first.attempts[0], { status: 500, error: 'answered 500' });
    t.ok(
      log.items.some((d: { attempts: { error: string | null }[] }) =>
        d.attempts.some((a) => a.error === 'no answer in time'),
      ),
      'a timeout is logged as such',
    );
    t.same(first.attempts.at(-1).status, 204);
    const paged = (await get(`/v1/webhooks/placement/${endpoint.endpointId}/deliveries?limit=5`)).json();
    const rest = await get(
      `/v1/webhooks/placement/${endpoint.endpointId}/deliveries?limit=100&cursor=${encodeURIComponent(paged.next)}`,
    );
    t.equal(rest.json().items.length, 7, 'the log pages');

    // manual redelivery: the same event again, same id, signed again
    const redelivered = await post(
      `/v1/webhooks/placement/${endpoint.endpointId}/deliveries/${first.deliveryId}/redeliver`,
      {},
    );
    t.equal(redelivered.statusCode, 202);
    await eventually(async () => (rx.state.accepted.length === 13 ? true : undefined));
    t.equal(rx.state.accepted[12]!.id, first.eventId, 'redelivered with its webhook-id');

    // rotation: both secrets sign for a while
    const rotated = await post(`/v1/webhooks/placement/${endpoint.endpointId}/secret`, {});
    t.equal(rotated.statusCode, 200);
    await sites[0]!.resize(7);
    await eventually(async () => (rx.state.accepted.length === 14 ? true : undefined));
    const latest = rx.state.accepted[13]!;
    t.equal(String(latest.headers['webhook-signature']).split(' ').length, 2, 'two signatures');
    for (const secret of [endpoint.secret, rotated.json().secret])
      t.ok(
        new Webhook(secret).verify(latest.body, latest.headers as Record<string, string>),
        'each verifies',
      );

    // who may see the endpoint: its owner in the scope it registered in
    const ask = (caller: Caller, url: string) => requestsAs(h.app, caller).get(url);
    const other = await h.as(['integrator'], {}, 'another-integrator');
    t.equal((await ask(other, `/v1/webhooks/placement/${endpoint.endpointId}`)).statusCode, 404);
    t.same((await ask(other, '/v1/webhooks/placement')).json().items, [], 'not in its list');
    const widened = await h.as(['integrator'], {}, 'erp-bansko');
    t.equal(
      (await ask(widened, `/v1/webhooks/placement/${endpoint.endpointId}`)).statusCode,
      404,
      'the same subject with another scope may not manage it',
    );
    const cm = await h.as(['case_manager'], { municipality: 'BLG01' });
    t.equal((await ask(cm, '/v1/webhooks/placement')).statusCode, 403, 'staff register none');
  },
);

t.test('webhooks: a failure that lasts disables the endpoint; scope and bad input', async (t) => {
  const h = await testApp(t, [placement], { webhooks: { ...fast, retryForMs: 800 } });
  const bansko = await h.as(['integrator'], { municipality: 'BLG01' }, 'erp-bansko');
  const montana = await h.as(['integrator'], { oblast: 'BG-12' }, 'dashboard-montana');
  const dead = `http://127.0.0.1:${await freePort()}/nobody-listens`;
  const rx = await receiver(t);
  const register = (caller: Caller, url: string) =>
    requestsAs(h.app, caller).post('/v1/webhooks/placement', { url, types: ['SiteOpened'] });
  const failing = (await register(bansko, dead)).json();
  t.equal((await register(montana, rx.url)).statusCode, 201);

  await openSite(h, 'BLG01');
  const disabled = await eventually(async () => {
    const r = (await requestsAs(h.app, bansko).get(`/v1/webhooks/placement/${failing.endpointId}`)).json();
    return r.status === 'disabled' ? r : undefined;
  }, 15_000);
  t.match(disabled, { status: 'disabled', disabledReason: /failed/ });
  const log = (
    await requestsAs(h.app, bansko).get(`/v1/webhooks/placement/${failing.endpointId}/deliveries`)
  ).json();
  t.match(log.items, [{ status: 'failed' }]);
  t.ok(log.items[0].attempts.length > 1, 'retried before it was given up');
  t.match(log.items[0].attempts[0].error, /connection failed/);
  const refusedRedelivery = await requestsAs(h.app, bansko).post(
    `/v1/webhooks/placement/${failing.endpointId}/deliveries/${log.items[0].deliveryId}/redeliver`,
    {},
  );
  t.equal(refusedRedelivery.statusCode, 409, 'a disabled endpoint is enabled before anything is redelivered');

  // Montana's integrator: Montana's site, not Bansko's
  const { siteId } = await openSite(h, 'MON29');
  await eventually(async () => (rx.state.accepted.length >= 1 ? true : undefined));
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.same(
    rx.state.accepted.map((a) => JSON.parse(a.body).data.siteId),
    [siteId],
    "Montana's integrator got Montana's site and nothing of Bansko's",
  );

  const refused = async (body: object) => {
    const r = await requestsAs(h.app, bansko).post('/v1/webhooks/placement', body);
    t.equal(r.statusCode, 400, JSON.stringify(body));
    return r.json().errors.map((e: { field: string }) => e.field);
  };
  t.same(
    await refused({ url: rx.url, types: ['OfferMade'] }),
    ['body.types'],
    'not an event for integrators',
  );
  t.same(await refused({ url: 'ftp://example.bg/x', types: ['SiteOpened'] }), ['body.url']);
  t.same(await refused({ url: rx.url, types: [] }), ['body.types']);
  for (let n = 2; n <= 20; n++) t.equal((await register(bansko, `${rx.url}?n=${n}`)).statusCode, 201);
  const over = await register(bansko, `${rx.url}?n=21`);
  t.equal(over.statusCode, 422, 'twenty endpoints an owner');
  t.match(over.json(), { code: 'WEBHOOK_ENDPOINT_LIMIT' });
});

t.test('a slow receiver holds up no one else, and is delivered when it answers', async (t) => {
  const h = await testApp(t, [placement], { webhooks: { ...fast, timeoutMs: 5_000 } });
  const quick = await receiver(t);
  const slow = createServer((req, res) => {
    req.resume();
    req.on('end', () => setTimeout(() => res.writeHead(204).end(), 2_000));
  });
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    slow.closeAllConnections();
    return new Promise<void>((resolve) => slow.close(() => resolve()));
  });
  const integrator = await h.as(['integrator'], {}, 'erp');
  const register = (url: string) =>
    requestsAs(h.app, integrator).post('/v1/webhooks/placement', {
      url,
      types: ['SiteOpened', 'CapacityChanged'],
    });
  const tarpit = (await register(`http://127.0.0.1:${(slow.address() as AddressInfo).port}/slow`)).json();
  t.equal((await register(quick.url)).statusCode, 201);

  const site = await openSite(h, 'BLG01');
  await eventually(async () => (quick.state.accepted.length === 1 ? true : undefined));
  const started = Date.now();
  await site.resize(5);
  await eventually(async () => (quick.state.accepted.length === 2 ? true : undefined));
  t.ok(
    Date.now() - started < 1_500,
    'the quick receiver gets the next event while the slow one still answers',
  );
  const log = await eventually(async () => {
    const items = (
      await requestsAs(h.app, integrator).get(`/v1/webhooks/placement/${tarpit.endpointId}/deliveries`)
    ).json().items as { status: string; attempts: unknown[] }[];
    return items.length === 2 && items.every((d) => d.status === 'delivered') ? items : undefined;
  }, 15_000);
  t.ok(log, 'both delivered to the slow receiver, each recorded when it answered');
  t.same(
    log?.map((d) => d.attempts.length),
    [1, 1],
    'each once: an answer that came after its round went on was recorded, not sent again',
  );
});

t.test('webhooks outside tests: https only, and never into the platform’s own networks', async (t) => {
  const h = await testApp(t, [placement], { webhooks: { ...fast, allowInternalNetworks: false } });
  const integrator = await h.as(['integrator'], {}, 'erp');
  const register = (url: string) =>
    requestsAs(h.app, integrator).post('/v1/webhooks/placement', { url, types: ['SiteOpened'] });
  for (const url of [
    'http://erp.example.bg/hooks',
    'https://127.0.0.1/hooks',
    'https://[::1]/hooks',
    'https://10.1.2.3/x',
    'https://[::ffff:169.254.169.254]/x',
    'https://[64:ff9b::a9fe:a9fe]/x',
    'https://2130706433/x',
  ]) {
    const r = await register(url);
    t.equal(r.statusCode, 400, url);
    t.match(r.json(), { errors: [{ field: 'body.url' }] });
  }
  t.equal(
    (await register('https://erp.example.invalid/hooks')).statusCode,
    201,
    'a name is checked when resolved',
  );
  const local = (await register('https://localhost/hooks')).json();
  await openSite(h, 'BLG01');
  const attempt = await eventually(async () => {
    const log = (
      await requestsAs(h.app, integrator).get(`/v1/webhooks/placement/${local.endpointId}/deliveries`)
    ).json();
    return log.items[0]?.attempts[0];
  });
  t.match(
    attempt,
    { status: null, error: 'no address the endpoint may be reached at' },
    'localhost is refused',
  );
});
