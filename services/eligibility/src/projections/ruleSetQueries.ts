import type { MunicipalityCode, RuleSetList, ServiceTypeCode } from '@casework/contracts';
import { inJurisdiction, type Jurisdiction, type ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import type { z } from 'zod';

type RuleSetItem = z.infer<typeof RuleSetList>['items'][number];

/** Which rule sets a list asks for: national ones and those of the caller's jurisdiction. */
export type RuleSetFilter = {
  jurisdiction: Jurisdiction;
  serviceType?: ServiceTypeCode | undefined;
  /** This municipality's and the national ones. */
  municipality?: MunicipalityCode | undefined;
  /** Whether the caller may see a municipality's drafts (null: a national rule set). */
  showsDrafts: (municipality: string | null) => boolean;
};

/** Rule sets with their versions, in id and version order, from the `rule_sets` read model. */
export async function listRuleSets(ctx: ServiceContext, f: RuleSetFilter): Promise<RuleSetItem[]> {
  const { rows } = await sql<{
    rule_set_id: string;
    service_type: ServiceTypeCode;
    municipality: string | null;
    version: number;
    status: RuleSetItem['versions'][number]['status'];
    effective_from: string | null;
    retired_from: string | null;
  }>`SELECT rule_set_id, service_type, municipality, version, status, effective_from::text, retired_from::text
    FROM ${sql.id(ctx.store.schema, 'rule_sets')}
    WHERE ${f.serviceType ? sql`service_type = ${f.serviceType}` : sql`TRUE`}
      AND ${f.municipality ? sql`(municipality = ${f.municipality} OR municipality IS NULL)` : sql`TRUE`}
      AND (municipality IS NULL OR ${inJurisdiction(f.jurisdiction, sql.ref('municipality'))})
    ORDER BY rule_set_id, version`.execute(ctx.store.db);
  const items = new Map<string, RuleSetItem>();
  for (const r of rows) {
    if (r.status === 'draft' && !f.showsDrafts(r.municipality)) continue;
    const item = items.get(r.rule_set_id) ?? {
      ruleSetId: r.rule_set_id,
      serviceType: r.service_type,
      municipality: r.municipality,
      versions: [],
    };
    items.set(r.rule_set_id, item);
    item.versions.push({
      version: r.version,
      status: r.status,
      ...(r.effective_from ? { effectiveFrom: r.effective_from } : {}),
      ...(r.retired_from ? { retiredFrom: r.retired_from } : {}),
    });
  }
  return [...items.values()];
}
