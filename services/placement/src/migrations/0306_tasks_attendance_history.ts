import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import { rebuildOnStart, versioned } from './steps.js';

export const tasksAttendanceHistoryMigration = (schema: string): Migration => ({
  async up(db) {
    const s = sql.id(schema);
    // tasks (opened, then closed) and attendance (a later record corrects a day) known at any time too
    for (const statement of [
      ...versioned(schema, 'tasks'),
      sql`CREATE INDEX tasks_history_by_municipality ON ${s}.tasks_history (municipality, superseded_at)`,
      ...versioned(schema, 'attendance'),
      sql`CREATE INDEX attendance_history_by_site ON ${s}.attendance_history (site_id, day)`,
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
        'tasks_history',
        'attendance_history',
      ]),
    ])
      await statement.execute(db);
  },
});
