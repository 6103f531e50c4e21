import { intake } from '@casework/intake';
import { testApp } from '@casework/testkit';
import t from 'tap';

/** Issue 14, hole 14: the README promises /docs to a browser, which sends no token. */
t.test('the docs UI and the OpenAPI document answer a plain GET without a token', async (t) => {
  const h = await testApp(t, [intake], { transport: 'in-process' });
  const get = (url: string) => h.app.inject({ url });

  for (const url of ['/docs', '/docs/']) {
    const page = await get(url);
    t.equal(page.statusCode, 200, `${url} is public`);
    t.match(page.headers['content-type'], /^text\/html/);
    t.match(page.body, /swagger-ui/i);
  }
  const assets = ['/docs/static/swagger-ui.css', '/docs/static/swagger-ui-bundle.js'];
  for (const url of assets) t.equal((await get(url)).statusCode, 200, `${url} is public`);
  t.equal(
    (await get('/docs/static/index.html')).statusCode,
    302,
    'the UI redirects to itself, no token asked',
  );

  for (const url of ['/openapi.json', '/docs/json']) {
    const doc = await get(url);
    t.equal(doc.statusCode, 200, `${url} is public`);
    t.match(doc.headers['content-type'], /^application\/json/);
    t.match(doc.json(), { openapi: '3.1.0', paths: { '/v1/clients': {} } });
  }
  t.equal((await get('/docs/yaml')).statusCode, 200, '/docs/yaml is public');

  const api = await get('/v1/clients/01a205f1-0000-7000-8000-0000000000ff');
  t.equal(api.statusCode, 401, 'the API itself still needs a token');
  t.equal((await get('/docs/nothing-here')).statusCode, 404, 'an unknown docs path is 404, not 401');
});
