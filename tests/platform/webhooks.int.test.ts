import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeEgn } from '@casework/contracts';
import { intake } from '@casework/intake';
import { eventually, freePort, requestsAs, testApp } from '@casework/testkit';
import { Webhook } from 'standardwebhooks';
import t, { type Test } from 'tap';

type Received = { id: string; subject: string; body: string; headers: IncomingMessage['headers'] };

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

t.test(
  'webhooks: a receiver that fails, hangs and recovers gets each event once, in order, signed',
  async (t) => {
    const h = await testApp(t, [intake], { webhooks: fast });
    const rx = await receiver(t);
    const integrator = await h.as(['integrator'], { municipality: 'BLG01' }, 'erp-bansko');
    const cm = await h.as(['case_manager'], { municipality: 'BLG01' });
    const { post, get } = requestsAs(h.app, integrator);

    const created = await post('/v1/webhooks/intake', {
      url: rx.url,
      types: ['ClientRegistered', 'CaseManagerAssigned'],
      description: 'Synthetic ERP',
    });
    t.equal(created.statusCode, 201, created.body);
    const endpoint = created.json();
    t.match(endpoint.secret, /^whsec_/);
    t.match(created.headers.location, `/v1/webhooks/intake/${endpoint.endpointId}`);
    t.notOk('secret' in (await get(`/v1/webhooks/intake/${endpoint.endpointId}`)).json(), 'shown once');

    // the receiver is down while the first events happen, then hangs, then recovers
    rx.state.mode = 'fail';
    const clients: string[] = [];
    for (let n = 1; n <= 4; n++) {
      const r = await requestsAs(h.app, cm).post('/v1/clients', {
        identifier: { kind: 'egn', value: composeEgn('1960-03-03', n) },
        givenName: 'Мария',
        familyName: 'Примерова',
        municipality: 'BLG01',
      });
      clients.push(r.json().clientId);
    }
    for (const clientId of clients)
      for (const who of ['cm-a', 'cm-b'])
        t.equal(
          (
            await requestsAs(h.app, cm).post(`/v1/clients/${clientId}/case-manager`, {
              caseManager: who,
              since: '2026-11-23',
            })
          ).statusCode,
          200,
        );
    await eventually(async () => (rx.state.requests >= 4 ? true : undefined));
    rx.state.mode = 'hang';
    const hung = rx.state.requests;
    await eventually(async () => (rx.state.requests >= hung + 2 ? true : undefined));
    rx.state.mode = 'accept';

    // what intake published of those types, in its order: 4 registrations, 8 assignments
    const expected = (await h.database.db
      .selectFrom('intake.events' as never)
      .select(['event_id as id' as never, 'stream_id as subject' as never])
      .where('type' as never, 'in', ['ClientRegistered', 'CaseManagerAssigned'] as never)
      .orderBy('transaction_id' as never)
      .orderBy('global_position' as never)
      .execute()) as unknown as { id: string; subject: string }[];
    t.equal(expected.length, 12);
    await eventually(async () => (rx.state.accepted.length >= 12 ? true : undefined), 20_000);
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
      const verified = wh.verify(a.body, a.headers as Record<string, string>) as { id: string; data: object };
      t.equal(verified.id, a.id, 'signature valid, the body is the event');
      t.notMatch(a.body, /1960-03-03|female|Примерова/, 'references only');
    }
    t.ok(rx.state.requests > 12, `failures were retried (${rx.state.requests} requests for 12 events)`);

    // the delivery log tells the story of the first event
    const log = (await get(`/v1/webhooks/intake/${endpoint.endpointId}/deliveries?limit=100`)).json();
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

    // manual redelivery: the same event again, same id, signed again
    const again = await post(
      `/v1/webhooks/intake/${endpoint.endpointId}/deliveries/${first.deliveryId}/redeliver`,
      {},
    );
    t.equal(again.statusCode, 202);
    await eventually(async () => (rx.state.accepted.length === 13 ? true : undefined));
    t.equal(rx.state.accepted[12]!.id, first.eventId, 'redelivered with its webhook-id');

    // rotation: both secrets sign for a while
    const rotated = await post(`/v1/webhooks/intake/${endpoint.endpointId}/secret`, {});
    t.equal(rotated.statusCode, 200);
    await requestsAs(h.app, cm).post(`/v1/clients/${clients[0]}/case-manager`, {
      caseManager: 'cm-c',
      since: '2026-11-24',
    });
    await eventually(async () => (rx.state.accepted.length === 14 ? true : undefined));
    const latest = rx.state.accepted[13]!;
    t.equal(String(latest.headers['webhook-signature']).split(' ').length, 2, 'two signatures');
    for (const secret of [endpoint.secret, rotated.json().secret])
      t.ok(
        new Webhook(secret).verify(latest.body, latest.headers as Record<string, string>),
        'each verifies',
      );

    // who may see the endpoint
    const other = await h.as(['integrator'], {}, 'another-integrator');
    t.equal(
      (await requestsAs(h.app, other).get(`/v1/webhooks/intake/${endpoint.endpointId}`)).statusCode,
      404,
    );
    t.same((await requestsAs(h.app, other).get('/v1/webhooks/intake')).json().items, [], 'not in its list');
    t.equal((await requestsAs(h.app, cm).get('/v1/webhooks/intake')).statusCode, 403, 'staff register none');
  },
);

t.test('webhooks: a failure that lasts disables the endpoint; scope and bad input', async (t) => {
  const h = await testApp(t, [intake], { webhooks: { ...fast, retryForMs: 800 } });
  const cm = await h.as(['case_manager'], { municipality: 'BLG01' });
  const bansko = await h.as(['integrator'], { municipality: 'BLG01' }, 'erp-bansko');
  const montana = await h.as(['integrator'], { oblast: 'BG-12' }, 'dashboard-montana');
  const dead = `http://127.0.0.1:${await freePort()}/nobody-listens`;
  const rx = await receiver(t);
  const failing = (
    await requestsAs(h.app, bansko).post('/v1/webhooks/intake', { url: dead, types: ['ClientRegistered'] })
  ).json();
  const elsewhere = await requestsAs(h.app, montana).post('/v1/webhooks/intake', {
    url: rx.url,
    types: ['ClientRegistered'],
  });
  t.equal(elsewhere.statusCode, 201);

  await requestsAs(h.app, cm).post('/v1/clients', {
    identifier: { kind: 'egn', value: composeEgn('1961-04-04', 9) },
    givenName: 'Ана',
    familyName: 'Примерова',
    municipality: 'BLG01',
  });
  const disabled = await eventually(async () => {
    const r = (await requestsAs(h.app, bansko).get(`/v1/webhooks/intake/${failing.endpointId}`)).json();
    return r.status === 'disabled' ? r : undefined;
  }, 15_000);
  t.match(disabled, { status: 'disabled', disabledReason: /failed/ });
  const log = (
    await requestsAs(h.app, bansko).get(`/v1/webhooks/intake/${failing.endpointId}/deliveries`)
  ).json();
  t.match(log.items, [{ status: 'failed' }]);
  t.ok(log.items[0].attempts.length > 1, 'retried before it was given up');
  t.match(log.items[0].attempts[0].error, /connection failed/);
  t.equal(rx.state.accepted.length, 0, "Montana's integrator got nothing of Bansko");

  const refused = async (body: object) => {
    const r = await requestsAs(h.app, bansko).post('/v1/webhooks/intake', body);
    t.equal(r.statusCode, 400, JSON.stringify(body));
    return r.json().errors.map((e: { field: string }) => e.field);
  };
  t.same(
    await refused({ url: rx.url, types: ['ClientPersonalDetailsRecorded'] }),
    ['body.types'],
    'internal event',
  );
  t.same(await refused({ url: 'ftp://example.bg/x', types: ['ClientRegistered'] }), ['body.url']);
  t.same(await refused({ url: rx.url, types: [] }), ['body.types']);
});

t.test('webhooks outside tests: https only, and never into the platform’s own networks', async (t) => {
  const h = await testApp(t, [intake], { webhooks: { ...fast, allowInternalNetworks: false } });
  const integrator = await h.as(['integrator'], {}, 'erp');
  for (const url of [
    'http://erp.example.bg/hooks',
    'https://127.0.0.1/hooks',
    'https://[::1]/hooks',
    'https://10.1.2.3/x',
  ]) {
    const r = await requestsAs(h.app, integrator).post('/v1/webhooks/intake', {
      url,
      types: ['ClientRegistered'],
    });
    t.equal(r.statusCode, 400, url);
    t.match(r.json(), { errors: [{ field: 'body.url' }] });
  }
  const named = await requestsAs(h.app, integrator).post('/v1/webhooks/intake', {
    url: 'https://localhost.localdomain.invalid/hooks',
    types: ['ClientRegistered'],
  });
  t.equal(named.statusCode, 201, 'a name is checked when it is resolved, at delivery');
  const local = (
    await requestsAs(h.app, integrator).post('/v1/webhooks/intake', {
      url: 'https://localhost/hooks',
      types: ['ClientRegistered'],
    })
  ).json();
  const cm = await h.as(['case_manager'], { municipality: 'BLG01' });
  await requestsAs(h.app, cm).post('/v1/clients', {
    identifier: { kind: 'egn', value: composeEgn('1962-05-05', 3) },
    givenName: 'Ана',
    familyName: 'Примерова',
    municipality: 'BLG01',
  });
  const attempt = await eventually(async () => {
    const log = (
      await requestsAs(h.app, integrator).get(`/v1/webhooks/intake/${local.endpointId}/deliveries`)
    ).json();
    return log.items[0]?.attempts[0];
  });
  t.match(
    attempt,
    { status: null, error: 'the endpoint resolves to an internal address' },
    'localhost is refused',
  );
});
