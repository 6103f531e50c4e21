import type { NatsSecurity } from '@casework/messaging';
import { z } from 'zod';

const ASYMMETRIC = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

/** Every setting, from the environment, validated once at start-up (the README's table lists them). */
export const Config = z
  .object({
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
    DATABASE_POOL_MAX: z.coerce
      .number()
      .int()
      .min(1)
      .default(20)
      .describe('PostgreSQL pool size per process'),
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
      .describe(
        'Prefix of the JetStream stream names: one stream per publishing service, <NATS_STREAM>_<SERVICE>',
      ),
    NATS_USER: z.string().min(1).optional().describe('NATS user (with NATS_PASSWORD)'),
    NATS_PASSWORD: z.string().min(1).optional().describe('NATS password of NATS_USER (secret)'),
    NATS_TOKEN: z.string().min(1).optional().describe('NATS authentication token (secret)'),
    NATS_NKEY_SEED: z
      .string()
      .regex(/^SU[A-Z2-7]{56}$/, 'must be a NATS user nkey seed (SU…, 58 characters)')
      .optional()
      .describe('NATS user nkey seed (secret; prefer NATS_NKEY_SEED_FILE)'),
    NATS_NKEY_SEED_FILE: z.string().min(1).optional().describe('File holding the NATS user nkey seed'),
    NATS_CREDS_FILE: z
      .string()
      .min(1)
      .optional()
      .describe('NATS credentials file (user JWT and nkey seed, as nsc writes it)'),
    NATS_TLS_CA_FILE: z
      .string()
      .min(1)
      .optional()
      .describe("CA certificate(s) that signed the NATS servers' certificates; requires TLS"),
    NATS_TLS_CERT_FILE: z
      .string()
      .min(1)
      .optional()
      .describe('Client certificate for NATS servers that verify clients (with NATS_TLS_KEY_FILE)'),
    NATS_TLS_KEY_FILE: z.string().min(1).optional().describe('Private key of NATS_TLS_CERT_FILE'),
    NATS_REPLICAS: z.coerce
      .number()
      .int()
      .min(1)
      .max(5)
      .default(1)
      .describe('Stream replicas (3 in a cluster)'),
    CONSUMER_MAX_DELIVER: z.coerce
      .number()
      .int()
      .min(1)
      .default(5)
      .describe('Deliveries before dead letters'),
    AUTH_SIGNING_KEY: z
      .string()
      .min(32)
      .optional()
      .describe('HS256 key for local tokens (embedded default: generated)'),
    AUTH_JWKS_URL: z.url().optional().describe('JWKS URL of the identity provider (production)'),
    AUTH_JWKS_ALGORITHMS: z
      .string()
      .default('RS256,ES256')
      .transform((v) => v.split(',').map((a) => a.trim()))
      .pipe(z.array(z.enum(ASYMMETRIC)).min(1))
      .describe(
        'Signature algorithms accepted from the JWKS, comma-separated (locally signed tokens: HS256)',
      ),
    AUTH_ISSUER: z.string().min(1).default('casework').describe('Required `iss` of tokens'),
    AUTH_AUDIENCE: z.string().min(1).default('casework-api').describe('Required `aud` of tokens'),
    AUTH_MAX_TOKEN_LIFETIME: z.coerce
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(43_200)
      .describe('Longest life of a token, exp − iat, in seconds (12 h)'),
    AUTH_CLOCK_SKEW: z.coerce
      .number()
      .int()
      .min(0)
      .max(300)
      .default(60)
      .describe('Clock skew allowed on exp, nbf and iat, in seconds'),
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
    WEBHOOK_ALLOW_INTERNAL_NETWORKS: z
      .enum(['true', 'false'])
      .default('false')
      .describe('Webhook endpoints on loopback and private networks are allowed (an intranet receiver)'),
    OTEL_EXPORTER_OTLP_ENDPOINT: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('OpenTelemetry collector (OTLP over HTTP): traces are exported there when set; off when not'),
    METRICS_ENABLED: z
      .enum(['true', 'false'])
      .default('false')
      .describe('Prometheus metrics on each instance at /metrics (never through the ingress)'),
    OTEL_SERVICE_NAME: z
      .string()
      .min(1)
      .optional()
      .describe("The traces' service name (default casework, or casework-<service> for one service)"),
    TRUST_PROXY: z
      .string()
      .optional()
      .describe(
        "Reverse proxies whose X-Forwarded-* headers are believed: 'true', or their addresses/CIDRs comma-separated (HSTS is sent when they say https)",
      ),
    RATE_LIMIT_SEARCHES: z.coerce
      .number()
      .int()
      .min(0)
      .default(60)
      .describe('Client searches a minute per caller (token subject and scope); 0: no limit'),
    RATE_LIMIT_REGISTRATIONS: z.coerce
      .number()
      .int()
      .min(0)
      .default(30)
      .describe('Client registrations and corrections a minute per caller; 0: no limit'),
    RATE_LIMIT_TOKENS: z.coerce
      .number()
      .int()
      .min(0)
      .default(30)
      .describe('Token requests (`POST /v1/oauth/token`) a minute per client address; 0: no limit'),
    RATE_LIMIT_IDENTIFIER_PROBES: z.coerce
      .number()
      .int()
      .min(0)
      .default(5)
      .describe(
        'Registrations or corrections naming a person registered by another municipality, per caller in 15 minutes, before 429; 0: no limit',
      ),
    NODE_ENV: z.string().optional().describe('`production` refuses the embedded mode'),
    CASEWORK_MODE: z
      .enum(['embedded', 'distributed'])
      .optional()
      .describe('`distributed` refuses to start without DATABASE_URL and NATS_URL (default: from them)'),
  })
  .superRefine((c, ctx) => {
    const fail = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    // the embedded mode (PGlite, generated keys, tokens for anyone who can run mint-token) is for trying
    // Casework on one machine; production must never fall back to it because a variable went missing
    const why = productionReason(c);
    if (why) {
      for (const name of ['DATABASE_URL', 'NATS_URL'] as const) {
        if (!c[name]) fail(name, `required with ${why}: the embedded mode is not for production`);
      }
      if (!c.IDENTIFIER_HASH_KEY) fail('IDENTIFIER_HASH_KEY', `required with ${why}: no key is generated`);
      // keys fetched over plain HTTP could be swapped on the way: whoever did so would mint any token
      if (c.AUTH_JWKS_URL && new URL(c.AUTH_JWKS_URL).protocol !== 'https:') {
        fail('AUTH_JWKS_URL', `must be an https:// URL with ${why}`);
      }
      if (!c.AUTH_JWKS_URL && !c.AUTH_SIGNING_KEY) {
        fail(
          'AUTH_JWKS_URL',
          `AUTH_JWKS_URL (or AUTH_SIGNING_KEY) is required with ${why}: no key is generated`,
        );
      }
    }
    if (c.CASEWORK_MODE === 'embedded' && (c.DATABASE_URL || c.NATS_URL)) {
      fail('CASEWORK_MODE', 'embedded, but DATABASE_URL or NATS_URL is set');
    }
    if (c.AUTH_JWKS_URL && c.AUTH_SIGNING_KEY) {
      fail('AUTH_SIGNING_KEY', 'set AUTH_SIGNING_KEY or AUTH_JWKS_URL, not both');
    }
    natsSecurityIssues(c, fail);
  });
export type Config = z.infer<typeof Config>;

const NATS_SECURITY = [
  'NATS_USER',
  'NATS_PASSWORD',
  'NATS_TOKEN',
  'NATS_NKEY_SEED',
  'NATS_NKEY_SEED_FILE',
  'NATS_CREDS_FILE',
  'NATS_TLS_CA_FILE',
  'NATS_TLS_CERT_FILE',
  'NATS_TLS_KEY_FILE',
] as const;
type NatsSettings = { NATS_URL?: string | undefined } & {
  [K in (typeof NATS_SECURITY)[number]]?: string | undefined;
};

/** Incompatible NATS credentials and TLS settings, each named by its variable (never its value). */
function natsSecurityIssues(c: NatsSettings, fail: (path: string, message: string) => void) {
  if (c.NATS_USER && !c.NATS_PASSWORD) fail('NATS_PASSWORD', 'required with NATS_USER');
  if (c.NATS_PASSWORD && !c.NATS_USER) fail('NATS_USER', 'required with NATS_PASSWORD');
  const ways = (
    ['NATS_USER', 'NATS_TOKEN', 'NATS_NKEY_SEED', 'NATS_NKEY_SEED_FILE', 'NATS_CREDS_FILE'] as const
  ).filter((name) => c[name] || (name === 'NATS_USER' && c.NATS_PASSWORD));
  for (const name of ways.slice(1)) {
    fail(name, `set only one way to authenticate to NATS, not ${ways.join(' and ')}`);
  }
  if (c.NATS_TLS_CERT_FILE && !c.NATS_TLS_KEY_FILE)
    fail('NATS_TLS_KEY_FILE', 'required with NATS_TLS_CERT_FILE');
  if (c.NATS_TLS_KEY_FILE && !c.NATS_TLS_CERT_FILE)
    fail('NATS_TLS_CERT_FILE', 'required with NATS_TLS_KEY_FILE');
  if (!c.NATS_URL) {
    for (const name of NATS_SECURITY) {
      if (c[name]) fail(name, 'set without NATS_URL: the embedded mode connects to no NATS server');
    }
  }
}

/** The NATS credentials and TLS files of the configuration, for `natsConnectionOptions`. */
export function natsSecurityOf(c: Config): NatsSecurity {
  const tls = {
    ...(c.NATS_TLS_CA_FILE ? { caFile: c.NATS_TLS_CA_FILE } : {}),
    ...(c.NATS_TLS_CERT_FILE ? { certFile: c.NATS_TLS_CERT_FILE } : {}),
    ...(c.NATS_TLS_KEY_FILE ? { keyFile: c.NATS_TLS_KEY_FILE } : {}),
  };
  return {
    ...(c.NATS_USER ? { user: c.NATS_USER, password: c.NATS_PASSWORD } : {}),
    ...(c.NATS_TOKEN ? { token: c.NATS_TOKEN } : {}),
    ...(c.NATS_NKEY_SEED ? { nkeySeed: c.NATS_NKEY_SEED } : {}),
    ...(c.NATS_NKEY_SEED_FILE ? { nkeySeedFile: c.NATS_NKEY_SEED_FILE } : {}),
    ...(c.NATS_CREDS_FILE ? { credsFile: c.NATS_CREDS_FILE } : {}),
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
  };
}

/** Why this configuration must run distributed (NODE_ENV=production or CASEWORK_MODE=distributed), if it must. */
export function productionReason(c: { NODE_ENV?: string | undefined; CASEWORK_MODE?: string | undefined }) {
  if (c.NODE_ENV === 'production') return 'NODE_ENV=production';
  if (c.CASEWORK_MODE === 'distributed') return 'CASEWORK_MODE=distributed';
  return undefined;
}

/** The verifier's settings (DESIGN §6: algorithms, issuer and audience come from configuration). */
export const tokenRules = (c: Config) => ({
  issuer: c.AUTH_ISSUER,
  audience: c.AUTH_AUDIENCE,
  jwksAlgorithms: c.AUTH_JWKS_ALGORITHMS,
  maxTokenLifetime: c.AUTH_MAX_TOKEN_LIFETIME,
  clockSkew: c.AUTH_CLOCK_SKEW,
});

/** The per-caller limits (issue 14): searches, registrations and token requests a minute, identifier probes in 15 minutes. */
export const rateLimitsOf = (c: Config) => ({
  search: c.RATE_LIMIT_SEARCHES,
  registration: c.RATE_LIMIT_REGISTRATIONS,
  token: c.RATE_LIMIT_TOKENS,
  identifierProbes: c.RATE_LIMIT_IDENTIFIER_PROBES,
});

/** What the API reference process (`main.js docs`) reads: it holds no data and no key. */
export const ReferenceConfig = z.object({
  PORT: Config.shape.PORT,
  HOST: Config.shape.HOST,
  LOG_LEVEL: Config.shape.LOG_LEVEL,
  TRUST_PROXY: Config.shape.TRUST_PROXY,
});

/** Fastify's `trustProxy` from TRUST_PROXY: `true`, the proxies' addresses, or none (an empty object). */
export const trustProxyOf = (c: { TRUST_PROXY?: string | undefined }): { trustProxy?: boolean | string } =>
  c.TRUST_PROXY ? { trustProxy: c.TRUST_PROXY === 'true' ? true : c.TRUST_PROXY } : {};
