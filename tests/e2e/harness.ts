import { PassThrough } from 'node:stream';
import { createPlatform, type Platform } from '@casework/host';
import { Config } from '@casework/host/config';
import { allServices } from '@casework/platform/services';
import { mintToken } from '@casework/service-kit';
import {
  natsNames,
  natsUrl,
  TEST_IDENTIFIER_KEY,
  TEST_SIGNING_KEY,
  testDatabaseUrl,
} from '@casework/testkit';
import type { Test } from 'tap';

/** The distributed mode's settings for a test: its own database, stream and subject prefix. */
export async function distributedEnv(t: Test) {
  const names = natsNames();
  return {
    DATABASE_URL: await testDatabaseUrl(t),
    NATS_URL: await natsUrl(),
    NATS_PREFIX: names.prefix,
    NATS_STREAM: names.stream,
    AUTH_SIGNING_KEY: TEST_SIGNING_KEY,
    IDENTIFIER_HASH_KEY: TEST_IDENTIFIER_KEY,
  };
}

/** Distributed mode: one platform per service, sharing PostgreSQL (own schemas) and JetStream. */
export async function distributed(t: Test, logs: string[] = []): Promise<Record<string, Platform>> {
  const env = { ...(await distributedEnv(t)), DATABASE_POOL_MAX: '5' };
  const platforms: Record<string, Platform> = {};
  for (const service of allServices) {
    const stream = new PassThrough();
    stream.on('data', (d: Buffer) => logs.push(d.toString()));
    platforms[service.name] = await createPlatform(Config.parse(env), [service], { logStream: stream });
  }
  t.teardown(async () => {
    for (const p of Object.values(platforms)) await p.close();
  });
  return platforms;
}

export const token = (roles: string[], scope: { municipality?: string; oblast?: string }, sub = 'cm-1') =>
  mintToken(TEST_SIGNING_KEY, { sub, roles: roles as never, ...scope });
