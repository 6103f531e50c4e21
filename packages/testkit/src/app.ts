import type { Writable } from 'node:stream';
import type { Database } from '@casework/eventstore';
import { InProcessTransport, JetStreamTransport, type Transport } from '@casework/messaging';
import {
  buildApp,
  mintToken,
  type Principal,
  type RateLimits,
  type ServiceModule,
  type WebhookOptions,
} from '@casework/service-kit';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { natsNames, natsUrl, type Teardown, testPostgres } from './resources.js';

export const TEST_SIGNING_KEY = 'test-signing-key-of-at-least-32-characters';
export const TEST_IDENTIFIER_KEY = 'test-identifier-key-of-at-least-32-chars';

export type TestApp = {
  app: FastifyInstance;
  database: Database;
  transport: Transport;
  /** A bearer header for a principal: `as(['case_manager'], { municipality: 'BLG01' })`. */
  as: (
    roles: Principal['roles'],
    scope: { municipality?: string; oblast?: string },
    sub?: string,
  ) => Promise<{ authorization: string }>;
};

/**
 * Services hosted for an integration test: a PostgreSQL database of the test file's own, and JetStream
 * with its own prefix and stream (or the in-process transport), workers running, closed at teardown.
 */
export async function testApp(
  t: Teardown,
  services: ServiceModule[],
  options: {
    transport?: 'jetstream' | 'in-process';
    clock?: () => Date;
    logStream?: Writable;
    logLevel?: string;
    /** Per-caller limits and the identifier-probe throttle: off unless a test asks (bulk and matrix tests). */
    rateLimits?: Partial<RateLimits>;
    /** Webhook delivery settings; receivers on loopback are allowed (tests run them locally). */
    webhooks?: WebhookOptions;
    /** Prometheus metrics on /metrics (off, as in the platform's default). */
    metrics?: boolean;
    /** Proxies whose X-Forwarded-* headers are believed, as TRUST_PROXY sets it. */
    trustProxy?: boolean | string;
  } = {},
): Promise<TestApp> {
  const database = await testPostgres(t, { max: 10 });
  const transport: Transport =
    options.transport === 'in-process'
      ? new InProcessTransport({ maxDeliver: 5 })
      : await JetStreamTransport.connect({ url: await natsUrl(), ...natsNames(), maxDeliver: 5 });
  const app = await buildApp({
    services,
    database,
    transport,
    auth: { signingKey: TEST_SIGNING_KEY },
    identifierKey: TEST_IDENTIFIER_KEY,
    logLevel: options.logLevel ?? 'warn',
    rateLimits: options.rateLimits ?? { search: 0, registration: 0, token: 0, identifierProbes: 0 },
    webhooks: { allowInternalNetworks: true, ...options.webhooks },
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.metrics ? { metrics: true } : {}),
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
    ...(options.logStream ? { logStream: options.logStream } : {}),
  });
  t.teardown(async () => {
    await app.close();
    await transport.close();
  });
  return {
    app,
    database,
    transport,
    as: async (roles, scope, sub = 'test-user') => ({
      authorization: `Bearer ${await mintToken(TEST_SIGNING_KEY, { sub, roles, ...scope } as Principal)}`,
    }),
  };
}

/**
 * Polls until `fn` returns a value (read models and consumers are eventually consistent), for `ms` (30 s):
 * a bound only a failing test reaches, generous because a loaded two-core CI machine runs a file several
 * times slower than it runs alone.
 */
export async function eventually<T>(fn: () => Promise<T | undefined>, ms = 30_000): Promise<T | undefined> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  return undefined;
}

/** Requests through `inject`, as the given caller unless another is named. */
export function requestsAs(
  app: FastifyInstance,
  caller: { authorization: string },
): {
  post: (url: string, payload: object, headers?: object) => Promise<LightMyRequestResponse>;
  put: (url: string, payload: object, headers?: object) => Promise<LightMyRequestResponse>;
  get: (url: string, headers?: object) => Promise<LightMyRequestResponse>;
} {
  return {
    post: (url: string, payload: object, headers: object = caller) =>
      app.inject({ method: 'POST', url, payload, headers: headers as Record<string, string> }),
    put: (url: string, payload: object, headers: object = caller) =>
      app.inject({ method: 'PUT', url, payload, headers: headers as Record<string, string> }),
    get: (url: string, headers: object = caller) =>
      app.inject({ url, headers: headers as Record<string, string> }),
  };
}
