import { SiteCostSet } from '@casework/contracts';
import type { Projection } from '@casework/eventstore';
import { sql } from 'kysely';

/** Each site's actual monthly cost from a month on: the cap on every fee there. */
export const siteCostsProjection = (schema: string): Projection => {
  const t = sql.id(schema, 'site_costs');
  return {
    name: 'site-costs',
    handles: [SiteCostSet.name],
    apply: async (e, tx) => {
      const d = SiteCostSet.schema.parse(e.data);
      await sql`INSERT INTO ${t} (site_id, from_month, municipality, monthly_cost, floor_area)
        VALUES (${d.siteId}::uuid, ${d.from}, ${d.municipality}, ${JSON.stringify(d.monthlyCost)}::jsonb,
          ${d.floorAreaSquareMetres ?? null})
        ON CONFLICT (site_id, from_month) DO UPDATE
          SET monthly_cost = EXCLUDED.monthly_cost, floor_area = EXCLUDED.floor_area`.execute(tx);
    },
    reset: async (tx) => {
      await sql`TRUNCATE ${t}`.execute(tx);
    },
  };
};
