import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createPlatform } from '@casework/host';
import { Config } from '@casework/host/config';
import { servicesNamed } from '@casework/platform/services';
import { loadConfig } from '@casework/service-kit';
import {
  natsNames,
  natsUrl,
  TEST_IDENTIFIER_KEY,
  TEST_SIGNING_KEY,
  testDatabaseUrl,
} from '@casework/testkit';
import t from 'tap';

/**
 * Issue 14, hole 12: the embedded mode must never be a production accident. With NODE_ENV=production or
 * CASEWORK_MODE=distributed and no DATABASE_URL/NATS_URL the launcher stops with a message instead of
 * starting embedded with a generated key; mint-token refuses when a JWKS is configured; the distributed
 * mode writes no signing key file.
 */
const root = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);
const launcher = (args: string[], env: Record<string, string>) =>
  run(
    process.execPath,
    ['--conditions=casework-src', '--import', 'tsx', 'apps/platform/src/main.ts', ...args],
    {
      cwd: root,
      env: {
        ...Object.fromEntries(
          Object.entries(process.env).filter(
            ([k]) => !/^(NODE_OPTIONS|TAP|_TAPJS|DATABASE_URL|NATS_URL)/.test(k),
          ),
        ),
        PORT: '0',
        LOG_LEVEL: 'silent',
        ...env,
      },
      timeout: 30_000,
    },
  ).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number | null; stdout: string; stderr: string }) => e,
  );
const files = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

t.test(
  'production settings without DATABASE_URL and NATS_URL stop the process, writing nothing',
  async (t) => {
    const settings: Record<string, string>[] = [{ NODE_ENV: 'production' }, { CASEWORK_MODE: 'distributed' }];
    for (const setting of settings) {
      const dataDir = join(t.testdir({}), 'data');
      const r = await launcher([], { DATA_DIR: dataDir, ...setting });
      const name = Object.entries(setting)[0]!.join('=');
      t.equal(r.code, 2, `${name}: the process stops`);
      t.match(r.stderr, /DATABASE_URL: required with .*the embedded mode is not for production/, name);
      t.match(r.stderr, /NATS_URL: required/);
      t.match(r.stderr, /IDENTIFIER_HASH_KEY: required/);
      t.notMatch(r.stdout, /listening/);
      t.same(files(dataDir), [], `${name}: no data directory, no generated key`);
    }
    t.throws(
      () => loadConfig(Config, { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/cw' }),
      /NATS_URL: required with NODE_ENV=production/,
    );
    t.throws(
      () => loadConfig(Config, { CASEWORK_MODE: 'embedded', NATS_URL: 'nats://n:4222' }),
      /CASEWORK_MODE/,
    );
    t.throws(
      () =>
        loadConfig(Config, { AUTH_SIGNING_KEY: TEST_SIGNING_KEY, AUTH_JWKS_URL: 'https://idp.example/jwks' }),
      /not both/,
    );
    t.throws(
      () =>
        loadConfig(Config, {
          NODE_ENV: 'production',
          DATABASE_URL: 'postgres://db/cw',
          NATS_URL: 'nats://n:4222',
          IDENTIFIER_HASH_KEY: TEST_IDENTIFIER_KEY,
          AUTH_JWKS_URL: 'http://idp.example/jwks',
        }),
      /AUTH_JWKS_URL: must be an https:\/\/ URL with NODE_ENV=production/,
      'production fetches its keys over TLS only',
    );
    t.ok(
      loadConfig(Config, {
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://db/cw',
        NATS_URL: 'nats://n:4222',
        IDENTIFIER_HASH_KEY: TEST_IDENTIFIER_KEY,
        AUTH_JWKS_URL: 'HTTPS://idp.example/jwks',
      }),
      'whatever the scheme’s case',
    );
    t.ok(loadConfig(Config, {}), 'the embedded default still needs nothing');
  },
);

t.test('--demo refuses to seed a production platform', async (t) => {
  const dataDir = join(t.testdir({}), 'data');
  const r = await launcher(['--demo'], {
    DATA_DIR: dataDir,
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://127.0.0.1:1/none',
    NATS_URL: 'nats://127.0.0.1:1',
    IDENTIFIER_HASH_KEY: TEST_IDENTIFIER_KEY,
    AUTH_SIGNING_KEY: TEST_SIGNING_KEY,
  });
  t.equal(r.code, 2, 'the process stops before connecting anywhere');
  t.match(r.stderr, /--demo: NODE_ENV=production is set/);
  t.notMatch(r.stdout, /listening/);
});

t.test(
  'mint-token refuses when tokens come from a JWKS, or when it has no key, and creates none',
  async (t) => {
    const dataDir = join(t.testdir({}), 'data');
    const jwks = await launcher(['mint-token', '--role', 'admin'], {
      DATA_DIR: dataDir,
      AUTH_JWKS_URL: 'https://idp.example/.well-known/jwks.json',
    });
    t.equal(jwks.code, 2);
    t.match(jwks.stderr, /AUTH_JWKS_URL is set/);
    t.equal(jwks.stdout, '', 'no token printed');
    const distributed = await launcher(['mint-token'], {
      DATA_DIR: dataDir,
      DATABASE_URL: 'postgres://127.0.0.1:1/none',
      NATS_URL: 'nats://127.0.0.1:1',
    });
    t.equal(distributed.code, 2);
    t.match(distributed.stderr, /set AUTH_SIGNING_KEY/);
    t.same(files(dataDir), [], 'no key file was written');
  },
);

t.test('the distributed mode writes no key file, and trusts only the JWKS when one is set', async (t) => {
  const dataDir = join(t.testdir({}), 'data');
  const names = natsNames();
  const env = {
    DATABASE_URL: await testDatabaseUrl(t),
    NATS_URL: await natsUrl(),
    NATS_PREFIX: names.prefix,
    NATS_STREAM: names.stream,
    IDENTIFIER_HASH_KEY: TEST_IDENTIFIER_KEY,
    DATA_DIR: dataDir,
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
  };
  const withKey = await createPlatform(
    loadConfig(Config, { ...env, AUTH_SIGNING_KEY: TEST_SIGNING_KEY }),
    servicesNamed(['intake']),
  );
  t.equal(withKey.mode, 'distributed');
  t.equal(withKey.signingKey, TEST_SIGNING_KEY);
  await withKey.close();
  const withJwks = await createPlatform(
    loadConfig(Config, { ...env, AUTH_JWKS_URL: 'https://idp.example/.well-known/jwks.json' }),
    servicesNamed(['intake']),
  );
  t.equal(withJwks.signingKey, undefined, 'no local key beside a JWKS');
  await withJwks.close();
  t.same(files(dataDir), [], 'nothing written under DATA_DIR');
});
