import { type MunicipalityCode, ServiceTypeCode } from '@casework/contracts';
import type { ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';

/**
 * Sites as the inputs consumer keeps them from placement's events (`sites`): who runs them, what service
 * they give, how it is funded.
 */
export async function siteOf(ctx: ServiceContext, siteId: string) {
  const { rows } = await sql<{
    municipality: MunicipalityCode;
    service_type: string;
    funding: string | null;
  }>`
    SELECT municipality, service_type, funding FROM ${sql.id(ctx.store.schema, 'sites')}
    WHERE site_id = ${siteId}::uuid`.execute(ctx.store.db);
  const row = rows[0];
  return (
    row && {
      municipality: row.municipality,
      serviceType: ServiceTypeCode.parse(row.service_type),
      funding: row.funding,
    }
  );
}

/** The names of these sites, by id. */
export async function siteNames(
  ctx: ServiceContext,
  siteIds: readonly string[],
): Promise<Map<string, string>> {
  const { rows } = await sql<{ site_id: string; name: string }>`SELECT site_id::text, name
    FROM ${sql.id(ctx.store.schema, 'sites')} WHERE site_id = ANY(${siteIds}::uuid[])`.execute(ctx.store.db);
  return new Map(rows.map((r) => [r.site_id, r.name]));
}
