import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { connectPGlite, connectPostgres, type Database } from '@casework/eventstore';
import {
  InProcessTransport,
  type JetStreamOptions,
  JetStreamTransport,
  type NatsSecurity,
  type Transport,
} from '@casework/messaging';
import { buildApp, type LogDestination, type ServiceModule } from '@casework/service-kit';
import type { FastifyInstance } from 'fastify';
import {
  type Config,
  natsSecurityOf,
  productionReason,
  rateLimitsOf,
  tokenRules,
  trustProxyOf,
} from './config.js';
import { localSecret } from './secrets.js';
import { startTracing } from './tracing.js';

export type Platform = {
  app: FastifyInstance;
  mode: 'embedded' | 'distributed';
  signingKey?: string;
  close: () => Promise<void>;
};

/**
 * Builds the platform for a set of services: distributed (PostgreSQL + JetStream) when DATABASE_URL
 * and NATS_URL are set, else embedded (PGlite under DATA_DIR + the in-process transport).
 */
export async function createPlatform(
  config: Config,
  services: readonly ServiceModule[],
  options: { logStream?: LogDestination; workers?: boolean } = {},
): Promise<Platform> {
  const distributed = Boolean(config.DATABASE_URL && config.NATS_URL);
  const production = productionReason(config);
  if (production && !distributed) {
    throw new Error(`${production}: set DATABASE_URL and NATS_URL (the embedded mode is not for production)`);
  }
  if (Boolean(config.DATABASE_URL) !== Boolean(config.NATS_URL)) {
    throw new Error(
      'set both DATABASE_URL and NATS_URL for the distributed mode, or neither for the embedded one',
    );
  }
  const dataDir = resolve(config.DATA_DIR);
  const tracing = startTracing(
    config.OTEL_EXPORTER_OTLP_ENDPOINT,
    config.OTEL_SERVICE_NAME ?? (services.length === 1 ? `casework-${services[0]!.name}` : 'casework'),
  );
  const database: Database = distributed
    ? connectPostgres(config.DATABASE_URL!, { max: config.DATABASE_POOL_MAX, traced: Boolean(tracing) })
    : await connectPGlite(ensureDir(join(dataDir, 'pglite')));
  let transport: Transport | undefined;
  try {
    transport = distributed
      ? await JetStreamTransport.connect(jetStreamOptionsOf(config))
      : new InProcessTransport({ maxDeliver: config.CONSUMER_MAX_DELIVER });
    // a local key only for the embedded mode without an identity provider; distributed writes no key file
    const signingKey = config.AUTH_JWKS_URL
      ? undefined
      : (config.AUTH_SIGNING_KEY ?? (distributed ? undefined : localSecret(dataDir, 'signing')));
    const identifierKey =
      config.IDENTIFIER_HASH_KEY ?? (distributed ? undefined : localSecret(dataDir, 'identifier-hash'));
    if (!identifierKey) throw new Error('IDENTIFIER_HASH_KEY must be set in the distributed mode');
    if (!signingKey && !config.AUTH_JWKS_URL)
      throw new Error('AUTH_SIGNING_KEY or AUTH_JWKS_URL must be set');
    const app = await buildApp({
      services: [...services],
      database,
      transport,
      auth: {
        ...(signingKey ? { signingKey } : {}),
        ...(config.AUTH_JWKS_URL ? { jwksUrl: config.AUTH_JWKS_URL } : {}),
        ...tokenRules(config),
      },
      identifierKey,
      rateLimits: rateLimitsOf(config),
      idempotencyTtlHours: config.IDEMPOTENCY_TTL_HOURS,
      webhooks: { allowInternalNetworks: config.WEBHOOK_ALLOW_INTERNAL_NETWORKS === 'true' },
      tracing: Boolean(tracing),
      metrics: config.METRICS_ENABLED === 'true',
      ...trustProxyOf(config),
      logLevel: config.LOG_LEVEL,
      ...(options.logStream ? { logStream: options.logStream } : {}),
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
      title: services.length === 1 ? `Casework ${services[0]!.name} API` : 'Casework API',
    });
    if (production && !config.TRUST_PROXY && config.RATE_LIMIT_TOKENS > 0)
      // behind the ingress, every caller would come from its address: one token budget for all of them
      app.log.warn(
        'TRUST_PROXY is not set: per-address limits count the address that connects; behind the ingress set TRUST_PROXY to its address',
      );
    const t = transport;
    return {
      app,
      mode: distributed ? 'distributed' : 'embedded',
      ...(signingKey ? { signingKey } : {}),
      close: async () => {
        await app.close();
        await t.close();
        await database.close();
        // the spans of the last moments, before the process goes
        await tracing?.flush();
      },
    };
  } catch (e) {
    await transport?.close().catch(() => {});
    await database.close().catch(() => {});
    throw e;
  }
}

function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The JetStream transport's settings, the NATS credentials and TLS files (NATS_USER, NATS_TLS_CA_FILE, …) included. */
function jetStreamOptionsOf(config: Config): JetStreamOptions & { security?: NatsSecurity } {
  return {
    url: config.NATS_URL!,
    prefix: config.NATS_PREFIX,
    stream: config.NATS_STREAM,
    replicas: config.NATS_REPLICAS,
    maxDeliver: config.CONSUMER_MAX_DELIVER,
    security: natsSecurityOf(config),
  };
}
