import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const movementsMigration = (schema: string): Migration => ({
  async up(db) {
    const s = sql.id(schema);
    // admissions, transfers and discharges, for the directorate's flows between housing types
    await sql`CREATE TABLE ${s}.movements (
      event_id uuid PRIMARY KEY,
      client_id uuid NOT NULL,
      oblast text NOT NULL,
      municipality text NOT NULL,
      kind text NOT NULL,
      on_date date NOT NULL,
      from_type text,
      to_type text,
      reason text,
      destination text,
      recorded_at timestamptz NOT NULL
    )`.execute(db);
    await sql`CREATE INDEX movements_by_oblast ON ${s}.movements (oblast, on_date)`.execute(db);
  },
});
