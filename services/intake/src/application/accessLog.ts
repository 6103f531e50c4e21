import type { AccessLogEntry, AccessLogQuery } from '@casework/contracts';
import {
  decodeCursor,
  inJurisdiction,
  type Jurisdiction,
  pageOf,
  type ServiceContext,
} from '@casework/service-kit';
import { sql } from 'kysely';
import type { z } from 'zod';

/** Reads are written by service-kit's `logAccess`, as in every service that shows client records. */
export { logAccess } from '@casework/service-kit';

type Action = z.infer<typeof AccessLogEntry>['action'];

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
