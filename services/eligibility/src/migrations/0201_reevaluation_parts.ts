import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const reevaluationPartsMigration = (schema: string): Migration => ({
  async up(db) {
    const t = sql.id(schema, 'reevaluations');
    // a job is worked in parts (ranges of client ids up to `until`, null: to the end), each with its
    // own cursor, so several workers can share it; existing jobs are one part
    for (const statement of [
      sql`ALTER TABLE ${t} ADD COLUMN part int NOT NULL DEFAULT 0, ADD COLUMN until uuid`,
      sql`ALTER TABLE ${t} DROP CONSTRAINT reevaluations_pkey, ADD PRIMARY KEY (job_id, part)`,
    ])
      await statement.execute(db);
  },
});
