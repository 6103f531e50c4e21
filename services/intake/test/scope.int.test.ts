import { PassThrough } from 'node:stream';
import { composeEgn } from '@casework/contracts';
import { bulkLoadHeaders } from '@casework/service-kit';
import { eventually } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { type Intake, setUp } from './harness.js';

/** Issue 14 in intake: every id is checked, no identifier oracle, every record shown is logged, limits. */

const PROBLEM = 'application/problem+json; charset=utf-8';

const person = (serial: number, municipality: string, birthDate = '1985-04-12') => ({
  identifier: { kind: 'egn', value: composeEgn(birthDate, serial) },
  givenName: 'Иван',
  familyName: 'Тестов',
  municipality,
});

const accessLog = async (h: Intake) =>
  (
    await sql<{
      actor: string;
      client_id: string;
      municipality: string;
      action: string;
      route: string;
    }>`SELECT actor, client_id::text, municipality, action, route FROM intake.access_log ORDER BY id`.execute(
      h.database.db,
    )
  ).rows;

t.test('hole 1: every id in the body is in scope before any rule runs, else 404', async (t) => {
  const h = await setUp(t);
  const montana = await h.as(['case_manager'], { municipality: 'MON29' }, 'cm-montana');
  const own = await h.register(101);
  const neighbour = await h.register(102);
  const foreign = (await h.post('/v1/clients', person(103, 'MON29'), montana)).json();
  t.ok(foreign.clientId, 'Montana registered its own client');

  const member = {
    relation: 'spouse',
    givenName: 'Мария',
    familyName: 'Тестова',
    memberClientId: foreign.clientId,
    from: '2026-01-01',
  };
  let before = await h.eventCount();
  const linked = await h.post(`/v1/clients/${own.clientId}/household-members`, member);
  t.equal(linked.statusCode, 404, 'a household member of another municipality reads as absent');
  t.equal(linked.headers['content-type'], PROBLEM);
  t.equal(await h.eventCount(), before, 'nothing written');
  const unknown = await h.post(`/v1/clients/${own.clientId}/household-members`, {
    ...member,
    memberClientId: '01900000-0000-7000-8000-0000000000ff',
  });
  t.equal(unknown.statusCode, 404, 'the same answer as for a client that does not exist');
  const self = await h.post(`/v1/clients/${own.clientId}/household-members`, {
    ...member,
    memberClientId: own.clientId,
  });
  t.equal(self.statusCode, 422, 'rules still run for ids in scope');
  const ok = await h.post(`/v1/clients/${own.clientId}/household-members`, {
    ...member,
    memberClientId: neighbour.clientId,
  });
  t.equal(ok.statusCode, 200, 'a client of the own municipality may be linked');

  before = await h.eventCount();
  const reason = 'registered twice, the same person';
  const merge = await h.post(
    `/v1/clients/${own.clientId}/merge`,
    { duplicateId: foreign.clientId, reason },
    h.supervisor,
  );
  t.equal(merge.statusCode, 404, 'a merge naming a client of another municipality');
  const unmerge = await h.post(
    `/v1/clients/${own.clientId}/unmerge`,
    { mergedId: foreign.clientId, reason },
    h.supervisor,
  );
  t.equal(unmerge.statusCode, 404, 'an unmerge naming a client of another municipality');
  t.equal(await h.eventCount(), before, 'nothing written');

  const application = (
    await h.post(
      '/v1/applications',
      {
        clientId: foreign.clientId,
        serviceType: 'day_centre_adults_disabilities',
        municipality: 'MON29',
        submittedOn: '2026-11-01',
      },
      montana,
    )
  ).json();
  t.ok(application.applicationId, 'Montana submitted an application');
  before = await h.eventCount();
  const assessment = {
    assessedOn: '2026-11-20',
    applicationId: application.applicationId,
    findings: [{ domain: 'mobility', level: 'high', finding: 'Needs help with stairs' }],
  };
  const assessed = await h.post(`/v1/clients/${own.clientId}/needs-assessments`, assessment);
  t.equal(assessed.statusCode, 404, 'an assessment naming an application of another municipality');
  t.equal(await h.eventCount(), before, 'nothing written');
  const ownApplication = (
    await h.post('/v1/applications', {
      clientId: neighbour.clientId,
      serviceType: 'day_centre_adults_disabilities',
      municipality: 'BLG01',
      submittedOn: '2026-11-01',
    })
  ).json();
  const wrongClient = await h.post(`/v1/clients/${own.clientId}/needs-assessments`, {
    ...assessment,
    applicationId: ownApplication.applicationId,
  });
  t.equal(wrongClient.statusCode, 422, "an application of another of one's own clients breaks a rule");
  t.equal(wrongClient.json().code, 'APPLICATION_OF_ANOTHER_CLIENT');

  const listed = await h.get(`/v1/applications?clientId=${foreign.clientId}`);
  t.equal(listed.statusCode, 404, 'a list filtered by a client of another municipality');
  const submitted = await h.post('/v1/applications', {
    clientId: foreign.clientId,
    serviceType: 'protected_housing',
    municipality: 'BLG01',
    submittedOn: '2026-11-01',
  });
  t.equal(submitted.statusCode, 404, 'an application for a client of another municipality');
});

t.test('hole 2: an identifier held elsewhere is no oracle; probes are logged and throttled', async (t) => {
  const logs: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (d: Buffer) => logs.push(d.toString()));
  const h = await setUp(t, { logStream, rateLimits: { identifierProbes: 3 } });
  const montana = await h.as(['case_manager'], { municipality: 'MON29' }, 'cm-montana');
  const held = await h.register(201);
  const egn = composeEgn('1985-04-12', 201);

  const before = await h.eventCount();
  const elsewhere = await h.post('/v1/clients', person(201, 'MON29'), montana);
  t.equal(elsewhere.statusCode, 409);
  t.equal(elsewhere.headers['content-type'], PROBLEM);
  t.equal(elsewhere.json().code, 'CLIENT_REGISTERED_ELSEWHERE');
  t.notOk(elsewhere.json().existing, 'no link to the record');
  t.notMatch(elsewhere.body, held.clientId, 'no client id');
  t.notMatch(elsewhere.body, /href|BLG01|Банско/, 'no link and no municipality');
  t.match(elsewhere.json().detail, /transfer/, 'says how to ask for a transfer of the case');
  t.equal(await h.eventCount(), before, 'nothing written');

  const here = await h.post('/v1/clients', person(201, 'BLG01'));
  t.equal(here.statusCode, 409, 'inside the own scope');
  t.match(here.json(), {
    code: 'CLIENT_ALREADY_REGISTERED',
    existing: { clientId: held.clientId, href: `/v1/clients/${held.clientId}` },
  });

  const mine = (await h.post('/v1/clients', person(202, 'MON29'), montana)).json();
  const corrected = await h.post(
    `/v1/clients/${mine.clientId}/corrections`,
    { identifier: { kind: 'egn', value: egn }, reason: 'typo in the ЕГН' },
    montana,
  );
  t.equal(corrected.statusCode, 409, 'correcting to an identifier held elsewhere');
  t.equal(corrected.json().code, 'CLIENT_REGISTERED_ELSEWHERE');
  t.notMatch(corrected.body, held.clientId);

  const probes = logs.filter((l) => l.includes('identifier held outside'));
  t.equal(probes.length, 2, 'each attempt is logged');
  t.match(JSON.parse(probes[0]!), { actor: 'cm-montana', role: 'case_manager', municipality: 'MON29' });
  t.ok(JSON.parse(probes[0]!).correlationId, 'with the correlation id');
  t.notOk(
    logs.some((l) => l.includes(egn)),
    'no log line holds the identifier',
  );

  const third = await h.post('/v1/clients', person(201, 'MON29'), montana);
  t.equal(third.statusCode, 409, 'the third attempt is still answered');
  const throttled = await h.post('/v1/clients', person(203, 'MON29'), montana);
  t.equal(throttled.statusCode, 429, 'then the caller is throttled, whatever it registers');
  t.equal(throttled.headers['content-type'], PROBLEM);
  t.ok(Number(throttled.headers['retry-after']) > 0, 'with Retry-After');
  t.match(throttled.json(), { status: 429, code: 'RATE_LIMITED' });
  t.equal(
    (
      await h.post(
        `/v1/clients/${mine.clientId}/corrections`,
        { familyName: 'Т', reason: 'typo in the name' },
        montana,
      )
    ).statusCode,
    429,
    'corrections too',
  );
  const otherCaller = await h.as(['case_manager'], { municipality: 'MON29' }, 'cm-montana-2');
  t.equal(
    (await h.post('/v1/clients', person(204, 'MON29'), otherCaller)).statusCode,
    201,
    'another caller is unaffected',
  );
});

t.test('hole 5: every answer that shows a personal record is logged', async (t) => {
  const h = await setUp(t);
  const registered = await h.post('/v1/clients', person(301, 'BLG01'));
  const { clientId } = registered.json();
  const corrected = await h.post(`/v1/clients/${clientId}/corrections`, {
    familyName: 'Тестов-Петров',
    reason: 'name changed by marriage',
  });
  t.equal(corrected.statusCode, 200);
  await h.post(`/v1/clients/${clientId}/contact-details`, { phone: '+359 888 000 000' });
  await h.post(`/v1/clients/${clientId}/addresses`, {
    kind: 'current',
    municipality: 'BLG01',
    settlement: 'Банско',
    line: 'ул. Примерна 1',
    validFrom: '2026-01-01',
  });
  const assessed = await h.post(`/v1/clients/${clientId}/needs-assessments`, {
    assessedOn: '2026-11-20',
    findings: [{ domain: 'mobility', level: 'high', finding: 'Needs help with stairs' }],
  });
  t.equal(assessed.statusCode, 201);
  const rows = await accessLog(h);
  const routes = rows.filter((r) => r.client_id === clientId).map((r) => `${r.action} ${r.route}`);
  t.same(
    routes,
    [
      'read /v1/clients',
      'read /v1/clients/:clientId/corrections',
      'read /v1/clients/:clientId/contact-details',
      'read /v1/clients/:clientId/addresses',
      'read /v1/clients/:clientId/needs-assessments',
    ],
    'registration, correction, contact details, address and assessment answers are each logged',
  );
  t.ok(
    rows.every((r) => r.actor === 'cm-bansko-1' && r.municipality === 'BLG01'),
    'by actor and municipality',
  );

  const keyed = { ...h.cm, 'idempotency-key': 'contact-1' };
  const first = await h.post(
    `/v1/clients/${clientId}/contact-details`,
    { email: 'a@example.invalid' },
    keyed,
  );
  const replay = await h.post(
    `/v1/clients/${clientId}/contact-details`,
    { email: 'a@example.invalid' },
    keyed,
  );
  t.equal(first.statusCode, 200);
  t.equal(replay.statusCode, 200);
  t.equal(replay.headers['idempotent-replayed'], 'true', 'a replay');
  const replayed = (await accessLog(h)).filter((r) => r.client_id === clientId).slice(rows.length);
  t.equal(replayed.length, 2, 'the replay that shows the record again is logged too');
});

t.test('hole 9: an identifier search is a POST; no identifier travels in a URL', async (t) => {
  const h = await setUp(t);
  const made = await h.register(401);
  await h.register(402);
  const egn = composeEgn('1985-04-12', 401);
  const found = await eventually(async () => {
    const r = await h.post('/v1/clients/search', { identifier: egn });
    return r.statusCode === 200 && r.json().items.length > 0 ? r : undefined;
  });
  t.equal(found?.statusCode, 200);
  t.same(
    found?.json().items.map((c: { clientId: string }) => c.clientId),
    [made.clientId],
    'by exact ЕГН',
  );
  t.notOk(found?.headers['idempotent-replayed'], 'a read, not a command');
  const montana = await h.as(['case_manager'], { municipality: 'MON29' }, 'cm-montana');
  t.same(
    (await h.post('/v1/clients/search', { identifier: egn }, montana)).json().items,
    [],
    'never across the municipality',
  );
  t.equal((await h.post('/v1/clients/search', { identifier: '123' })).statusCode, 400);
  const byName = await h.post('/v1/clients/search', { name: 'Тестов' });
  t.equal(byName.statusCode, 200, 'a name search by POST too');
  const inUrl = await h.get(`/v1/clients?identifier=${egn}`);
  t.equal(inUrl.statusCode, 400, 'the identifier is refused in the query string');
  t.notMatch(inUrl.body, egn, 'and not echoed');
  const rows = await accessLog(h);
  t.ok(
    rows.some(
      (r) => r.client_id === made.clientId && r.action === 'search' && r.route === '/v1/clients/search',
    ),
    'the search is logged as a search',
  );
});

t.test('hole 11: registrations and searches are limited per caller', async (t) => {
  const h = await setUp(t, { rateLimits: { registration: 3, search: 4 } });
  for (let i = 0; i < 3; i++)
    t.equal((await h.post('/v1/clients', person(500 + i, 'BLG01'))).statusCode, 201);
  const over = await h.post('/v1/clients', person(510, 'BLG01'));
  t.equal(over.statusCode, 429, 'the N+1th registration');
  t.equal(over.headers['content-type'], PROBLEM);
  t.ok(Number(over.headers['retry-after']) > 0, 'with Retry-After');
  t.match(over.json(), { type: /rate-limited$/, status: 429, code: 'RATE_LIMITED' });
  const colleague = await h.as(['case_manager'], { municipality: 'BLG01' }, 'cm-bansko-2');
  t.equal(
    (await h.post('/v1/clients', person(511, 'BLG01'), colleague)).statusCode,
    201,
    'another caller is unaffected',
  );
  t.equal(
    (await h.post('/v1/clients', person(513, 'BLG01'), { ...h.cm, ...bulkLoadHeaders() })).statusCode,
    201,
    'in-process bulk work (the demo seed) is exempt',
  );
  t.equal((await h.post('/v1/clients', person(514, 'BLG01'))).statusCode, 429, 'callers are not');
  const forged = { ...h.cm, 'x-casework-bulk-load': 'guess' };
  t.equal(
    (await h.post('/v1/clients', person(515, 'BLG01'), forged)).statusCode,
    429,
    'nor a guessed header',
  );
  const wide = {
    ...h.cm,
    'x-casework-bulk-load': 'é'.repeat(bulkLoadHeaders()['x-casework-bulk-load']!.length),
  };
  t.equal(
    (await h.post('/v1/clients', person(516, 'BLG01'), wide)).statusCode,
    429,
    'nor one as long in characters and longer in bytes (not a 500)',
  );
  const sameSubOtherScope = await h.as(['case_manager'], { municipality: 'MON29' }, 'cm-bansko-1');
  t.equal(
    (await h.post('/v1/clients', person(512, 'MON29'), sameSubOtherScope)).statusCode,
    201,
    'the limit is per subject and scope',
  );

  for (let i = 0; i < 2; i++) t.equal((await h.get('/v1/clients?name=Тест')).statusCode, 200);
  for (let i = 0; i < 2; i++) t.equal((await h.post('/v1/clients/search', { name: 'Тест' })).statusCode, 200);
  const searched = await h.get('/v1/clients?name=Тест');
  t.equal(searched.statusCode, 429, 'GET and POST searches share one allowance');
  t.ok(Number(searched.headers['retry-after']) > 0);

  const doc = (await h.app.inject({ url: '/openapi.json' })).json();
  t.ok(doc.paths['/v1/clients'].post.responses['429'], '429 is declared for registration');
  t.ok(doc.paths['/v1/clients'].get.responses['429'], 'and for search');
  t.ok(doc.paths['/v1/clients/search'].post.responses['429']);
});

t.test('hole 1: a support plan naming an assessment outside scope is 404, like an unknown one', async (t) => {
  const h = await setUp(t);
  const montana = await h.as(['case_manager'], { municipality: 'MON29' }, 'cm-montana');
  const bansko = await h.register(601);
  const theirs = await h.post(`/v1/clients/${bansko.clientId}/needs-assessments`, {
    assessedOn: '2026-11-02',
    findings: [{ domain: 'mobility', level: 'high', finding: 'Needs help with stairs' }],
  });
  t.equal(theirs.statusCode, 201, theirs.body);
  const local = (await h.post('/v1/clients', person(602, 'MON29'), montana)).json();
  t.ok(local.clientId, 'Montana registered its own client');

  const plan = (assessmentId: string, caller: object = montana) =>
    h.post(
      `/v1/clients/${local.clientId}/support-plans`,
      {
        assessmentId,
        agreedOn: '2026-11-20',
        reviewOn: '2027-05-20',
        goals: [{ domain: 'mobility', goal: 'Moves about the home alone' }],
      },
      caller,
    );
  const answer = (r: Awaited<ReturnType<typeof plan>>) => {
    const { instance: _i, correlationId: _c, traceId: _t, ...rest } = r.json();
    return { status: r.statusCode, contentType: r.headers['content-type'], ...rest };
  };
  const before = await h.eventCount();
  const outside = await plan(theirs.json().assessmentId);
  const unknown = await plan('01900000-0000-7000-8000-0000000000ff');
  t.equal(outside.statusCode, 404, `an assessment of another municipality (${outside.body})`);
  t.equal(outside.headers['content-type'], PROBLEM);
  t.same(answer(outside), answer(unknown), 'the same answer as for an assessment that does not exist');
  t.notMatch(outside.body, theirs.json().assessmentId, 'the id is not echoed');
  t.equal(await h.eventCount(), before, 'nothing written');

  // rules still run for an assessment in scope
  const own = await h.post(
    `/v1/clients/${local.clientId}/needs-assessments`,
    {
      assessedOn: '2026-11-21',
      findings: [{ domain: 'mobility', level: 'moderate', finding: 'Walks with a stick' }],
    },
    montana,
  );
  t.equal(own.statusCode, 201, own.body);
  const early = await plan(own.json().assessmentId);
  t.equal(early.statusCode, 422, 'a plan agreed before its assessment breaks a rule');
  t.equal(early.json().code, 'PLAN_BEFORE_ASSESSMENT');
});
