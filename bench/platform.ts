// One service in distributed mode for a bench: a database and a NATS stream of its own, removed after.
import { randomUUID } from 'node:crypto';
import { createPlatform } from '@casework/host';
import { Config } from '@casework/host/config';
import { JetStreamTransport } from '@casework/messaging';
import { servicesNamed } from '@casework/platform/services';
import { natsNames, natsUrl, servers } from '@casework/testkit';
import pg from 'pg';

export async function benchPlatform(service: string) {
  const { databaseUrl } = await servers();
  const dbName = `cw_bench_${service}_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const url = new URL(databaseUrl);
  url.pathname = `/${dbName}`;
  const names = natsNames();
  const env = Config.parse({
    DATABASE_URL: url.toString(),
    NATS_URL: await natsUrl(),
    NATS_PREFIX: names.prefix,
    NATS_STREAM: names.stream,
    AUTH_SIGNING_KEY: 'bench-signing-key-of-at-least-32-characters',
    IDENTIFIER_HASH_KEY: 'bench-identifier-key-of-at-least-32-chars',
    LOG_LEVEL: 'warn',
    DATABASE_POOL_MAX: '20',
    // a bench registers and searches in bulk as one caller: no per-caller limits
    RATE_LIMIT_SEARCHES: '0',
    RATE_LIMIT_REGISTRATIONS: '0',
  });
  const platform = await createPlatform(env, servicesNamed([service]));
  const address = await platform.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    platform,
    env,
    url,
    address,
    ctx: platform.app.hosted[0]!.ctx,
    close: async () => {
      await platform.close();
      const nats = await JetStreamTransport.connect({ url: env.NATS_URL!, ...names });
      await nats.deleteStreams();
      await nats.close();
      await admin.query(`DROP DATABASE "${dbName}" WITH (FORCE)`);
      await admin.end();
    },
  };
}
