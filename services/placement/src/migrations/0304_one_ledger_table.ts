import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import { rebuildOnStart } from './steps.js';

export const oneLedgerTableMigration = (schema: string): Migration => ({
  async up(db) {
    const s = sql.id(schema);
    // the stays ledger's current rows are the placements' records and the directorate's movements:
    // one table where there were three, rebuilt from the log on the next start
    for (const statement of [
      sql`DROP TABLE ${s}.placements`,
      sql`DROP TABLE ${s}.movements`,
      sql`ALTER TABLE ${s}.stays ADD COLUMN term_end date, ADD COLUMN weekdays int[],
        ADD COLUMN basis text NOT NULL DEFAULT 'offer', ADD COLUMN transferred_from uuid, ADD COLUMN end_reason text,
        ADD COLUMN destination jsonb, ADD COLUMN transferred_to uuid`,
      sql`CREATE INDEX stays_current_by_client ON ${s}.stays (client_id, valid_from) WHERE superseded_at IS NULL`,
      sql`CREATE INDEX stays_current_by_municipality ON ${s}.stays (municipality, valid_from, placement_id)
        WHERE superseded_at IS NULL`,
      ...rebuildOnStart(schema, [
        'sites',
        'site_capacity',
        'site_suspensions',
        'stays',
        'waiting_list',
        'tasks',
        'absences',
        'attendance',
      ]),
    ])
      await statement.execute(db);
  },
});
