import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Problem } from '@casework/contracts';
import type { Db } from '@casework/eventstore';
import rateLimit, { type FastifyRateLimitStore } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import ipaddr from 'ipaddr.js';
import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import { ProblemError } from './problems.js';
import { sweepEvery } from './sweep.js';

/**
 * Per-caller limits (issue 14): a route opts in with `config: { limit: 'search' | 'registration' |
 * 'token' }` (a public route's caller is its client address: the token route's);
 * identifier probes (registering an identifier held outside the caller's scope) are throttled by the
 * route that detects them through `app.throttles`. A limit of 0 switches it off.
 *
 * The counters live in PostgreSQL (a `rate_limits` table in the service's schema), so every instance
 * of a service counts against one budget per caller and a restart resets nothing.
 */
export type RateLimits = {
  /** Searches per caller per window. */
  search: number;
  /** Registrations per caller per window. */
  registration: number;
  /** Token requests (client credentials) per client address per window: no caller is known before one. */
  token: number;
  /** The window of `search` and `registration`, in ms. */
  windowMs: number;
  /** Attempts to register (or correct to) an identifier held outside the caller's scope, per probe window. */
  identifierProbes: number;
  probeWindowMs: number;
};

export const DEFAULT_RATE_LIMITS: RateLimits = {
  search: 60,
  registration: 30,
  token: 30,
  windowMs: 60_000,
  identifierProbes: 5,
  probeWindowMs: 15 * 60_000,
};

export type LimitName = 'search' | 'registration' | 'token';
export type ThrottleName = 'identifierProbe';

/** One unit of a caller's allowance, taken before the action it may turn out to be. */
export type Slot = {
  /** The action was what the allowance counts: the unit stays used. */
  keep: () => Promise<void>;
  /** The action was not what the allowance counts: the unit is given back. */
  release: () => Promise<void>;
};

export type Throttles = {
  /**
   * Takes one unit of the caller's named allowance before the action runs (429 with Retry-After when
   * none is left): concurrent requests can never take more than the allowance between them. The route
   * keeps the slot when the action is what the allowance counts and releases it when not. While a
   * request holds its slot, the caller's other requests cannot have it (429, Retry-After 1 s).
   */
  reserve: (request: FastifyRequest, reply: FastifyReply, name: ThrottleName) => Promise<Slot>;
  /**
   * For a request that cannot be what the allowance counts: 429 with Retry-After if the caller has used
   * it up; takes nothing (a slot whose `keep` counts one, should the request be counted after all).
   */
  check: (request: FastifyRequest, reply: FastifyReply, name: ThrottleName) => Promise<Slot>;
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
  return p ? `sub:${p.sub}|${p.municipality ?? p.oblast ?? '-'}` : `ip:${addressKey(request.ip)}`;
}

/**
 * An address as a limit counts it: an IPv4 address itself (also when written IPv4-mapped), an IPv6
 * address by its /64, the smallest network one subscriber is given: counted one by one, a single
 * subscriber would have 2^64 budgets.
 */
export function addressKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  // an IPv4-mapped IPv6 address comes out as its IPv4 address
  const address = ipaddr.process(ip);
  if (address.kind() === 'ipv4') return address.toString();
  const prefix = (address as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${prefix.join(':')}::/64`;
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
  if (typeof v !== 'string') return false;
  // bytes, not characters: a header of as many Latin-1 characters is longer in UTF-8
  const given = Buffer.from(v);
  return given.length === bulkToken.length && timingSafeEqual(given, bulkToken);
};

/**
 * The counters' table, in every hosted service's schema (buildApp runs it with the access log's). One
 * row per limit and caller: the hits of its current fixed window, how many of them are slots still
 * held by a request in flight, and when the window ends (epoch ms, by the database's clock, so
 * instances with drifting clocks agree).
 */
export const rateLimitMigrations = (schema: string): Record<string, Migration> => ({
  '0011_rate_limits': {
    async up(db) {
      const s = sql.id(schema);
      await sql`CREATE TABLE IF NOT EXISTS ${s}.rate_limits (
        key text PRIMARY KEY,
        hits integer NOT NULL,
        held integer NOT NULL DEFAULT 0,
        resets_at bigint NOT NULL
      )`.execute(db);
      await sql`CREATE INDEX IF NOT EXISTS rate_limits_expiry ON ${s}.rate_limits (resets_at)`.execute(db);
    },
  },
});

/**
 * A counted hit: the hits of the window so far (this one included), how many of them are held by
 * requests in flight, the window's time left, and the window (to give a hit back to the right one).
 */
export type Hit = { hits: number; held: number; ttlMs: number; window: string };

const NOW_MS = sql`(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;

/** Fixed-window counters in `<schema>.rate_limits`, shared by every instance on the database. */
export class RateCounters {
  readonly #table;
  constructor(
    private readonly db: Db,
    schema: string,
  ) {
    this.#table = sql`${sql.id(schema)}.rate_limits`;
  }

  /**
   * Counts one hit against `key` in one atomic statement: a new window when there is none or the last
   * one has ended, else one more in the current window. `hold`: the hit is a slot held by a request
   * in flight until it is given back or settled.
   */
  async hit(key: string, windowMs: number, hold = false): Promise<Hit> {
    const held = hold ? 1 : 0;
    const { rows } = await sql<{ hits: number; held: number; ttl: number; resets: string }>`
      WITH now AS (SELECT ${NOW_MS} AS ms)
      INSERT INTO ${this.#table} AS r (key, hits, held, resets_at)
      SELECT ${key}, 1, ${held}::int, now.ms + ${windowMs}::bigint FROM now
      ON CONFLICT (key) DO UPDATE SET
        hits = CASE WHEN r.resets_at <= EXCLUDED.resets_at - ${windowMs}::bigint THEN 1 ELSE r.hits + 1 END,
        held = CASE WHEN r.resets_at <= EXCLUDED.resets_at - ${windowMs}::bigint
          THEN EXCLUDED.held ELSE r.held + EXCLUDED.held END,
        resets_at = CASE WHEN r.resets_at <= EXCLUDED.resets_at - ${windowMs}::bigint
          THEN EXCLUDED.resets_at ELSE r.resets_at END
      RETURNING r.hits, r.held, (r.resets_at - (SELECT ms FROM now))::int AS ttl, r.resets_at::text AS resets`.execute(
      this.db,
    );
    const r = rows[0]!;
    return {
      hits: Number(r.hits),
      held: Number(r.held),
      ttlMs: Math.max(0, Number(r.ttl)),
      window: r.resets,
    };
  }

  /** The hits of `key`'s current window and how many are held, counting nothing. */
  async peek(key: string): Promise<{ hits: number; held: number; ttlMs: number }> {
    const { rows } = await sql<{ hits: number; held: number; ttl: number }>`
      SELECT r.hits, r.held, (r.resets_at - now.ms)::int AS ttl
      FROM ${this.#table} r, (SELECT ${NOW_MS} AS ms) now
      WHERE r.key = ${key} AND r.resets_at > now.ms`.execute(this.db);
    const r = rows[0];
    return r
      ? { hits: Number(r.hits), held: Number(r.held), ttlMs: Number(r.ttl) }
      : { hits: 0, held: 0, ttlMs: 0 };
  }

  /** Takes back one hit of `window` (nothing once that window has ended and another begun). */
  async giveBack(key: string, window: string, held = false): Promise<void> {
    await sql`UPDATE ${this.#table} SET hits = hits - 1, held = GREATEST(held - ${held ? 1 : 0}::int, 0)
      WHERE key = ${key} AND resets_at = ${window}::bigint AND hits > 0`.execute(this.db);
  }

  /** A held hit of `window` stays counted: its request turned out to be what the limit counts. */
  async settle(key: string, window: string): Promise<void> {
    await sql`UPDATE ${this.#table} SET held = held - 1
      WHERE key = ${key} AND resets_at = ${window}::bigint AND held > 0`.execute(this.db);
  }

  /** Deletes the rows of windows that have ended. */
  async sweep(): Promise<void> {
    await sql`DELETE FROM ${this.#table} WHERE resets_at <= ${NOW_MS}`.execute(this.db);
  }

  /** A store for @fastify/rate-limit (its custom `store` interface) counting here. */
  storeClass(): new () => FastifyRateLimitStore {
    const counters = this;
    type Done = (e: Error | null, r?: { current: number; ttl: number }) => void;
    class PostgresStore implements FastifyRateLimitStore {
      incr(key: string, cb: Done, timeWindow: number) {
        counters.hit(key, timeWindow).then(
          (h) => cb(null, { current: h.hits, ttl: h.ttlMs }),
          (e: Error) => cb(e),
        );
      }
      /** The non-mutating read `{ increment: false }` uses. */
      read(key: string, cb: Done) {
        counters.peek(key).then(
          (h) => cb(null, { current: h.hits, ttl: h.ttlMs }),
          (e: Error) => cb(e),
        );
      }
      child() {
        return new PostgresStore();
      }
    }
    return PostgresStore;
  }
}

const tooMany = (reply: FastifyReply, ttlInSeconds: number, detail: string) => {
  reply.header('retry-after', String(Math.max(1, ttlInSeconds)));
  return new ProblemError(429, 'RATE_LIMITED', 'Too many requests', detail);
};

const NO_SLOT: Slot = { keep: async () => {}, release: async () => {} };

/**
 * Settles a slot once (keep or release, whichever comes first) and never fails the request: the command
 * has run and its answer stands (a slot that could not be given back stays counted until its window ends).
 */
const settling =
  (request: FastifyRequest, settled: { done: boolean }, f: () => Promise<unknown>) =>
  async (): Promise<void> => {
    if (settled.done) return;
    settled.done = true;
    try {
      await f();
    } catch (e) {
      request.log.warn(
        { err: { type: (e as Error).name, code: (e as { code?: string }).code } },
        'rate-limit slot not settled',
      );
    }
  };

/**
 * Registers @fastify/rate-limit with counters in the service's schema, the hook of routes that opt in
 * and `app.throttles`. Called in each hosted service's scope (its routes count in its schema).
 */
export async function rateLimits(
  app: FastifyInstance,
  settings: Partial<RateLimits>,
  where: { db: Db; schema: string; sweepMs?: number },
): Promise<void> {
  const s = { ...DEFAULT_RATE_LIMITS, ...settings };
  const counters = new RateCounters(where.db, where.schema);
  await app.register(rateLimit, { global: false, store: counters.storeClass() });
  const limiter = (name: string, max: number, timeWindow: number) =>
    max > 0
      ? app.createRateLimit({
          max,
          timeWindow,
          // one budget per limit and caller
          keyGenerator: (request) => `${name}|${callerKey(request)}`,
          allowList: isBulkLoad,
        })
      : undefined;
  const limits = {
    search: limiter('search', s.search, s.windowMs),
    registration: limiter('registration', s.registration, s.windowMs),
    token: limiter('token', s.token, s.windowMs),
  };
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
      const whose = route.config?.roles === 'public' ? 'per client address' : 'per caller';
      throw tooMany(reply, r.ttlInSeconds, `at most ${max} ${name} requests ${per(s.windowMs)} ${whose}`);
    };
    // after authentication (a global preValidation hook), so the caller is known
    route.preValidation = [...[route.preValidation ?? []].flat(), hook] as typeof route.preValidation;
  });

  const probeLimit = s.identifierProbes;
  const usedUp = (reply: FastifyReply, ttlMs: number) =>
    tooMany(
      reply,
      Math.ceil(ttlMs / 1000),
      'too many attempts to register people held by another municipality; try again later',
    );
  app.decorate('throttles', {
    reserve: async (request, reply, name) => {
      if (probeLimit <= 0 || isBulkLoad(request)) return NO_SLOT;
      const key = `${name}|${callerKey(request)}`;
      const taken = await counters.hit(key, s.probeWindowMs, true);
      if (taken.hits > probeLimit) {
        // over the allowance: this request takes nothing, so the count stays what the caller holds
        await counters.giveBack(key, taken.window, true);
        if (taken.hits - taken.held >= probeLimit) throw usedUp(reply, taken.ttlMs);
        // the allowance is held by the caller's own requests in flight: one of them may give it back
        reply.header('retry-after', '1');
        throw new ProblemError(
          429,
          'RATE_LIMITED',
          'Too many requests',
          'too many requests naming an identifier at once; try again in a moment',
        );
      }
      const settled = { done: false };
      return {
        keep: settling(request, settled, () => counters.settle(key, taken.window)),
        release: settling(request, settled, () => counters.giveBack(key, taken.window, true)),
      };
    },
    check: async (request, reply, name) => {
      if (probeLimit <= 0 || isBulkLoad(request)) return NO_SLOT;
      const key = `${name}|${callerKey(request)}`;
      const now = await counters.peek(key);
      if (now.hits - now.held >= probeLimit) throw usedUp(reply, now.ttlMs);
      return {
        keep: settling(request, { done: false }, () => counters.hit(key, s.probeWindowMs)),
        release: async () => {},
      };
    },
  } satisfies Throttles);

  // ended windows are deleted by every instance now and then (a live window is never touched)
  const sweepMs = where.sweepMs ?? Math.max(s.windowMs, 60_000);
  if (sweepMs > 0 && (s.search > 0 || s.registration > 0 || s.token > 0 || s.identifierProbes > 0)) {
    sweepEvery(app, sweepMs, 'rate-limit', () => counters.sweep());
  }
}
