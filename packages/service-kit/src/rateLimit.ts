import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Problem } from '@casework/contracts';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError } from './problems.js';

/**
 * Per-caller limits (issue 14): a route opts in with `config: { limit: 'search' | 'registration' }`;
 * identifier probes (registering an identifier held outside the caller's scope) are throttled by the
 * route that detects them through `app.throttles`. A limit of 0 switches it off.
 */
export type RateLimits = {
  /** Searches per caller per window. */
  search: number;
  /** Registrations per caller per window. */
  registration: number;
  /** The window of `search` and `registration`, in ms. */
  windowMs: number;
  /** Attempts to register (or correct to) an identifier held outside the caller's scope, per probe window. */
  identifierProbes: number;
  probeWindowMs: number;
};

export const DEFAULT_RATE_LIMITS: RateLimits = {
  search: 60,
  registration: 30,
  windowMs: 60_000,
  identifierProbes: 5,
  probeWindowMs: 15 * 60_000,
};

export type LimitName = 'search' | 'registration';
export type ThrottleName = 'identifierProbe';

export type Throttles = {
  /** 429 with Retry-After if the caller has used up the named allowance of its window; counts nothing. */
  check: (request: FastifyRequest, reply: FastifyReply, name: ThrottleName) => Promise<void>;
  /** Counts one against the caller's named allowance. */
  count: (request: FastifyRequest, name: ThrottleName) => Promise<void>;
};

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A per-caller limit the route counts against (429 problem+json with Retry-After beyond it). */
    limit?: LimitName;
  }
  interface FastifyInstance {
    throttles: Throttles;
  }
}

/** The caller a limit counts for: the token's subject and scope, or the address without a token. */
export function callerKey(request: FastifyRequest): string {
  const p = request.principal;
  return p ? `sub:${p.sub}|${p.municipality ?? p.oblast ?? '-'}` : `ip:${request.ip}`;
}

const BULK_HEADER = 'x-casework-bulk-load';
const bulkToken = Buffer.from(randomBytes(32).toString('base64url'));

/**
 * Headers for in-process bulk work (the demo seed, through `app.inject`): an operator's load, not a
 * caller, so the per-caller limits do not count it. The value is a random secret of this process,
 * never written anywhere; a request from outside cannot carry it.
 */
export const bulkLoadHeaders = (): Record<string, string> => ({ [BULK_HEADER]: bulkToken.toString() });

const isBulkLoad = (request: FastifyRequest) => {
  const v = request.headers[BULK_HEADER];
  return typeof v === 'string' && v.length === bulkToken.length && timingSafeEqual(Buffer.from(v), bulkToken);
};

const tooMany = (reply: FastifyReply, ttlInSeconds: number, detail: string) => {
  reply.header('retry-after', String(Math.max(1, ttlInSeconds)));
  return new ProblemError(429, 'RATE_LIMITED', 'Too many requests', detail);
};

/** Registers @fastify/rate-limit (in memory, per process) and the hook of routes that opt in. */
export async function rateLimits(app: FastifyInstance, settings: Partial<RateLimits> = {}): Promise<void> {
  const s = { ...DEFAULT_RATE_LIMITS, ...settings };
  await app.register(rateLimit, { global: false });
  const limiter = (max: number, timeWindow: number) =>
    max > 0
      ? app.createRateLimit({
          max,
          timeWindow,
          keyGenerator: callerKey,
          allowList: isBulkLoad,
        })
      : undefined;
  const limits = { search: limiter(s.search, s.windowMs), registration: limiter(s.registration, s.windowMs) };
  const per = (ms: number) => (ms === 60_000 ? 'a minute' : `${Math.round(ms / 1000)} s`);

  app.addHook('onRoute', (route) => {
    const name = route.config?.limit;
    if (!name) return;
    // the 429 is part of the route's contract: declared in its OpenAPI responses
    const schema = (route.schema ?? {}) as { response?: Record<string, unknown> };
    route.schema = { ...schema, response: { 429: Problem, ...schema.response } };
    const limit = limits[name];
    if (!limit) return;
    const max = s[name];
    const hook = async (request: FastifyRequest, reply: FastifyReply) => {
      const r = await limit(request);
      if (r.isAllowed || !r.isExceeded) return;
      throw tooMany(reply, r.ttlInSeconds, `at most ${max} ${name} requests ${per(s.windowMs)} per caller`);
    };
    // after authentication (a global preValidation hook), so the caller is known
    route.preValidation = [...[route.preValidation ?? []].flat(), hook] as typeof route.preValidation;
  });

  const probes = limiter(s.identifierProbes, s.probeWindowMs);
  app.decorate('throttles', {
    check: async (request, reply, _name) => {
      if (!probes) return;
      const r = await probes(request, { increment: false });
      if (r.isAllowed || r.remaining > 0) return;
      throw tooMany(
        reply,
        r.ttlInSeconds,
        'too many attempts to register people held by another municipality; try again later',
      );
    },
    count: async (request, _name) => {
      await probes?.(request);
    },
  } satisfies Throttles);
}
