import { composeEgn, composeLnch } from '@casework/contracts';
import { eventually } from '@casework/testkit';
import t from 'tap';
import { setUp } from './harness.js';

t.test('registering a person', async (t) => {
  const h = await setUp(t);
  const egn = composeEgn('1985-04-12', 11);
  const body = {
    identifier: { kind: 'egn', value: egn },
    givenName: 'Иван',
    familyName: 'Тестов',
    municipality: 'BLG01',
  };
  const created = await h.post('/v1/clients', body);
  t.equal(created.statusCode, 201);
  const client = created.json();
  t.match(client, {
    status: 'active',
    identifier: { kind: 'egn', value: egn },
    birthDate: '1985-04-12',
    sex: 'male',
    municipality: 'BLG01',
    caseNumber: /^BLG01-\d{4}-\d{6}$/,
  });
  t.equal(created.headers.location, `/v1/clients/${client.clientId}`);

  const before = await h.eventCount();
  const again = await h.post('/v1/clients', { ...body, givenName: 'Друго' });
  t.equal(again.statusCode, 409, 'the same person twice is a conflict');
  t.match(again.json(), {
    code: 'CLIENT_ALREADY_REGISTERED',
    existing: { clientId: client.clientId, href: `/v1/clients/${client.clientId}` },
  });
  t.equal(await h.eventCount(), before, 'and writes nothing');

  const lnch = composeLnch('100000001');
  const foreigner = await h.post('/v1/clients', {
    identifier: { kind: 'lnch', value: lnch },
    givenName: 'Amina',
    familyName: 'Testova',
    municipality: 'BLG01',
    birthDate: '1990-05-01',
    sex: 'female',
  });
  t.equal(foreigner.statusCode, 201);
  t.match(foreigner.json(), { identifierKind: 'lnch', sex: 'female', birthDate: '1990-05-01' });

  const provisional = await h.post('/v1/clients', {
    givenName: 'Omar',
    familyName: 'Testov',
    municipality: 'BLG01',
    birthDate: '1999-01-01',
  });
  t.equal(provisional.statusCode, 201);
  t.match(
    provisional.json(),
    { identifierKind: 'none', sex: 'unknown' },
    'a provisional record without identifier',
  );
});

t.test('an invalid identifier is a 400 naming the field, and writes nothing', async (t) => {
  const h = await setUp(t);
  const good = composeEgn('1985-04-12', 11);
  const badCheck = good.slice(0, 9) + String((Number(good[9]) + 1) % 10);
  const cases: [string, object, string][] = [
    ['bad check digit', { kind: 'egn', value: badCheck }, 'body.identifier.value'],
    ['impossible date', { kind: 'egn', value: '8513320000' }, 'body.identifier.value'],
    ['future birth', { kind: 'egn', value: composeEgn('2099-01-01', 1) }, 'body.identifier.value'],
    ['short ЛНЧ', { kind: 'lnch', value: '12345' }, 'body.identifier.value'],
  ];
  for (const [what, identifier, field] of cases) {
    const r = await h.post('/v1/clients', {
      identifier,
      givenName: 'A',
      familyName: 'B',
      municipality: 'BLG01',
    });
    t.equal(r.statusCode, 400, what);
    t.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.ok(
      r.json().errors.some((e: { field: string }) => e.field === field),
      `${what}: names ${field}`,
    );
    t.notMatch(r.body, /stack|at \w+ \(/, 'no stack trace');
  }
  const lnchWithoutBirth = await h.post('/v1/clients', {
    identifier: { kind: 'lnch', value: composeLnch('100000001') },
    givenName: 'A',
    familyName: 'B',
    municipality: 'BLG01',
  });
  t.equal(lnchWithoutBirth.statusCode, 400);
  t.ok(lnchWithoutBirth.json().errors.some((e: { field: string }) => e.field === 'body.birthDate'));
  t.equal(await h.eventCount(), 0, 'nothing was written');
});

t.test('jurisdiction: own municipality only; analysts never see personal records', async (t) => {
  const h = await setUp(t);
  const { clientId } = await h.register(21);
  const montana = await h.as(['case_manager'], { municipality: 'MON29' });
  const analyst = await h.as(['directorate_analyst'], { oblast: 'BG-01' });
  t.equal((await h.get(`/v1/clients/${clientId}`, montana)).statusCode, 404, 'another municipality: absent');
  t.equal((await h.get(`/v1/clients/${clientId}`, analyst)).statusCode, 403, 'an analyst: forbidden');
  t.equal((await h.get('/v1/clients?name=Тест', analyst)).statusCode, 403);
  t.equal((await h.get(`/v1/clients/${clientId}`, {})).statusCode, 401, 'no token');
  const other = await h.post(
    '/v1/clients',
    {
      identifier: { kind: 'egn', value: composeEgn('1985-04-12', 22) },
      givenName: 'A',
      familyName: 'B',
      municipality: 'BLG01',
    },
    montana,
  );
  t.equal(other.statusCode, 403, 'registering for another municipality is forbidden');
  const corrected = await h.post(
    `/v1/clients/${clientId}/contact-details`,
    { phone: '+359 888 000 000' },
    montana,
  );
  t.equal(corrected.statusCode, 404, 'changing another municipality’s client: absent');
  // once Bansko's own search finds the client, Montana's must not
  t.ok(
    await eventually(async () =>
      (await h.get('/v1/clients?name=Тестов')).json().items.length > 0 ? true : undefined,
    ),
  );
  const montanaSearch = await h.get('/v1/clients?name=Тестов', montana);
  t.same(montanaSearch.json().items, [], 'a search never crosses the municipality');
  t.equal((await h.get('/v1/clients?name=Тестов&municipality=BLG01', montana)).statusCode, 403);
});

t.test('corrections honour If-Match and never rewrite history', async (t) => {
  const h = await setUp(t);
  const { clientId, version } = await h.register(31);
  const stale = await h.post(
    `/v1/clients/${clientId}/corrections`,
    { familyName: 'Тестов-Петров', reason: 'name changed by marriage' },
    { ...h.cm, 'if-match': `"${version - 1}"` },
  );
  t.equal(stale.statusCode, 412, 'a stale If-Match is a failed precondition');
  const ok = await h.post(
    `/v1/clients/${clientId}/corrections`,
    { familyName: 'Тестов-Петров', reason: 'name changed by marriage' },
    { ...h.cm, 'if-match': `"${version}"` },
  );
  t.equal(ok.statusCode, 200);
  t.equal(ok.headers.etag, `"${version + 1}"`);
  t.equal(ok.json().familyName, 'Тестов-Петров');
  t.equal((await h.post(`/v1/clients/${clientId}/corrections`, { reason: 'nothing named' })).statusCode, 400);

  // a corrected identifier moves its claim: the old one is free, a taken one clashes and writes nothing
  const other = await h.register(32);
  const before = await h.eventCount();
  const clash = await h.post(`/v1/clients/${clientId}/corrections`, {
    identifier: { kind: 'egn', value: composeEgn('1985-04-12', 32) },
    reason: 'typo in the ЕГН',
  });
  t.equal(clash.statusCode, 409);
  t.match(clash.json(), { code: 'CLIENT_ALREADY_REGISTERED', existing: { clientId: other.clientId } });
  t.equal(await h.eventCount(), before, 'nothing written on a clash');
  const moved = await h.post(`/v1/clients/${clientId}/corrections`, {
    identifier: { kind: 'egn', value: composeEgn('1986-04-12', 31) },
    reason: 'typo in the ЕГН',
  });
  t.equal(moved.statusCode, 200);
  t.equal(moved.json().birthDate, '1986-04-12', 'the birth date follows the corrected ЕГН');
  const reuse = await h.post('/v1/clients', {
    identifier: { kind: 'egn', value: composeEgn('1985-04-12', 31) },
    givenName: 'Петър',
    familyName: 'Тестов',
    municipality: 'BLG01',
  });
  t.equal(reuse.statusCode, 201, 'the released identifier can be registered by its owner');
});

t.test('search by name, identifier and case number, paginated, and logged', async (t) => {
  const h = await setUp(t);
  const names = ['Тестов', 'Тестова', 'Тестев', 'Примеров', 'Тестов'];
  const made = [];
  for (const [i, familyName] of names.entries())
    made.push(await h.register(40 + i, { familyName, givenName: `Име${i}` }));
  const search = async (query: string, headers = h.cm) => {
    const r = await eventually(async () => {
      const res = await h.get(`/v1/clients?${query}`, headers);
      return res.statusCode === 200 && res.json().items.length > 0 ? res : undefined;
    });
    return r!.json();
  };
  // the list is a projection: wait until it holds all five
  await eventually(async () =>
    (await h.get('/v1/clients?name=тест')).json().items.length === 4 ? true : undefined,
  );
  await eventually(async () =>
    (await h.get('/v1/clients?name=прим')).json().items.length === 1 ? true : undefined,
  );
  const byName = await search('name=тест');
  t.equal(byName.items.length, 4, 'family-name prefix, case-insensitive');
  const page1 = await search('name=тест&limit=3');
  t.equal(page1.items.length, 3);
  t.ok(page1.next, 'a cursor to the next page');
  const page2 = (await h.get(`/v1/clients?name=тест&limit=3&cursor=${page1.next}`)).json();
  t.equal(page2.items.length, 1);
  t.notOk(page2.next);
  t.same(
    new Set([...page1.items, ...page2.items].map((c: { clientId: string }) => c.clientId)).size,
    4,
    'the pages do not overlap',
  );
  t.equal((await search('name=Тестов Име4')).items[0].clientId, made[4]!.clientId, 'family then given name');
  const byId = (await h.post('/v1/clients/search', { identifier: composeEgn('1985-04-12', 43) })).json();
  t.same(
    byId.items.map((c: { clientId: string }) => c.clientId),
    [made[3]!.clientId],
    'by exact ЕГН',
  );
  t.equal((await search(`caseNumber=${made[1]!.caseNumber}`)).items[0].clientId, made[1]!.clientId);
  t.equal((await h.get('/v1/clients?cursor=nonsense&name=ab')).statusCode, 400, 'a forged cursor is refused');
  t.equal((await h.get('/v1/clients')).statusCode, 400, 'a search needs a criterion');

  await h.get(`/v1/clients/${made[0]!.clientId}`);
  const log = await h.get(`/v1/access-log?clientId=${made[0]!.clientId}`, h.supervisor);
  t.equal(log.statusCode, 200);
  const actions = log.json().items.map((e: { action: string; actor: string }) => `${e.actor}:${e.action}`);
  t.ok(actions.includes('cm-bansko-1:read'), 'the read is logged');
  t.ok(actions.includes('cm-bansko-1:search'), 'so is showing it in a search');
  t.notMatch(JSON.stringify(log.json()), /тест|Тестов|name=/i, 'the log holds no search terms or names');
  t.equal((await h.get('/v1/access-log', h.cm)).statusCode, 403, 'only supervisors read the log');
});

t.test('case managers, caseloads, moves and deaths', async (t) => {
  const h = await setUp(t);
  const a = await h.register(51);
  const b = await h.register(52, { familyName: 'Примеров' });
  for (const c of [a, b]) {
    const r = await h.post(`/v1/clients/${c.clientId}/case-manager`, {
      caseManager: 'cm-bansko-1',
      since: '2026-11-23',
    });
    t.equal(r.statusCode, 200);
  }
  const caseload = await eventually(async () => {
    const r = (await h.get('/v1/caseload')).json();
    return r.items.length === 2 ? r : undefined;
  });
  t.same(
    caseload?.items.map((c: { familyName: string }) => c.familyName),
    ['Примеров', 'Тестов'],
    'my caseload',
  );
  const reassigned = await h.post(`/v1/clients/${a.clientId}/case-manager`, {
    caseManager: 'cm-bansko-2',
    since: '2026-12-01',
  });
  t.equal(reassigned.json().caseManager, 'cm-bansko-2');

  const moved = await h.post(`/v1/clients/${a.clientId}/move`, { to: 'MON29', movedOn: '2026-11-30' });
  t.equal(moved.statusCode, 200);
  t.equal((await h.get(`/v1/clients/${a.clientId}`)).statusCode, 404, 'Bansko no longer sees the client');
  const montana = await h.as(['case_manager'], { municipality: 'MON29' });
  t.equal((await h.get(`/v1/clients/${a.clientId}`, montana)).json().municipality, 'MON29', 'Montana does');

  const died = await h.post(`/v1/clients/${b.clientId}/death`, { diedOn: '2026-11-20' });
  t.equal(died.json().status, 'deceased');
  const after = await h.post(`/v1/clients/${b.clientId}/contact-details`, { phone: '+359 888 000 000' });
  t.equal(after.statusCode, 422);
  t.equal(after.json().code, 'CLIENT_DECEASED');
  t.equal((await h.post(`/v1/clients/${b.clientId}/death`, { diedOn: '2026-11-20' })).statusCode, 409);
});

t.test('addresses, contacts and household', async (t) => {
  const h = await setUp(t);
  const { clientId } = await h.register(61);
  const address = {
    kind: 'current',
    municipality: 'BLG01',
    settlement: 'Банско',
    line: 'ул. Примерна 1',
    validFrom: '2026-01-01',
  };
  t.equal((await h.post(`/v1/clients/${clientId}/addresses`, address)).statusCode, 200);
  const newer = await h.post(`/v1/clients/${clientId}/addresses`, {
    ...address,
    line: 'ул. Примерна 2',
    validFrom: '2026-06-01',
  });
  t.same(
    newer.json().addresses.map((a: { line: string }) => a.line),
    ['ул. Примерна 2'],
    'the latest of each kind',
  );
  const contact = await h.post(`/v1/clients/${clientId}/contact-details`, {
    email: 'client@example.invalid',
  });
  t.same(contact.json().contact, { email: 'client@example.invalid' });
  t.equal((await h.post(`/v1/clients/${clientId}/contact-details`, {})).statusCode, 400);
  const added = await h.post(`/v1/clients/${clientId}/household-members`, {
    relation: 'spouse',
    givenName: 'Мария',
    familyName: 'Тестова',
    from: '2026-01-01',
  });
  const member = added.json().household[0];
  t.match(member, { relation: 'spouse', givenName: 'Мария', from: '2026-01-01' });
  const left = await h.post(`/v1/clients/${clientId}/household-members/${member.memberId}/leave`, {
    from: '2026-11-01',
  });
  t.same(left.json().household, [], 'a member who left is no longer shown');
});

t.test('merge and unmerge: supervisors only, reversible, nothing lost', async (t) => {
  const h = await setUp(t);
  const survivor = await h.register(71);
  const duplicate = await h.post('/v1/clients', {
    givenName: 'Иван',
    familyName: 'Тестов',
    municipality: 'BLG01',
    birthDate: '1985-04-12',
  });
  const dupId = duplicate.json().clientId;
  const reason = 'registered twice: provisionally, then with the ЕГН';
  t.equal(
    (await h.post(`/v1/clients/${survivor.clientId}/merge`, { duplicateId: dupId, reason })).statusCode,
    403,
    'not for case managers',
  );
  const merged = await h.post(
    `/v1/clients/${survivor.clientId}/merge`,
    { duplicateId: dupId, reason },
    h.supervisor,
  );
  t.equal(merged.statusCode, 200);
  t.same(merged.json().mergedClients, [dupId]);
  const dup = (await h.get(`/v1/clients/${dupId}`)).json();
  t.match(dup, { status: 'merged', mergedInto: survivor.clientId }, 'the duplicate points to the survivor');
  t.equal(
    (await h.post(`/v1/clients/${dupId}/contact-details`, { phone: '+359 1 234 567' })).statusCode,
    409,
  );
  const unmerged = await h.post(
    `/v1/clients/${survivor.clientId}/unmerge`,
    { mergedId: dupId, reason: 'not the same person' },
    h.supervisor,
  );
  t.equal(unmerged.statusCode, 200);
  t.same(unmerged.json().mergedClients, []);
  t.match(
    (await h.get(`/v1/clients/${dupId}`)).json(),
    { status: 'active' },
    'the duplicate stands alone again',
  );
  t.equal(
    (
      await h.post(
        `/v1/clients/${survivor.clientId}/unmerge`,
        { mergedId: dupId, reason: 'again please' },
        h.supervisor,
      )
    ).statusCode,
    409,
  );
});
