import type { AccessLogEntry, AccessLogQuery } from '@casework/contracts';
import {
  decodeCursor,
  inJurisdiction,
  type Jurisdiction,
  pageOf,
  type ServiceContext,
} from '@casework/service-kit';
import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { z } from 'zod';

type Action = z.infer<typeof AccessLogEntry>['action'];

/**
 * Writes who read which personal records (DESIGN §7): one row per client shown, with the route
 * template (never the URL, which may hold search terms) and the correlation id.
 */
export async function logAccess(
  ctx: ServiceContext,
  request: FastifyRequest,
  action: Action,
  seen: readonly { clientId: string; municipality: string }[],
): Promise<void> {
  if (seen.length === 0) return;
  const p = request.principal!;
  await sql`INSERT INTO ${sql.id(ctx.store.schema, 'access_log')}
      (actor, role, client_id, municipality, action, route, correlation_id)
    SELECT ${p.sub}, ${p.roles.join(',')}, c, m, ${action}, ${request.routeOptions.url ?? ''}, ${request.id}
    FROM unnest(${seen.map((s) => s.clientId)}::uuid[], ${seen.map((s) => s.municipality)}::text[]) AS x(c, m)`.execute(
    ctx.store.db,
  );
}

type Row = {
  id: string;
  at: Date;
  actor: string;
  role: string;
  client_id: string;
  municipality: string;
  action: Action;
  route: string;
  correlation_id: string;
};

/** The access log of the caller's jurisdiction, newest first. */
export async function readAccessLog(ctx: ServiceContext, j: Jurisdiction, q: z.infer<typeof AccessLogQuery>) {
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
    await sql<Row>`SELECT id::text, at, actor, role, client_id::text, municipality, action, route,
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
