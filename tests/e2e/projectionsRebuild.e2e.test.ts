import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { composeEgn } from '@casework/contracts';
import { createPlatform } from '@casework/host';
import { Config } from '@casework/host/config';
import { servicesNamed } from '@casework/platform/services';
import {
  eventually,
  natsNames,
  natsUrl,
  TEST_IDENTIFIER_KEY,
  TEST_SIGNING_KEY,
  testDatabaseUrl,
} from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { token } from './harness.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

t.test('read models rebuild from zero to the same rows, by command and by the admin route', async (t) => {
  const names = natsNames();
  const env = {
    DATABASE_URL: await testDatabaseUrl(t),
    NATS_URL: await natsUrl(),
    NATS_PREFIX: names.prefix,
    NATS_STREAM: names.stream,
    AUTH_SIGNING_KEY: TEST_SIGNING_KEY,
    IDENTIFIER_HASH_KEY: TEST_IDENTIFIER_KEY,
  };
  const platform = await createPlatform(Config.parse(env), servicesNamed(['intake']));
  t.teardown(() => platform.close());
  const cm = { authorization: `Bearer ${await token(['case_manager'], { municipality: 'BLG01' })}` };
  for (let i = 0; i < 20; i++) {
    const r = await platform.app.inject({
      method: 'POST',
      url: '/v1/clients',
      headers: cm,
      payload: {
        identifier: { kind: 'egn', value: composeEgn('1960-03-03', i) },
        givenName: `Име${i}`,
        familyName: 'Тестов',
        municipality: 'BLG01',
      },
    });
    t.equal(r.statusCode, 201);
  }
  const db = platform.app.hosted[0]!.ctx.store.db;
  const rows = async () =>
    (
      await sql<{
        r: string;
      }>`SELECT row_to_json(c)::text AS r FROM intake.clients c ORDER BY client_id`.execute(db)
    ).rows.map((x) => x.r);
  const before = await eventually(async () => {
    const r = await rows();
    return r.length === 20 && r.every((x) => x.includes('Тестов')) ? r : undefined;
  });
  t.ok(before, 'the projection caught up');

  // while the service runs, in another process
  const { stdout } = await run(
    'pnpm',
    ['--silent', '--filter', '@casework/intake', 'projections:rebuild', 'clients'],
    {
      cwd: root,
      env: { ...process.env, ...env },
    },
  );
  t.match(stdout, /intake: rebuilt clients from \d+ events/);
  t.same(await rows(), before, 'the same rows after a rebuild by command');

  const admin = { authorization: `Bearer ${await token(['admin'], {})}` };
  const r = await platform.app.inject({
    method: 'POST',
    url: '/v1/admin/intake/projections/clients/rebuild',
    headers: admin,
  });
  t.equal(r.statusCode, 200, r.body);
  t.ok(r.json().events >= 40, 'every event replayed');
  t.same(await rows(), before, 'and after a rebuild through the admin route');
  const unknown = await platform.app.inject({
    method: 'POST',
    url: '/v1/admin/intake/projections/nope/rebuild',
    headers: admin,
  });
  t.equal(unknown.statusCode, 404);
  const inherited = await platform.app.inject({
    method: 'POST',
    url: '/v1/admin/intake/projections/toString/rebuild',
    headers: admin,
  });
  t.equal(inherited.statusCode, 404, 'a name every object answers to is no projection');
});
