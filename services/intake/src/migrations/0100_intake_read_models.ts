import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const intakeReadModelsMigration = (schema: string): Migration => ({
  async up(db) {
    const s = sql.id(schema);
    for (const statement of [
      // case numbers: unique nationally, gaps allowed (a failed registration uses one up)
      sql`CREATE SEQUENCE ${s}.case_numbers`,
      sql`CREATE TABLE ${s}.clients (
        client_id uuid PRIMARY KEY,
        case_number text,
        status text NOT NULL,
        municipality text NOT NULL,
        given_name text NOT NULL DEFAULT '',
        family_name text NOT NULL DEFAULT '',
        -- folded names in byte order (for lower-case Bulgarian, the alphabet's order): one btree serves
        -- both the prefix match and the ORDER BY, so a search stops after one page of rows
        given_key text COLLATE "C" NOT NULL DEFAULT '',
        family_key text COLLATE "C" NOT NULL DEFAULT '',
        birth_date date NOT NULL,
        registered_on date NOT NULL,
        died_on date,
        case_manager text,
        merged_into uuid
      )`,
      sql`CREATE INDEX clients_by_name ON ${s}.clients (municipality, family_key, given_key, client_id)`,
      sql`CREATE INDEX clients_by_case_number ON ${s}.clients (case_number text_pattern_ops)`,
      sql`CREATE INDEX clients_by_case_manager ON ${s}.clients (case_manager, family_key, given_key, client_id)
        WHERE case_manager IS NOT NULL`,
      sql`CREATE TABLE ${s}.applications (
        application_id uuid PRIMARY KEY,
        client_id uuid NOT NULL,
        service_type text NOT NULL,
        municipality text NOT NULL,
        status text NOT NULL,
        submitted_on date NOT NULL,
        assessment_due_by date NOT NULL,
        assessed_on date,
        referral_required boolean NOT NULL,
        referral jsonb,
        ended_on date,
        outcome text
      )`,
      sql`CREATE INDEX applications_by_client ON ${s}.applications (client_id)`,
      sql`CREATE INDEX applications_awaiting_assessment ON ${s}.applications (municipality, assessment_due_by)
        WHERE status = 'open'`,
      sql`CREATE INDEX applications_by_municipality ON ${s}.applications
        (municipality, submitted_on DESC, application_id)`,
      sql`CREATE TABLE ${s}.reassessments (
        client_id uuid PRIMARY KEY,
        assessment_id uuid NOT NULL,
        last_assessed_on date NOT NULL,
        reassessment_due date NOT NULL
      )`,
      sql`CREATE INDEX reassessments_by_due ON ${s}.reassessments (reassessment_due, client_id)`,
    ]) {
      await statement.execute(db);
    }
  },
});
