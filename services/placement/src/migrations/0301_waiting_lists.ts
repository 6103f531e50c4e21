import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const waitingListsMigration = (schema: string): Migration => ({
  async up(db) {
    const s = sql.id(schema);
    for (const statement of [
      // what placement learned from intake and eligibility, to list eligible applications
      sql`CREATE TABLE ${s}.applications (
        application_id uuid PRIMARY KEY,
        client_id uuid NOT NULL,
        service_type text NOT NULL,
        municipality text NOT NULL,
        submitted_on date NOT NULL,
        referral_required boolean NOT NULL,
        referral_on date,
        open boolean NOT NULL DEFAULT true
      )`,
      sql`CREATE INDEX applications_by_client ON ${s}.applications (client_id, service_type) WHERE open`,
      sql`CREATE TABLE ${s}.eligibility (
        client_id uuid NOT NULL,
        service_type text NOT NULL,
        determination_id uuid NOT NULL,
        outcome text NOT NULL,
        valid_until date NOT NULL,
        PRIMARY KEY (client_id, service_type)
      )`,
      // write side: which entry an offer belongs to (written with the offer)
      sql`CREATE TABLE ${s}.offer_index (offer_id uuid PRIMARY KEY, entry_id uuid NOT NULL, site_id uuid NOT NULL)`,
      // the waiting lists, ordered at read time (points grow with the years on the list)
      sql`CREATE TABLE ${s}.waiting_list (
        entry_id uuid PRIMARY KEY,
        client_id uuid NOT NULL,
        service_type text NOT NULL,
        municipality text NOT NULL,
        oblast text NOT NULL,
        preferred_site_id uuid,
        listed_on date NOT NULL,
        priority_class text NOT NULL DEFAULT 'standard',
        crisis text,
        sheet jsonb,
        moved_to_end_on date,
        declines int NOT NULL DEFAULT 0,
        offer_id uuid,
        offer_site_id uuid,
        offer_status text,
        offer_expires_after date,
        admit_by date,
        removed_on date,
        removal_reason text
      )`,
      sql`CREATE INDEX waiting_list_by_scope ON ${s}.waiting_list (municipality, service_type) WHERE removed_on IS NULL`,
      sql`CREATE INDEX waiting_list_open_offers ON ${s}.waiting_list (offer_expires_after) WHERE offer_status = 'open'`,
      sql`CREATE INDEX waiting_list_by_oblast ON ${s}.waiting_list (oblast, municipality, service_type)`,
      // work a case manager must look at: nothing that happens to a placement happens silently
      sql`CREATE TABLE ${s}.tasks (
        task_id uuid PRIMARY KEY,
        kind text NOT NULL,
        client_id uuid NOT NULL,
        placement_id uuid,
        municipality text NOT NULL,
        opened_on date NOT NULL,
        detail text NOT NULL,
        caused_by uuid,
        closed_on date,
        closing_note text
      )`,
      sql`CREATE INDEX tasks_open ON ${s}.tasks (municipality, opened_on) WHERE closed_on IS NULL`,
    ])
      await statement.execute(db);
  },
});
