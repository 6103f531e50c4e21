import { TariffDrafted, TariffPublished, TariffRetired } from '@casework/contracts';
import type { Projection } from '@casework/eventstore';
import { sql } from 'kysely';

/** Every tariff version and its status, for lists; assessments read the tariffs' streams themselves. */
export const tariffsProjection = (schema: string): Projection => {
  const t = sql.id(schema, 'tariffs');
  return {
    name: 'tariffs',
    handles: [TariffDrafted.name, TariffPublished.name, TariffRetired.name],
    apply: async (e, tx) => {
      switch (e.type) {
        case TariffDrafted.name: {
          const { tariffId, version, serviceType, municipality, ...body } = TariffDrafted.schema.parse(
            e.data,
          );
          await sql`INSERT INTO ${t} (tariff_id, version, service_type, municipality, status, body)
            VALUES (${tariffId}, ${version}, ${serviceType}, ${municipality}, 'draft', ${JSON.stringify(body)}::jsonb)
            ON CONFLICT DO NOTHING`.execute(tx);
          break;
        }
        case TariffPublished.name: {
          const d = TariffPublished.schema.parse(e.data);
          await sql`UPDATE ${t} SET status = 'published', effective_from = ${d.effectiveFrom}::date
            WHERE tariff_id = ${d.tariffId} AND version = ${d.version}`.execute(tx);
          break;
        }
        case TariffRetired.name: {
          const d = TariffRetired.schema.parse(e.data);
          await sql`UPDATE ${t} SET status = 'retired', retired_from = ${d.retiredFrom}::date
            WHERE tariff_id = ${d.tariffId} AND version = ${d.version}`.execute(tx);
          break;
        }
      }
    },
    reset: async (tx) => {
      await sql`TRUNCATE ${t}`.execute(tx);
    },
  };
};
