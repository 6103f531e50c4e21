import t from 'tap';
import { kitApp } from './fixture.js';

/** Issue 20: a deprecated route says so in the document and in every answer (docs/versioning.md). */

t.test('a deprecated route answers with Deprecation, Sunset and a link to the notice', async (t) => {
  const k = await kitApp(t);
  const headers = await k.as('BLG01');
  const old = await k.app.inject({ method: 'GET', url: '/v1/things-count', headers });
  t.equal(old.statusCode, 200, 'it still answers');
  t.equal(old.headers.deprecation, `@${Date.UTC(2026, 11, 1) / 1000}`, 'deprecated since 1 December 2026');
  t.equal(old.headers.sunset, 'Fri, 31 Dec 2027 00:00:00 GMT', 'answers until the sunset, an HTTP date');
  t.equal(old.headers.link, '<https://casework.example/versioning>; rel="deprecation"; type="text/html"');
  const refused = await k.app.inject({ method: 'GET', url: '/v1/things-count' });
  t.equal(refused.statusCode, 401, 'its checks are unchanged');
  t.equal(refused.headers.sunset, 'Fri, 31 Dec 2027 00:00:00 GMT', 'and a refusal says it too');

  const current = await k.app.inject({ method: 'GET', url: '/v1/things?limit=5', headers });
  t.equal(current.statusCode, 200);
  t.notOk(current.headers.deprecation ?? current.headers.sunset, 'a current route says nothing of the kind');

  const doc = (await k.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  const op = doc.paths['/v1/things-count'].get;
  t.equal(op.deprecated, true, 'the document marks the operation deprecated');
  t.match(op.description, /Deprecated since 2026-12-01; answers until 2027-12-31\./);
  t.notOk(doc.paths['/v1/things'].get.deprecated, 'and no other');
});

t.test('a deprecated field: marked in the document, announced by the answers that carry it', async (t) => {
  const k = await kitApp(t);
  const headers = await k.as('BLG01');
  const answer = await k.app.inject({ method: 'GET', url: '/v1/things-summary', headers });
  t.equal(answer.statusCode, 200);
  t.same(answer.json(), { count: 0, things: 0 }, 'the field is still sent');
  t.equal(answer.headers.deprecation, `@${Date.UTC(2026, 11, 1) / 1000}`);
  t.equal(answer.headers.sunset, 'Fri, 31 Dec 2027 00:00:00 GMT');
  t.equal(answer.headers.link, '<https://casework.example/versioning>; rel="deprecation"; type="text/html"');
  const refused = await k.app.inject({ method: 'GET', url: '/v1/things-summary' });
  t.equal(refused.statusCode, 401);
  t.notOk(refused.headers.sunset, 'a refusal carries no field, and says nothing of one');

  const doc = (await k.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  const op = doc.paths['/v1/things-summary'].get;
  t.notOk(op.deprecated, 'the operation is not deprecated');
  const field = op.responses['200'].content['application/json'].schema.properties.things;
  t.equal(field.deprecated, true, 'the field is');
  t.match(
    field.description,
    /^The count, under its old name Deprecated since 2026-12-01; sent until 2027-12-31\.$/,
  );
  t.same(field['x-deprecation'], {
    since: '2026-12-01',
    sunset: '2027-12-31',
    link: 'https://casework.example/versioning',
  });
  t.notOk(
    doc.paths['/v1/things-summary'].get.responses['200'].content['application/json'].schema.properties.count
      .deprecated,
  );
});
