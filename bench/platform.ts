// Services in distributed mode for a bench (a database and a NATS stream of their own, removed after), or
// in embedded mode (PGlite in a directory of their own, removed after).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPlatform } from '@casework/host';
import { Config } from '@casework/host/config';
import { JetStreamTransport } from '@casework/messaging';
import { servicesNamed } from '@casework/platform/services';
import { natsNames, natsUrl, servers } from '@casework/testkit';
import pg from 'pg';
import pino from 'pino';

const KEYS = {
  AUTH_SIGNING_KEY: 'bench-signing-key-of-at-least-32-characters',
  IDENTIFIER_HASH_KEY: 'bench-identifier-key-of-at-least-32-chars',
  // as deployed: the request log on (into a file), unless BENCH_LOG_LEVEL says otherwise
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
  // a bench registers and searches in bulk as one caller: no per-caller limits
  RATE_LIMIT_SEARCHES: '0',
  RATE_LIMIT_REGISTRATIONS: '0',
  RATE_LIMIT_IDENTIFIER_PROBES: '0',
  // the webhook bench's receiver listens on loopback
  WEBHOOK_ALLOW_INTERNAL_NETWORKS: 'true',
};

/** The platform's log, into a file beside the bench's data, through pino's own fast writer (as to stdout). */
const logFile = (dir: string) => pino.destination({ dest: join(dir, 'platform.log'), sync: false });

export async function benchPlatform(service: string) {
  return benchServices([service]);
}

/** The services in distributed mode: PostgreSQL and NATS as the testkit finds or starts them. */
export async function benchServices(services: string[]) {
  const { databaseUrl } = await servers();
  const dbName = `cw_bench_${services.join('_')}_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const url = new URL(databaseUrl);
  url.pathname = `/${dbName}`;
  const names = natsNames();
  const env = Config.parse({
    ...KEYS,
    DATABASE_URL: url.toString(),
    NATS_URL: await natsUrl(),
    NATS_PREFIX: names.prefix,
    NATS_STREAM: names.stream,
    DATABASE_POOL_MAX: '20',
  });
  const logs = mkdtempSync(join(tmpdir(), 'cw-bench-logs-'));
  return {
    url,
    ...(await serving(env, services, logs, async () => {
      const nats = await JetStreamTransport.connect({ url: env.NATS_URL!, ...names });
      await nats.deleteStreams();
      await nats.close();
      await admin.query(`DROP DATABASE "${dbName}" WITH (FORCE)`);
      await admin.end();
    })),
  };
}

/** The services in embedded mode, as `pnpm start` runs them: PGlite and the in-process transport. */
export async function benchEmbedded(services: string[]) {
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-bench-embedded-'));
  return serving(Config.parse({ ...KEYS, DATA_DIR: dataDir }), services, dataDir, async () => {});
}

/**
 * The platform of these services listening on a free port, logging into `dir`; closing it stops the
 * platform, runs `cleanUp` (the mode's own servers' leftovers) and removes `dir`.
 */
async function serving(env: Config, services: string[], dir: string, cleanUp: () => Promise<void>) {
  const platform = await createPlatform(env, servicesNamed(services), { logStream: logFile(dir) });
  const address = await platform.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    platform,
    env,
    address,
    ctx: platform.app.hosted[0]!.ctx,
    close: async () => {
      await platform.close();
      await cleanUp();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
