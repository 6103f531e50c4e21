import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { ServiceContext } from './serviceModule.js';

/** What a caller did with the records shown: read one, searched or listed, exported. */
export type AccessLogAction = 'read' | 'search' | 'export';

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
 * roles, the route template (never the URL, which may hold search terms) and the correlation id.
 */
export async function logAccess(
  ctx: Pick<ServiceContext, 'store'>,
  request: FastifyRequest,
  action: AccessLogAction,
  seen: readonly { clientId: string; municipality: string }[],
): Promise<void> {
  const unique = [...new Map(seen.map((s) => [s.clientId, s])).values()];
  if (unique.length === 0) return;
  const p = request.principal;
  await sql`INSERT INTO ${sql.id(ctx.store.schema, 'access_log')}
      (actor, role, client_id, municipality, action, route, correlation_id)
    SELECT ${p?.sub ?? 'anonymous'}, ${p?.roles.join(',') ?? ''}, c, m, ${action},
      ${request.routeOptions.url ?? ''}, ${request.id}
    FROM unnest(${unique.map((s) => s.clientId)}::uuid[], ${unique.map((s) => s.municipality)}::text[]) AS x(c, m)`.execute(
    ctx.store.db,
  );
}
