import { sql } from 'kysely';
import t from 'tap';
import { fixture, kitApp, SCHEMA } from './fixture.js';

const body = { municipality: 'BLG01', givenName: 'Ивана', identifier: '7501010010' };
const rows = async (db: Parameters<ReturnType<typeof sql>['execute']>[0]) =>
  (await sql<Record<string, unknown>>`SELECT * FROM ${sql.id(SCHEMA)}.idempotency_keys`.execute(db)).rows;

t.test('idempotency keys', async (t) => {
  let now = new Date('2026-12-01T10:00:00Z');
  const k = await kitApp(t, { clock: () => now });
  const { app } = k;
  const blg = await k.as('BLG01', 'same-sub');
  const mon = await k.as('MON29', 'same-sub');
  const post = (url: string, payload: object, caller: object, key: string) =>
    app.inject({ method: 'POST', url, payload, headers: { ...caller, 'idempotency-key': key } });

  t.test('two concurrent requests with the same key: one effect', async (t) => {
    fixture.delayMs = 300;
    const before = await k.events();
    const [a, b] = await Promise.all([
      post('/v1/things', body, blg, 'concurrent-1'),
      post('/v1/things', body, blg, 'concurrent-1'),
    ]);
    fixture.delayMs = 0;
    const statuses = [a.statusCode, b.statusCode].sort();
    t.same(statuses, [201, 409], 'one runs, the other is told it is in progress');
    const busy = a.statusCode === 409 ? a : b;
    t.match(busy.headers['content-type'], /application\/problem\+json/);
    t.equal(busy.json().code, 'IDEMPOTENCY_KEY_IN_PROGRESS');
    t.equal(busy.headers['retry-after'], '1');
    t.equal((await k.events()) - before, 1, 'exactly one event');
    const again = await post('/v1/things', body, blg, 'concurrent-1');
    t.equal(again.statusCode, 201);
    t.equal(again.headers['idempotent-replayed'], 'true');
    const first = a.statusCode === 201 ? a : b;
    t.equal(again.json().thingId, first.json().thingId, 'the replay answers the same resource');
    t.equal(again.headers.location, first.headers.location);
    t.equal((await k.events()) - before, 1, 'still one event');
  });

  t.test('a replay from another scope with the same sub never gets the stored record', async (t) => {
    const created = await post('/v1/things', body, blg, 'scoped-1');
    t.equal(created.statusCode, 201);
    let before = await k.events();
    const other = await post('/v1/things', body, mon, 'scoped-1');
    t.not(other.statusCode, 201);
    t.notMatch(other.payload, /Ивана|7501010010/);
    t.equal(other.headers['idempotent-replayed'], undefined);
    const thing = `/v1/things/${created.json().thingId}`;
    const renamed = await post(`${thing}/rename`, { givenName: 'Мария' }, blg, 'scoped-2');
    t.equal(renamed.statusCode, 200);
    before = await k.events();
    const replayElsewhere = await post(`${thing}/rename`, { givenName: 'Мария' }, mon, 'scoped-2');
    t.equal(replayElsewhere.statusCode, 404, 'out of scope reads as absent');
    t.notMatch(replayElsewhere.payload, /Мария|7501010010/);
    t.equal(await k.events(), before, 'nothing ran for the other scope');
    const replay = await post(`${thing}/rename`, { givenName: 'Мария' }, blg, 'scoped-2');
    t.equal(replay.statusCode, 200);
    t.equal(replay.headers['idempotent-replayed'], 'true');
    t.equal(replay.json().givenName, 'Мария', 'the replay re-reads the resource through its GET route');
    t.equal(replay.headers.etag, '"2"');
  });

  t.test('a 4xx answer is not stored: the same key with a fixed body runs', async (t) => {
    const bad = await post('/v1/things', { ...body, givenName: 'Invalid' }, blg, 'fix-me');
    t.equal(bad.statusCode, 422);
    const again = await post('/v1/things', { ...body, givenName: 'Invalid' }, blg, 'fix-me');
    t.equal(again.statusCode, 422);
    t.equal(again.headers['idempotent-replayed'], undefined, 'the failure is not replayed');
    const fixed = await post('/v1/things', body, blg, 'fix-me');
    t.equal(fixed.statusCode, 201);
    const reused = await post('/v1/things', { ...body, givenName: 'Друго' }, blg, 'fix-me');
    t.equal(reused.statusCode, 422);
    t.equal(reused.json().code, 'IDEMPOTENCY_KEY_REUSED');
  });

  t.test('the table holds no personal data', async (t) => {
    const created = await post('/v1/things', body, blg, 'pd-1');
    const noted = await post(
      `/v1/things/${created.json().thingId}/notes`,
      { text: 'Ивана 7501010010 каза' },
      blg,
      'pd-2',
    );
    t.equal(noted.statusCode, 200);
    const replay = await post(
      `/v1/things/${created.json().thingId}/notes`,
      { text: 'Ивана 7501010010 каза' },
      blg,
      'pd-2',
    );
    t.equal(replay.statusCode, 200);
    t.equal(replay.headers['idempotent-replayed'], 'true');
    t.same(replay.json(), noted.json(), 'a result no route reads back is replayed from its sealed copy');
    const all = await rows(k.database.db);
    t.ok(all.length > 0);
    const text = JSON.stringify(all, (_, v) =>
      v?.type === 'Buffer' ? Buffer.from(v.data).toString('latin1') : v,
    );
    for (const personal of ['Ивана', '7501010010', 'same-sub', 'pd-1', 'pd-2']) {
      t.notOk(text.includes(personal), `no ${personal} in the stored rows`);
    }
    t.notOk(Buffer.from(text, 'latin1').includes(Buffer.from('Ивана')), 'not even as UTF-8 bytes');
  });

  t.test('records expire after the configured time', async (t) => {
    const first = await post('/v1/things', body, blg, 'expiring');
    t.equal(first.statusCode, 201);
    now = new Date(now.getTime() + 23 * 3_600_000);
    const replay = await post('/v1/things', body, blg, 'expiring');
    t.equal(replay.headers['idempotent-replayed'], 'true', 'replayed within 24 h');
    now = new Date(now.getTime() + 2 * 3_600_000);
    const before = await k.events();
    const stored = (await rows(k.database.db)).length;
    const after = await post('/v1/things', body, blg, 'expiring');
    t.equal(after.statusCode, 201);
    t.equal(after.headers['idempotent-replayed'], undefined, 'after 24 h the key is new');
    t.not(after.json().thingId, first.json().thingId);
    t.equal((await k.events()) - before, 1);
    t.equal((await rows(k.database.db)).length, stored, 'the expired record was replaced, not kept');
  });
});

t.test('the time to live comes from the options', async (t) => {
  let now = new Date('2026-12-01T10:00:00Z');
  const k = await kitApp(t, { clock: () => now, idempotencyTtlHours: 1 });
  const blg = await k.as('BLG01');
  const send = () =>
    k.app.inject({
      method: 'POST',
      url: '/v1/things',
      payload: body,
      headers: { ...blg, 'idempotency-key': 'ttl' },
    });
  t.equal((await send()).statusCode, 201);
  now = new Date(now.getTime() + 61 * 60_000);
  const later = await send();
  t.equal(later.headers['idempotent-replayed'], undefined);
});
