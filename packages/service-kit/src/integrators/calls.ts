import type { EventStore } from '@casework/eventstore';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import { z } from 'zod';
import { principalOf } from '../auth.js';
import { decodeTaggedCursor, encodeCursor } from '../cursor.js';
import { GroupCommit } from '../groupCommit.js';
import type { HostedService } from '../hosting.js';
import { routeTemplate } from '../routeTemplate.js';
import { sweepEvery } from '../sweep.js';

/** How long a call stays in the log: a year and a month, so last year's calls can be audited in January. */
const KEEP_CALLS_DAYS = 400;

/** One call by an integrator (or an attempt to get its token), as the log keeps it. */
export type IntegratorCall = {
  integrator: string;
  method: string;
  route: string;
  status: number;
  correlationId: string;
};

type Store = Pick<EventStore, 'db' | 'schema'>;

/** The integrators' call log, in every hosted service's schema (buildApp runs it before the service's own). */
export const integratorCallMigrations = (schema: string): Record<string, Migration> => ({
  '0030_integrator_calls': {
    async up(db) {
      const s = sql.id(schema);
      await sql`CREATE TABLE ${s}.integrator_calls (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          at timestamptz NOT NULL DEFAULT now(),
          integrator text NOT NULL,
          method text NOT NULL,
          route text NOT NULL,
          status int NOT NULL,
          correlation_id text NOT NULL
        )`.execute(db);
      await sql`CREATE INDEX integrator_calls_by_integrator ON ${s}.integrator_calls (integrator, id DESC)`.execute(
        db,
      );
      // calls are appended in time order: a block range index finds the old ones to sweep, and a period
      await sql`CREATE INDEX integrator_calls_by_time ON ${s}.integrator_calls USING brin (at)`.execute(db);
    },
  },
});

const writers = new WeakMap<Store, GroupCommit<IntegratorCall>>();

/**
 * Writes calls to the store's log, committed when the promise resolves, in commits shared with the
 * requests logging at the same time. `refusable`: a read, refused (503) when too much is waiting.
 */
export function logIntegratorCalls(store: Store, calls: readonly IntegratorCall[], refusable: boolean) {
  let writer = writers.get(store);
  if (!writer) {
    writer = new GroupCommit<IntegratorCall>('CALL_LOG_BUSY', "the integrators' call log", async (rows) => {
      const column = <K extends keyof IntegratorCall>(k: K) => rows.map((r) => r[k]);
      await sql`INSERT INTO ${sql.id(store.schema, 'integrator_calls')}
          (integrator, method, route, status, correlation_id)
        SELECT * FROM unnest(${column('integrator')}::text[], ${column('method')}::text[],
          ${column('route')}::text[], ${column('status')}::int[], ${column('correlationId')}::text[])`.execute(
        store.db,
      );
    });
    writers.set(store, writer);
  }
  return writer.write(calls, refusable);
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The call was logged (or its logging failed): the error answer of a failed one is not logged again. */
    integratorCallLogged?: boolean;
  }
}

const templateOf = (request: FastifyRequest) => routeTemplate(request.routeOptions.url) ?? '(no route)';

/**
 * Logs every call an integrator's token makes to the routes it is `mine` for, refused ones included,
 * with its status, before the answer goes out, in `storeOf`'s log: an answer whose call could not be
 * logged is not given (a read is refused; a command, committed already, fails with the log's error, and
 * its Idempotency-Key replays the kept answer: in a service's scope the hook runs after idempotency's).
 */
export function auditIntegratorCalls(
  app: FastifyInstance,
  mine: (request: FastifyRequest) => boolean,
  storeOf: (request: FastifyRequest) => Store,
): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const p = request.principal;
    if (!p?.roles.includes('integrator') || request.integratorCallLogged || !mine(request)) return payload;
    request.integratorCallLogged = true;
    await logIntegratorCalls(
      storeOf(request),
      [
        {
          integrator: p.sub,
          method: request.method,
          route: templateOf(request),
          status: reply.statusCode,
          correlationId: request.id,
        },
      ],
      request.method === 'GET' || request.method === 'HEAD',
    );
    return payload;
  });
}

const CallQuery = z.object({
  integrator: z.string().min(1).max(200).optional().meta({
    description: "Whose calls (a token's `sub`, `integrator:<clientId>` for Casework's client credentials)",
  }),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  after: z.string().max(400).optional().meta({ description: 'The `next` of the page before' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const CallPage = z
  .object({
    items: z.array(
      z.object({
        at: z.iso.datetime(),
        integrator: z.string(),
        method: z.string(),
        route: z.string().meta({ description: 'The route template, never the path with its identifiers' }),
        status: z.number().int(),
        correlationId: z.string(),
      }),
    ),
    next: z.string().optional(),
  })
  .meta({
    id: 'IntegratorCallPage',
    example: {
      items: [
        {
          at: '2026-12-01T09:00:00.000Z',
          integrator: 'integrator:01900000-0000-7000-8000-0000000000a1',
          method: 'GET',
          route: '/v1/events/placement',
          status: 200,
          correlationId: '01900000-0000-7000-8000-0000000000c9',
        },
      ],
    },
  });

/**
 * The calls integrators made to a service, newest first: an admin reads anyone's, an integrator its own.
 * Old calls are swept after `KEEP_CALLS_DAYS`.
 */
export const integratorCallRoutes: FastifyPluginAsyncZod<{ hosted: HostedService }> = async (
  app,
  { hosted: h },
) => {
  const s = sql.id(h.ctx.store.schema, 'integrator_calls');
  const tag = `integrator-calls:${h.module.name}`;
  const db = h.ctx.store.db;
  sweepEvery(app, 60 * 60 * 1000, 'integrator calls', async () => {
    // in batches found by the time index: no long lock, no scan of the recent calls
    for (;;) {
      const { numAffectedRows } = await sql`DELETE FROM ${s} WHERE id IN (SELECT id FROM ${s}
          WHERE at < now() - make_interval(days => ${KEEP_CALLS_DAYS}) LIMIT 5000)`.execute(db);
      if (Number(numAffectedRows ?? 0) < 5000) return;
    }
  });
  app.get(
    `/v1/integrator-calls/${h.module.name}`,
    {
      config: { roles: ['integrator', 'admin'] },
      schema: {
        tags: ['integrators'],
        summary: `Calls integrators made to ${h.module.name}, newest first (an integrator's: its own)`,
        querystring: CallQuery,
        response: { 200: CallPage },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const q = request.query;
      const who = p.roles.includes('admin') ? q.integrator : p.sub;
      const before = q.after ? decodeTaggedCursor(q.after, tag, 1, 'query.after')[0] : undefined;
      const where = [
        who !== undefined ? sql`integrator = ${who}` : undefined,
        q.from ? sql`at >= ${q.from}::timestamptz` : undefined,
        q.to ? sql`at < ${q.to}::timestamptz` : undefined,
        before !== undefined ? sql`id < ${before}::bigint` : undefined,
      ].filter((w) => w !== undefined);
      const { rows } = await sql<{
        id: string;
        at: Date;
        integrator: string;
        method: string;
        route: string;
        status: number;
        correlation_id: string;
      }>`SELECT id::text, at, integrator, method, route, status, correlation_id FROM ${s}
        WHERE ${where.length ? sql.join(where, sql` AND `) : sql`TRUE`}
        ORDER BY id DESC LIMIT ${q.limit + 1}`.execute(db);
      const items = rows.slice(0, q.limit);
      return {
        items: items.map((r) => ({
          at: r.at.toISOString(),
          integrator: r.integrator,
          method: r.method,
          route: r.route,
          status: r.status,
          correlationId: r.correlation_id,
        })),
        ...(rows.length > q.limit ? { next: encodeCursor([tag, items.at(-1)!.id]) } : {}),
      };
    },
  );
};
