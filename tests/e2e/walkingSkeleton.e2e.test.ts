import { composeEgn, composeLnch } from '@casework/contracts';
import { mintToken } from '@casework/service-kit';
import { eventually } from '@casework/testkit';
import t from 'tap';
import { distributed, token } from './harness.js';

t.test('a client registered in intake appears in eligibility, placement and billing', async (t) => {
  const logs: string[] = [];
  const p = await distributed(t, logs);
  const cm = await token(['case_manager'], { municipality: 'BLG01' });
  const egn = composeEgn('1990-05-17', 123);
  const body = {
    identifier: { kind: 'egn', value: egn },
    givenName: 'Мария',
    familyName: 'Примерова',
    municipality: 'BLG01',
  };
  const created = await p.intake!.app.inject({
    method: 'POST',
    url: '/v1/clients',
    headers: { authorization: `Bearer ${cm}` },
    payload: body,
  });
  t.equal(created.statusCode, 201);
  const client = created.json();
  t.match(client, { birthDate: '1990-05-17', sex: 'female', municipality: 'BLG01', version: 2 });
  t.equal(created.headers.etag, '"2"');

  for (const service of ['eligibility', 'placement', 'billing']) {
    const entry = await eventually(async () => {
      const r = await p[service]!.app.inject({
        url: `/v1/${service}/clients/${client.clientId}`,
        headers: { authorization: `Bearer ${cm}` },
      });
      return r.statusCode === 200 ? r.json() : undefined;
    });
    t.same(
      entry,
      {
        clientId: client.clientId,
        birthDate: '1990-05-17',
        sex: 'female',
        municipality: 'BLG01',
        registeredOn: client.registeredOn,
      },
      `${service} knows the client, without personal data`,
    );
  }

  const again = await p.intake!.app.inject({
    method: 'POST',
    url: '/v1/clients',
    headers: { authorization: `Bearer ${cm}` },
    payload: { ...body, givenName: 'Друго' },
  });
  t.equal(again.statusCode, 409, 'the same person twice');
  t.match(again.json(), { code: 'CLIENT_ALREADY_REGISTERED', existing: { clientId: client.clientId } });

  const lnch = await p.intake!.app.inject({
    method: 'POST',
    url: '/v1/clients',
    headers: { authorization: `Bearer ${cm}` },
    payload: {
      identifier: { kind: 'lnch', value: composeLnch('100000123') },
      givenName: 'Ана',
      familyName: 'Тестова',
      municipality: 'BLG01',
      birthDate: '1985-02-03',
    },
  });
  t.equal(lnch.statusCode, 201, 'an ЛНЧ with a stated birth date');

  const joined = logs.join('');
  t.notMatch(joined, egn, 'no identifier in any log line');
  t.notMatch(joined, 'Примерова', 'no name in any log line');
});

t.test('bad input, identity and jurisdiction', async (t) => {
  const logs: string[] = [];
  const p = await distributed(t, logs);
  const intake = p.intake!.app;
  const cm = await token(['case_manager'], { municipality: 'BLG01' });
  const post = (payload: unknown, auth?: string, headers: Record<string, string> = {}) =>
    intake.inject({
      method: 'POST',
      url: '/v1/clients',
      headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...headers },
      payload: payload as object,
    });
  const valid = (egn: string) => ({
    identifier: { kind: 'egn', value: egn },
    givenName: 'Петър',
    familyName: 'Пробов',
    municipality: 'BLG01',
  });
  const badEgn = `${composeEgn('1980-01-01', 2).slice(0, 9)}${(Number(composeEgn('1980-01-01', 2)[9]) + 1) % 10}`;

  const cases: [string, unknown, string][] = [
    ['wrong check digit', valid(badEgn), 'body.identifier.value'],
    ['impossible date', valid('8002300000'), 'body.identifier.value'],
    ['future birth', valid(composeEgn('2090-01-01', 2)), 'body.identifier.value'],
    [
      'missing family name',
      { ...valid(composeEgn('1980-01-01', 4)), familyName: undefined },
      'body.familyName',
    ],
    [
      'bad municipality code',
      { ...valid(composeEgn('1980-01-01', 6)), municipality: 'Bansko' },
      'body.municipality',
    ],
    [
      'ЛНЧ without birth date',
      { ...valid(''), identifier: { kind: 'lnch', value: composeLnch('100000124') } },
      'body.birthDate',
    ],
  ];
  for (const [name, payload, field] of cases) {
    const r = await post(payload, cm);
    t.equal(r.statusCode, 400, name);
    t.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.ok(
      r.json().errors.some((e: { field: string }) => e.field === field),
      `${name} names ${field}`,
    );
    t.notMatch(r.body, /at .*\.(ts|js):\d+/, 'no stack trace');
  }
  const malformed = await intake.inject({
    method: 'POST',
    url: '/v1/clients',
    headers: { authorization: `Bearer ${cm}`, 'content-type': 'application/json' },
    payload: '{"identifier":',
  });
  t.equal(malformed.statusCode, 400, 'malformed JSON');
  t.match(malformed.json(), { errors: [{ field: 'body' }] });

  t.equal((await post(valid(composeEgn('1980-01-01', 8)))).statusCode, 401, 'no token');
  t.equal((await post(valid(composeEgn('1980-01-01', 8)), 'not.a.token')).statusCode, 401, 'bad token');
  const forged = await mintToken('another-key-that-is-long-enough-to-sign', { sub: 'x', roles: ['admin'] });
  t.equal(
    (await post(valid(composeEgn('1980-01-01', 8)), forged)).statusCode,
    401,
    'token signed by another key',
  );
  const analyst = await token(['directorate_analyst'], { oblast: 'BG-01' });
  t.equal(
    (await post(valid(composeEgn('1980-01-01', 8)), analyst)).statusCode,
    403,
    'analyst may not register',
  );
  const otherCm = await token(['case_manager'], { municipality: 'MON29' });
  t.equal(
    (await post(valid(composeEgn('1980-01-01', 8)), otherCm)).statusCode,
    403,
    'registering for another municipality',
  );

  const created = await post(valid(composeEgn('1980-01-01', 10)), cm);
  t.equal(created.statusCode, 201);
  const id = created.json().clientId;
  const get = (auth: string) =>
    intake.inject({ url: `/v1/clients/${id}`, headers: { authorization: `Bearer ${auth}` } });
  t.equal((await get(cm)).statusCode, 200);
  t.equal((await get(otherCm)).statusCode, 404, 'a record of another municipality reads as absent');
  t.equal((await get(analyst)).statusCode, 403, 'analysts have no access to personal records');

  // nothing was written by the refused requests: only the one registration exists
  const { rows } = await (await import('kysely')).sql<{
    n: string;
  }>`SELECT count(*)::text AS n FROM intake.events
    WHERE type = 'ClientRegistered'`.execute(p.intake!.app.hosted[0]!.ctx.store.db);
  t.equal(rows[0]?.n, '1', 'refused requests wrote nothing');
  t.notMatch(logs.join(''), /Пробов|"stack"/, 'no names and no stacks in the logs');
});

t.test('Idempotency-Key replays the first response; another body with the same key is 422', async (t) => {
  const p = await distributed(t, []);
  const cm = await token(['case_manager'], { municipality: 'BLG01' });
  const payload = {
    identifier: { kind: 'egn', value: composeEgn('1975-03-03', 12) },
    givenName: 'Иво',
    familyName: 'Ключов',
    municipality: 'BLG01',
  };
  const send = (body: object) =>
    p.intake!.app.inject({
      method: 'POST',
      url: '/v1/clients',
      headers: { authorization: `Bearer ${cm}`, 'idempotency-key': 'register-ivo-1' },
      payload: body,
    });
  const first = await send(payload);
  const replay = await send(payload);
  t.equal(first.statusCode, 201);
  t.equal(replay.statusCode, 201, 'not 409: the first response again');
  t.same(replay.json(), first.json());
  t.equal(replay.headers['idempotent-replayed'], 'true');
  t.equal((await send({ ...payload, givenName: 'Друг' })).statusCode, 422);
});
