import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  natsNames,
  natsUrl,
  TEST_IDENTIFIER_KEY,
  TEST_SIGNING_KEY,
  testDatabaseUrl,
} from '@casework/testkit';
import t from 'tap';

/**
 * DESIGN §2: each service has a main.ts that runs it alone (distributed, as it is deployed): it serves
 * its own routes only, stops cleanly on SIGTERM, and rebuilds its read models on `projections:rebuild`.
 */
const root = join(import.meta.dirname, '..', '..');
const main = 'services/placement/src/main.ts';
const args = ['--conditions=casework-src', '--import', 'tsx', main];
const baseEnv = () =>
  Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(NODE_OPTIONS|TAP|_TAPJS|DATABASE_URL|NATS_URL)/.test(k)),
  );

t.test('placement runs alone from its own main.ts, and rebuilds its read models', async (t) => {
  const names = natsNames();
  const env = {
    ...baseEnv(),
    DATABASE_URL: await testDatabaseUrl(t),
    NATS_URL: await natsUrl(),
    NATS_PREFIX: names.prefix,
    NATS_STREAM: names.stream,
    IDENTIFIER_HASH_KEY: TEST_IDENTIFIER_KEY,
    AUTH_SIGNING_KEY: TEST_SIGNING_KEY,
    PORT: '0',
    LOG_LEVEL: 'silent',
  };
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /Casework placement \(distributed\) is listening on (http:\/\/\S+)/.exec(stdout);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });

  const doc = (await (await fetch(`${address}/openapi.json`)).json()) as {
    info: { title: string };
    paths: Record<string, unknown>;
  };
  t.equal(doc.info.title, 'Casework placement API');
  t.ok(Object.keys(doc.paths).includes('/v1/sites'), 'its own routes');
  t.notOk(
    Object.keys(doc.paths).some((p) => p.startsWith('/v1/clients') || p.startsWith('/v1/billing')),
    'no other service’s routes',
  );
  const other = await fetch(`${address}/v1/billing/tariffs`);
  t.equal(other.status, 404, 'another service’s path is not here');
  for (let i = 0; ; i++) {
    const ready = await fetch(`${address}/health/ready`);
    if (ready.status === 200) break;
    if (i > 100) t.fail('never ready');
    await new Promise((r) => setTimeout(r, 100));
  }

  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  t.equal(code, 0, 'SIGTERM stops it cleanly');

  const run = promisify(execFile);
  const rebuilt = await run(process.execPath, [...args, 'projections:rebuild'], { cwd: root, env });
  t.match(rebuilt.stdout, /placement: rebuilt \S+ from 0 events/, 'its read models rebuilt');
  const wrong = await run(process.execPath, [...args, 'mint-token'], { cwd: root, env }).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => e,
  );
  t.equal(wrong.code, 2, 'a command it does not have stops it');
  t.match(wrong.stderr, /usage: main\.js \[projections:rebuild \[projection\]\]/);
});
