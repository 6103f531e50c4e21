import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const absencesAttendanceMigration = (schema: string): Migration => ({
  async up(db) {
    const s = sql.id(schema);
    for (const statement of [
      sql`CREATE TABLE ${s}.absences (
        absence_id uuid PRIMARY KEY,
        placement_id uuid NOT NULL,
        client_id uuid NOT NULL,
        site_id uuid NOT NULL,
        municipality text NOT NULL,
        kind text NOT NULL,
        valid_from date NOT NULL,
        returned_on date
      )`,
      sql`CREATE INDEX absences_by_site ON ${s}.absences (site_id, valid_from)`,
      sql`CREATE TABLE ${s}.attendance (
        placement_id uuid NOT NULL,
        day date NOT NULL,
        client_id uuid NOT NULL,
        site_id uuid NOT NULL,
        municipality text NOT NULL,
        attended boolean NOT NULL,
        expected boolean NOT NULL,
        PRIMARY KEY (placement_id, day)
      )`,
      sql`CREATE INDEX attendance_by_site ON ${s}.attendance (site_id, day)`,
    ])
      await statement.execute(db);
  },
});
