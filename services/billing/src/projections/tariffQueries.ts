import type { DraftTariffBody, MunicipalityCode, TariffList } from '@casework/contracts';
import { ServiceTypeCode } from '@casework/contracts';
import { inJurisdiction, type Jurisdiction, type ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import type { z } from 'zod';

type TariffItem = z.infer<typeof TariffList>['items'][number];

/** Which tariffs a list asks for: national ones and those of the caller's jurisdiction. */
export type TariffFilter = {
  jurisdiction: Jurisdiction;
  serviceType?: string | undefined;
  /** This municipality's and the national ones. */
  municipality?: string | undefined;
};

/** Tariffs with every version, in id and version order, from the `tariffs` read model. */
export async function listTariffs(ctx: ServiceContext, f: TariffFilter): Promise<TariffItem[]> {
  const { rows } = await sql<{
    tariff_id: string;
    version: number;
    service_type: string;
    municipality: string | null;
    status: 'draft' | 'published' | 'retired';
    effective_from: string | null;
    retired_from: string | null;
    body: z.infer<typeof DraftTariffBody>;
  }>`SELECT tariff_id, version, service_type, municipality, status, effective_from::text, retired_from::text, body
    FROM ${sql.id(ctx.store.schema, 'tariffs')}
    WHERE (municipality IS NULL OR ${inJurisdiction(f.jurisdiction, sql.ref('municipality'))})
      ${f.serviceType ? sql`AND service_type = ${f.serviceType}` : sql``}
      ${f.municipality ? sql`AND (municipality IS NULL OR municipality = ${f.municipality})` : sql``}
    ORDER BY tariff_id, version`.execute(ctx.store.db);
  const items = new Map<string, TariffItem>();
  for (const r of rows) {
    const item = items.get(r.tariff_id) ?? {
      tariffId: r.tariff_id,
      serviceType: ServiceTypeCode.parse(r.service_type),
      municipality: r.municipality as MunicipalityCode | null,
      versions: [],
    };
    item.versions.push({
      version: r.version,
      status: r.status,
      ...r.body,
      ...(r.effective_from ? { effectiveFrom: r.effective_from } : {}),
      ...(r.retired_from ? { retiredFrom: r.retired_from } : {}),
    });
    items.set(r.tariff_id, item);
  }
  return [...items.values()];
}
