import { clientDirectoryMigration } from '@casework/client-directory';
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

/** Eligibility's tables beside its event store: the facts it consumed, read models, re-evaluation jobs. */
export const eligibilityMigrations = (schema: string): Record<string, Migration> => ({
  ...clientDirectoryMigration(schema),
  '0200_eligibility': {
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
  },
  '0201_reevaluation_parts': {
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
  },
  '0202_reevaluation_answers': {
    async up(db) {
      const t = sql.id(schema, 'reevaluations');
      // a job records a new determination only where the new rules answer differently (jobs before
      // this recorded one for every determination they evaluated); it tells so from the answer's digest
      // in the determinations table, when the row is as current as the client's stream (rows of before
      // have neither, and are decided from the stream)
      for (const statement of [
        sql`ALTER TABLE ${sql.id(schema, 'determinations')} ADD COLUMN answer text,
          ADD COLUMN stream_version bigint NOT NULL DEFAULT 0`,
        // a job waits for every transaction with an earlier id than the one scheduling it (see the projection)
        sql`ALTER TABLE ${t} ADD COLUMN hold_until xid8`,
        sql`ALTER TABLE ${t} ADD COLUMN recorded bigint`,
        sql`UPDATE ${t} SET recorded = evaluated`,
        sql`ALTER TABLE ${t} ALTER COLUMN recorded SET NOT NULL, ALTER COLUMN recorded SET DEFAULT 0`,
      ])
        await statement.execute(db);
    },
  },
  '0203_deciding_facts': {
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
  },
});
