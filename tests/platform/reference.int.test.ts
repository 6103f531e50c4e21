import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, nodeArgs, REPOSITORY_ROOT } from '@casework/testkit';
import t from 'tap';

/**
 * Issue 20: `main.js docs`, the platform's API reference the ingress sends `/docs` and `/openapi.json`
 * to in the distributed mode. It starts as production does (NODE_ENV=production, no database, no NATS,
 * no key: it holds none), serves the document of all four services (the committed one, which a test
 * keeps current), the UI and health, answers nothing of the API, and stops cleanly on SIGTERM.
 */
t.test('the reference process serves the whole platform document and the UI', async (t) => {
  // the command as the README gives it, run from the sources (dist/ is their build)
  const readme = readFileSync(join(REPOSITORY_ROOT, 'README.md'), 'utf8');
  const command = /`node apps\/platform\/dist\/main\.js ([^`]+)`/.exec(readme)?.[1]?.split(' ');
  t.same(command, ['docs'], 'the README gives the command');
  const port = await freePort();
  const child = spawn(process.execPath, [...(await nodeArgs()), ...(command ?? [])], {
    cwd: REPOSITORY_ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60_000;
  for (;;) {
    const ready = await fetch(`${base}/health/ready`).catch(() => undefined);
    if (ready?.status === 200) break;
    if (child.exitCode !== null || Date.now() > until) t.fail(`did not start: ${output}`);
    if (child.exitCode !== null || Date.now() > until) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  t.match(output, /API reference is listening on .*\/docs/);

  const document = await fetch(`${base}/openapi.json`);
  t.equal(document.status, 200);
  const committed = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'docs/openapi/casework.json'), 'utf8'));
  t.same(await document.json(), committed, "the committed document of the platform's four services");
  const page = await fetch(`${base}/docs`);
  t.equal(page.status, 200);
  t.match(await page.text(), /swagger-ui/i);
  const bundle = await fetch(`${base}/docs/static/swagger-ui-bundle.js`);
  t.equal(bundle.status, 200);
  t.ok((await bundle.arrayBuffer()).byteLength > 100_000, 'the UI itself');
  const api = await fetch(`${base}/v1/clients`);
  t.equal(api.status, 404, 'no API here: the ingress sends /v1/ to the services');
  t.match(api.headers.get('content-type'), /^application\/problem\+json/);

  child.kill('SIGTERM');
  t.equal(await exited, 0, 'stops cleanly');
});
