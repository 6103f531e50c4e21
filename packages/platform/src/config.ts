import { z } from 'zod';

/** Every setting, from the environment, validated once at start-up (the README's table lists them). */
export const Config = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('HTTP port'),
  HOST: z.string().default('127.0.0.1').describe('HTTP listen address'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino level'),
  DATA_DIR: z.string().default('./.data').describe('Embedded mode: where PGlite and the local keys live'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional()
    .describe('PostgreSQL URL; when set (with NATS_URL) the platform runs distributed'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).default(20).describe('PostgreSQL pool size per process'),
  NATS_URL: z
    .string()
    .regex(/^(nats|tls):\/\//, 'must be a nats:// URL')
    .optional()
    .describe('NATS server(s) with JetStream, comma-separated'),
  NATS_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/)
    .default('casework')
    .describe('Subject prefix'),
  NATS_STREAM: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/)
    .default('CASEWORK')
    .describe('JetStream stream name'),
  NATS_REPLICAS: z.coerce
    .number()
    .int()
    .min(1)
    .max(5)
    .default(1)
    .describe('Stream replicas (3 in a cluster)'),
  CONSUMER_MAX_DELIVER: z.coerce.number().int().min(1).default(5).describe('Deliveries before dead letters'),
  AUTH_SIGNING_KEY: z
    .string()
    .min(32)
    .optional()
    .describe('HS256 key for local tokens (embedded default: generated)'),
  AUTH_JWKS_URL: z.url().optional().describe('JWKS URL of the identity provider (production)'),
  IDENTIFIER_HASH_KEY: z
    .string()
    .min(32)
    .optional()
    .describe('HMAC key for duplicate detection of personal identifiers (embedded default: generated)'),
  IDEMPOTENCY_TTL_HOURS: z.coerce
    .number()
    .positive()
    .max(720)
    .default(24)
    .describe('How long a completed Idempotency-Key is replayed before it is deleted'),
  TRUST_PROXY: z
    .string()
    .optional()
    .describe(
      "Reverse proxies whose X-Forwarded-* headers are believed: 'true', or their addresses/CIDRs comma-separated (HSTS is sent when they say https)",
    ),
});
export type Config = z.infer<typeof Config>;
