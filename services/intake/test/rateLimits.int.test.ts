import { composeEgn } from '@casework/contracts';
import { InProcessTransport } from '@casework/messaging';
import { buildApp, bulkLoadHeaders } from '@casework/service-kit';
import { requestsAs, TEST_IDENTIFIER_KEY, TEST_SIGNING_KEY } from '@casework/testkit';
import type { LightMyRequestResponse } from 'fastify';
import t, { type Test } from 'tap';
import { intake } from '../src/plugin.js';
import { setUp } from './harness.js';

/**
 * Issue 14 (holes 2 and 11): the limits hold under concurrency and across instances. The probe
 * throttle takes its slot before the command runs; the counters live in the service's schema, so two
 * instances on one database share one budget per caller; corrections are limited like registrations.
 */

const PROBLEM = 'application/problem+json; charset=utf-8';

const person = (serial: number, municipality: string) => ({
  identifier: { kind: 'egn', value: composeEgn('1985-04-12', serial) },
  givenName: 'Иван',
  familyName: 'Тестов',
  municipality,
});
const provisional = (municipality: string, givenName = 'John') => ({
  givenName,
  familyName: 'Doe',
  municipality,
  birthDate: '1990-01-01',
});
const correctTo = (serial: number) => ({
  identifier: { kind: 'egn', value: composeEgn('1985-04-12', serial) },
  reason: 'typo in the ЕГН',
});

const statuses = (rs: LightMyRequestResponse[]) =>
  rs.reduce<Record<string, number>>((n, r) => {
    const k = r.statusCode === 409 ? `409 ${r.json().code}` : String(r.statusCode);
    n[k] = (n[k] ?? 0) + 1;
    return n;
  }, {});

const isRateLimited = (t: Test, r: LightMyRequestResponse) => {
  t.equal(r.headers['content-type'], PROBLEM, '429 is problem+json');
  t.ok(Number(r.headers['retry-after']) > 0, 'with Retry-After');
  t.match(r.json(), { status: 429, code: 'RATE_LIMITED' });
};

t.test('hole 2: concurrent probes cannot run more than the allowance', async (t) => {
  const h = await setUp(t, { rateLimits: { identifierProbes: 5, registration: 0, search: 0 } });
  const montana = await h.as(['case_manager'], { municipality: 'MON29' }, 'cm-montana');
  for (let i = 0; i < 40; i++) await h.register(300 + i);
  const mine = await h.post('/v1/clients', provisional('MON29'), montana);
  t.equal(mine.statusCode, 201, "Montana's own provisional client");
  const before = await h.eventCount();

  const corrections = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      h.post(`/v1/clients/${mine.json().clientId}/corrections`, correctTo(300 + i), montana),
    ),
  );
  t.same(
    statuses(corrections),
    { '409 CLIENT_REGISTERED_ELSEWHERE': 5, 429: 35 },
    '40 concurrent corrections to identifiers held elsewhere: 5 answered, the rest throttled',
  );
  isRateLimited(t, corrections.find((r) => r.statusCode === 429)!);
  t.equal(await h.eventCount(), before, 'nothing written');

  const colleague = await h.as(['case_manager'], { municipality: 'MON29' }, 'cm-montana-2');
  const registrations = await Promise.all(
    Array.from({ length: 40 }, (_, i) => h.post('/v1/clients', person(300 + i, 'MON29'), colleague)),
  );
  t.same(
    statuses(registrations),
    { '409 CLIENT_REGISTERED_ELSEWHERE': 5, 429: 35 },
    '40 concurrent registrations of people held elsewhere: 5 answered, the rest throttled',
  );
  isRateLimited(t, registrations.find((r) => r.statusCode === 429)!);

  const third = await h.as(['case_manager'], { municipality: 'MON29' }, 'cm-montana-3');
  const mixed = await Promise.all([
    ...[0, 1, 2, 3].map((i) => h.post('/v1/clients', person(350 + i, 'MON29'), third)),
    h.post('/v1/clients', person(300, 'MON29'), third),
  ]);
  t.same(
    statuses(mixed),
    { 201: 4, '409 CLIENT_REGISTERED_ELSEWHERE': 1 },
    'registrations of new people give their slot back: only the probe stays counted',
  );
  const busy = await Promise.all(
    Array.from({ length: 10 }, (_, i) => h.post('/v1/clients', person(360 + i, 'MON29'), third)),
  );
  const s = statuses(busy);
  t.ok((s[201] ?? 0) >= 4 && (s[201] ?? 0) + (s[429] ?? 0) === 10, 'new people are registered');
  for (const r of busy.filter((r) => r.statusCode === 429))
    t.equal(r.headers['retry-after'], '1', 'a slot held by a request in flight: retry in a moment');
  const provisionals = await Promise.all(
    ['Anna', 'Boris', 'Carl', 'Dora', 'Emil', 'Fani'].map((name) =>
      h.post('/v1/clients', provisional('MON29', name), third),
    ),
  );
  t.same(statuses(provisionals), { 201: 6 }, 'a registration naming no identifier takes no slot');
  const after = await Promise.all(
    Array.from({ length: 6 }, (_, i) => h.post('/v1/clients', person(301 + i, 'MON29'), third)),
  );
  t.same(
    statuses(after),
    { '409 CLIENT_REGISTERED_ELSEWHERE': 4, 429: 2 },
    'so only the probes count against the allowance',
  );
});

t.test('hole 11: two instances of intake share one budget per caller', async (t) => {
  const rateLimits = { registration: 6, search: 4, identifierProbes: 4 };
  const h = await setUp(t, { rateLimits });
  const transport = new InProcessTransport();
  const other = await buildApp({
    services: [intake],
    database: h.database,
    transport,
    auth: { signingKey: TEST_SIGNING_KEY },
    identifierKey: TEST_IDENTIFIER_KEY,
    logLevel: 'warn',
    workers: false,
    rateLimits,
  });
  t.teardown(async () => {
    await other.close();
    await transport.close();
  });
  const on = (caller: { authorization: string }) => [requestsAs(h.app, caller), requestsAs(other, caller)];

  // registrations: 6 allowed, 4 on each instance
  const [a, b] = on(h.cm);
  const registered = await Promise.all(
    [0, 1, 2, 3].flatMap((i) => [
      a!.post('/v1/clients', provisional('BLG01', `Anna${'a'.repeat(i)}`)),
      b!.post('/v1/clients', provisional('BLG01', `Boris${'a'.repeat(i)}`)),
    ]),
  );
  t.same(statuses(registered), { 201: 6, 429: 2 }, 'registrations: the total over the limit is 429');
  isRateLimited(t, registered.find((r) => r.statusCode === 429)!);

  // searches: 4 allowed, 3 on each instance
  const searcher = await h.as(['case_manager'], { municipality: 'BLG01' }, 'cm-bansko-search');
  const [sa, sb] = on(searcher);
  const searched = await Promise.all(
    [0, 1, 2].flatMap(() => [sa!.get('/v1/clients?name=Тестов'), sb!.get('/v1/clients?name=Тестов')]),
  );
  t.same(statuses(searched), { 200: 4, 429: 2 }, 'searches: the total over the limit is 429');

  // identifier probes: 4 allowed, 3 on each instance (of people Bansko holds, registered in bulk)
  for (let i = 0; i < 6; i++)
    t.equal(
      (await h.post('/v1/clients', person(450 + i, 'BLG01'), { ...h.supervisor, ...bulkLoadHeaders() }))
        .statusCode,
      201,
    );
  const montana = await h.as(['case_manager'], { municipality: 'MON29' }, 'cm-montana');
  const [pa, pb] = on(montana);
  const probes = await Promise.all(
    [0, 1, 2].flatMap((i) => [
      pa!.post('/v1/clients', person(450 + 2 * i, 'MON29')),
      pb!.post('/v1/clients', person(451 + 2 * i, 'MON29')),
    ]),
  );
  t.same(
    statuses(probes),
    { '409 CLIENT_REGISTERED_ELSEWHERE': 4, 429: 2 },
    'identifier probes: the total over the limit is 429',
  );
});

t.test('hole 11: corrections are limited per caller as registrations are', async (t) => {
  const h = await setUp(t, { rateLimits: { registration: 3, search: 0, identifierProbes: 0 } });
  const client = (await h.post('/v1/clients', person(600, 'BLG01'), h.supervisor)).json();
  const correct = (familyName: string) =>
    h.post(`/v1/clients/${client.clientId}/corrections`, { familyName, reason: 'typo in the name' });
  for (const name of ['Тестова', 'Тестов', 'Тестова'])
    t.equal((await correct(name)).statusCode, 200, 'a correction within the limit');
  const over = await correct('Тестов');
  t.equal(over.statusCode, 429, 'the N+1th correction');
  isRateLimited(t, over);
  t.equal(
    (
      await h.post(
        `/v1/clients/${client.clientId}/corrections`,
        { familyName: 'Т', reason: 'typo in the name' },
        h.supervisor,
      )
    ).statusCode,
    200,
    'another caller is unaffected',
  );
});
