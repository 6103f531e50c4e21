import { AccessLogPage, AccessLogQuery, Problem } from '@casework/contracts';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { z } from 'zod';
import { writeAccessLog } from './accessLogWriter.js';
import { principalOf } from './auth.js';
import { decodeCursor, pageOf } from './cursor.js';
import { assertMayAsk, inJurisdiction, type Jurisdiction, jurisdictionOf } from './scope.js';
import type { ServiceContext } from './serviceModule.js';

/** What a caller did with the records shown: read one, searched or listed, exported. */
export type AccessLogAction = 'read' | 'search' | 'export';

/** A client an answer showed, with the municipality that holds the record. */
export type Seen = { clientId: string; municipality: string };

/**
 * The access log's table, in every hosted service's schema (buildApp runs it before the service's own
 * migrations; `IF NOT EXISTS` because intake had the same table before it moved here).
 */
export const accessLogMigrations = (schema: string): Record<string, Migration> => ({
  '0010_access_log': {
    async up(db) {
      const s = sql.id(schema);
      for (const statement of [
        sql`CREATE TABLE IF NOT EXISTS ${s}.access_log (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          at timestamptz NOT NULL DEFAULT now(),
          actor text NOT NULL,
          role text NOT NULL,
          client_id uuid NOT NULL,
          municipality text NOT NULL,
          action text NOT NULL,
          route text NOT NULL,
          correlation_id text NOT NULL
        )`,
        sql`CREATE INDEX IF NOT EXISTS access_log_by_client ON ${s}.access_log (client_id, id DESC)`,
        sql`CREATE INDEX IF NOT EXISTS access_log_by_municipality ON ${s}.access_log (municipality, id DESC)`,
      ]) {
        await statement.execute(db);
      }
    },
  },
});

/**
 * Writes who was shown which clients' records (DESIGN §7): one row per client, with the actor, their
 * roles, the route template (never the URL, which may hold search terms) and the correlation id;
 * committed before it returns, in a commit shared with the requests logging at the same time
 * (`accessLogWriter.ts`).
 */
export async function logAccess(
  ctx: Pick<ServiceContext, 'store'>,
  request: FastifyRequest,
  action: AccessLogAction,
  seen: readonly { clientId: string; municipality: string }[],
): Promise<void> {
  const unique = [...new Map(seen.map((s) => [s.clientId, s])).values()];
  if (unique.length === 0) return;
  // what the answer showed, so an Idempotency-Key replay of a sealed answer logs it again (idempotency.ts)
  request.accessShown = [
    ...(request.accessShown ?? []),
    ...unique.map(({ clientId, municipality }) => ({ clientId, municipality })),
  ];
  const p = request.principal;
  await writeAccessLog(
    ctx.store,
    unique.map(({ clientId, municipality }) => ({
      actor: p?.sub ?? 'anonymous',
      role: p?.roles.join(',') ?? '',
      clientId,
      municipality,
      action,
      route: request.routeOptions.url ?? '',
      correlationId: request.id,
    })),
    // a command's answer comes after its commit: never refused for a busy log (see the writer)
    { refusable: request.method === 'GET' || request.method === 'HEAD' },
  );
}

/**
 * Logs the clients an answer shows and returns the answer, so a route ends `return shown(ctx, request,
 * answer)`: one row per client. Without `clients` they are the answer's own `clientId` and
 * `municipality`, or its `items`' (a page, logged as a search); an answer naming a client without a
 * municipality must say which clients it shows.
 */
export async function shown<T extends object>(
  ctx: Pick<ServiceContext, 'store'>,
  request: FastifyRequest,
  answer: T,
  o: { clients?: readonly Seen[]; action?: AccessLogAction } = {},
): Promise<T> {
  const items = (answer as { items?: unknown }).items;
  const records = Array.isArray(items) ? (items as unknown[]) : [answer];
  const clients =
    o.clients ??
    records.flatMap((r) => {
      const { clientId, municipality } = r as { clientId?: unknown; municipality?: unknown };
      if (typeof clientId !== 'string') return [];
      if (typeof municipality !== 'string')
        throw new Error(`an answer of ${request.routeOptions.url} names a client without a municipality`);
      return [{ clientId, municipality }];
    });
  await logAccess(ctx, request, o.action ?? (Array.isArray(items) ? 'search' : 'read'), clients);
  return answer;
}

type LogRow = {
  id: string;
  at: Date;
  actor: string;
  role: string;
  client_id: string;
  municipality: string;
  action: z.infer<typeof AccessLogPage>['items'][number]['action'];
  route: string;
  correlation_id: string;
};

/** The access log of the caller's jurisdiction in the service's schema, newest first. */
export async function readAccessLog(
  ctx: Pick<ServiceContext, 'store'>,
  j: Jurisdiction,
  q: z.infer<typeof AccessLogQuery>,
): Promise<z.infer<typeof AccessLogPage>> {
  const after = decodeCursor(q.cursor, 1);
  const where = [
    inJurisdiction(j, sql.ref('municipality')),
    q.clientId ? sql`client_id = ${q.clientId}::uuid` : undefined,
    q.actor ? sql`actor = ${q.actor}` : undefined,
    q.municipality ? sql`municipality = ${q.municipality}` : undefined,
    q.from ? sql`at >= ${q.from}::timestamptz` : undefined,
    q.to ? sql`at < ${q.to}::timestamptz` : undefined,
    after ? sql`id < ${after[0]}::bigint` : undefined,
  ].filter((w) => w !== undefined);
  const { rows } =
    await sql<LogRow>`SELECT id::text, at, actor, role, client_id::text, municipality, action, route,
      correlation_id FROM ${sql.id(ctx.store.schema, 'access_log')} AS l
    WHERE ${sql.join(where, sql` AND `)} ORDER BY l.id DESC LIMIT ${q.limit + 1}`.execute(ctx.store.db);
  const page = pageOf(rows, q.limit, (r) => [r.id]);
  return {
    items: page.items.map((r) => ({
      at: new Date(r.at).toISOString(),
      actor: r.actor,
      role: r.role,
      clientId: r.client_id,
      municipality: r.municipality,
      action: r.action,
      route: r.route,
      correlationId: r.correlation_id,
    })),
    ...(page.next ? { next: page.next } : {}),
  };
}

/**
 * A service's access log for the supervisors of the municipality: who was shown which clients' records,
 * newest first. Intake's, the log of personal records, keeps the path it has always had
 * (`GET /v1/access-log`); the others' are `GET /v1/{service}/access-log`. One implementation, registered
 * by each service that logs reads.
 */
export const accessLogRoutes =
  (
    service: 'intake' | 'eligibility' | 'placement' | 'billing',
  ): FastifyPluginAsyncZod<{ ctx: ServiceContext }> =>
  async (app, { ctx }) => {
    const intake = service === 'intake';
    app.get(
      intake ? '/v1/access-log' : `/v1/${service}/access-log`,
      {
        config: { roles: ['supervisor'] },
        schema: {
          tags: [service],
          summary: intake
            ? 'Who read which personal records, newest first (supervisors of the municipality)'
            : `Who read which clients' ${service} records, newest first (supervisors of the municipality)`,
          querystring: AccessLogQuery,
          response: { 200: AccessLogPage, 400: Problem, 401: Problem, 403: Problem },
        },
      },
      async (request) => {
        const j = jurisdictionOf(principalOf(request));
        if (request.query.municipality) assertMayAsk(j, { municipality: request.query.municipality });
        return readAccessLog(ctx, j, request.query);
      },
    );
  };

declare module 'fastify' {
  interface FastifyRequest {
    /** The clients whose records this request's answer showed (logged by `logAccess`). */
    accessShown?: Seen[];
  }
}
