import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const eligibilityMigration = (schema: string): Migration => ({
  async up(db) {
    const s = sql.id(schema);
    for (const statement of [
      // one row per consumed event, never updated: "what did we know at T" filters on recorded_at
      sql`CREATE TABLE ${s}.client_facts (
        event_id uuid PRIMARY KEY,
        client_id uuid NOT NULL,
        type text NOT NULL,
        data jsonb NOT NULL,
        recorded_at timestamptz NOT NULL
      )`,
      sql`CREATE INDEX client_facts_by_client ON ${s}.client_facts (client_id)`,
      // the current determination per client and service type
      sql`CREATE TABLE ${s}.determinations (
        client_id uuid NOT NULL,
        service_type text NOT NULL,
        determination_id uuid NOT NULL,
        municipality text NOT NULL,
        application_id uuid,
        as_of date NOT NULL,
        outcome text NOT NULL,
        effective_outcome text NOT NULL,
        decreed_by text,
        valid_until date NOT NULL,
        rule_set_id text NOT NULL,
        rule_set_version int NOT NULL,
        missing text[] NOT NULL,
        PRIMARY KEY (client_id, service_type)
      )`,
      sql`CREATE INDEX determinations_by_scope ON ${s}.determinations (service_type, municipality, client_id)`,
      sql`CREATE INDEX determinations_by_rule_set ON ${s}.determinations (rule_set_id, client_id)`,
      sql`CREATE INDEX determinations_by_expiry ON ${s}.determinations (valid_until)`,
      sql`CREATE INDEX determinations_by_municipality ON ${s}.determinations (municipality, client_id)`,
      sql`CREATE TABLE ${s}.rule_sets (
        rule_set_id text NOT NULL,
        version int NOT NULL,
        service_type text NOT NULL,
        municipality text,
        status text NOT NULL,
        effective_from date,
        retired_from date,
        validity_months int NOT NULL,
        criteria jsonb NOT NULL,
        PRIMARY KEY (rule_set_id, version)
      )`,
      // bulk re-evaluations (a rule set taking effect or retiring), worked through in batches with
      // their progress in the same transaction as each batch's determinations
      sql`CREATE TABLE ${s}.reevaluations (
        job_id text PRIMARY KEY,
        service_type text NOT NULL,
        municipality text,
        reason text NOT NULL,
        due_on date NOT NULL,
        caused_by uuid NOT NULL,
        cursor uuid,
        evaluated bigint NOT NULL DEFAULT 0,
        changed bigint NOT NULL DEFAULT 0,
        started_at timestamptz,
        finished_at timestamptz
      )`,
      sql`CREATE INDEX reevaluations_due ON ${s}.reevaluations (due_on) WHERE finished_at IS NULL`,
    ])
      await statement.execute(db);
  },
});
