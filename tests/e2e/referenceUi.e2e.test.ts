import { createServer, request as forward } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describePlatform } from '@casework/platform/docs';
import { allServices } from '@casework/platform/services';
import { referenceApp } from '@casework/service-kit';
import { chromiumArgs, chromiumPath, requestsAs, testApp } from '@casework/testkit';
import { chromium } from 'playwright-core';
import t from 'tap';

/**
 * Issue 20: the public reference UI, with "try it" for a pasted token, as the distributed mode serves
 * it: the platform's reference alone (`main.js docs`) and the services behind one origin, as the ingress
 * puts them (`/docs` and `/openapi.json` to the reference, `/v1/` to the services; here a small proxy).
 * A headless Chromium opens /docs, sends a request without a token (401 shown), pastes an admin's token
 * in "Authorize", sends it again and sees the integrator registered beforehand in the answer.
 */
t.test('the reference UI at /docs tries a request with a pasted token', async (t) => {
  const h = await testApp(t, [...allServices]);
  const services = await h.app.listen({ port: 0, host: '127.0.0.1' });
  const reference = await referenceApp((await describePlatform()).openapi as Record<string, unknown>, {
    logLevel: 'warn',
  });
  const docs = await reference.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => reference.close());

  const upstreamOf = (path: string) =>
    new URL(path === '/openapi.json' || path === '/docs' || path.startsWith('/docs/') ? docs : services);
  const ingress = createServer((incoming, outgoing) => {
    const upstream = upstreamOf((incoming.url ?? '/').split('?')[0]!);
    const proxied = forward(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    incoming.pipe(proxied);
  });
  await new Promise<void>((resolve) => ingress.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => ingress.close(() => resolve())));
  const origin = `http://127.0.0.1:${(ingress.address() as AddressInfo).port}`;

  const admin = await h.as(['admin'], {}, 'admin-1');
  const registered = await requestsAs(h.app, admin).post('/v1/integrators', {
    name: 'Synthetic ERP of Razlog',
    municipality: 'BLG11',
  });
  t.equal(registered.statusCode, 201, 'an integrator registered to be listed');

  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  // an operation's link names its tag and operation id: the page opens there, the operation expanded
  await page.goto(`${origin}/docs#/integrators/getIntegrators`);
  const operation = page.locator('#operations-integrators-getIntegrators');
  await operation.locator('.try-out__btn').click();
  // the answer shown under the operation once it has one with this status (the last one stays shown)
  const execute = async (status: string) => {
    await operation.locator('button.execute').click();
    const shown = operation.locator('.live-responses-table .response .response-col_status').first();
    await shown.filter({ hasText: new RegExp(`^\\s*${status}\\s*$`) }).waitFor({ timeout: 15_000 });
    return {
      status: (await shown.textContent())?.trim(),
      body:
        (await operation
          .locator('.live-responses-table .response .response-col_description')
          .first()
          .textContent()) ?? '',
    };
  };
  const anonymous = await execute('401');
  t.equal(anonymous.status, '401', 'without a token the API answers 401, shown in the page');

  await page.locator('.auth-wrapper button.authorize').click();
  await page
    .locator('.modal-ux input[type=text], .modal-ux input[type=password]')
    .first()
    .fill(admin.authorization.replace(/^Bearer /, ''));
  await page.locator('.modal-ux .auth-btn-wrapper button.authorize').click();
  await page.locator('.modal-ux button.btn-done').click();
  // the page went up to "Authorize" and renders the operations in view only: scroll back down to it
  for (let i = 0; i < 200 && (await operation.count()) === 0; i++) await page.mouse.wheel(0, 1000);
  const authorized = await execute('200');
  t.equal(authorized.status, '200', 'with the pasted token it answers 200');
  t.match(authorized.body, /Synthetic ERP of Razlog/, "and the page shows the API's answer");
  t.match(
    await operation.locator('.curl-command, .request-url').allTextContents(),
    [/\/v1\/integrators/],
    'sent to the API at the same origin',
  );
});
