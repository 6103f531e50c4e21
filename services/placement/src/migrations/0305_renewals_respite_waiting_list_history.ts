import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import { rebuildOnStart, versioned } from './steps.js';

export const renewalsRespiteWaitingListHistoryMigration = (schema: string): Migration => ({
  async up(db) {
    const s = sql.id(schema);
    // stays keep their renewals and whether they are respite care; the waiting list is known at any time
    for (const statement of [
      sql`ALTER TABLE ${s}.stays ADD COLUMN renewals int NOT NULL DEFAULT 0,
        ADD COLUMN respite boolean NOT NULL DEFAULT false`,
      ...versioned(schema, 'waiting_list'),
      sql`CREATE INDEX waiting_list_history_by_scope ON ${s}.waiting_list_history (municipality, service_type, superseded_at)`,
      sql`CREATE INDEX waiting_list_history_by_oblast ON ${s}.waiting_list_history (oblast, superseded_at)`,
      ...rebuildOnStart(schema, [
        'sites',
        'site_capacity',
        'site_suspensions',
        'stays',
        'waiting_list',
        'tasks',
        'absences',
        'attendance',
        'waiting_list_history',
      ]),
    ])
      await statement.execute(db);
  },
});
