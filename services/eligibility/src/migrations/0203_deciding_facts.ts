import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The fields eligibility decided on when the `deciding` column was added (0203): a migration keeps its own copy
 * (the domain's list may grow; what this migration did must not change with it).
 */
const DECIDING_FIELDS_OF_0203 = [
  'applicationId',
  'assessedOn',
  'birthDate',
  'degreePercent',
  'diedOn',
  'factId',
  'from',
  'issuedOn',
  'kind',
  'memberId',
  'monthlyAmount',
  'municipality',
  'on',
  'outsideAssistanceNeeded',
  'ownsDwelling',
  'placementId',
  'recommendedServiceType',
  'serviceType',
  'source',
  'supersedes',
  'to',
  'validFrom',
  'validTo',
];

export const decidingFactsMigration = (schema: string): Migration => ({
  async up(db) {
    const t = sql.id(schema, 'client_facts');
    // a batch of clients reads its facts from one stretch of an index in client order instead of
    // a heap page or more for each fact (4,000 random pages for 1,000 clients, most not cached at
    // 530,000); the index holds only the fields deciding needs, so its entries stay small
    for (const statement of [
      sql`ALTER TABLE ${t} ADD COLUMN deciding jsonb`,
      sql`UPDATE ${t} SET deciding = (SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb)
        FROM jsonb_each(data) WHERE key = ANY(${[...DECIDING_FIELDS_OF_0203]}::text[]))`,
      sql`ALTER TABLE ${t} ALTER COLUMN deciding SET NOT NULL`,
      sql`CREATE INDEX client_facts_deciding ON ${t} (client_id) INCLUDE (event_id, type, recorded_at, deciding)`,
      sql`DROP INDEX ${sql.id(schema, 'client_facts_by_client')}`,
    ])
      await statement.execute(db);
  },
});
