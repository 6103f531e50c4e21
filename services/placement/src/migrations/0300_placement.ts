import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const placementMigration = (schema: string): Migration => ({
  async up(db) {
    const s = sql.id(schema);
    for (const statement of [
      // write side: which client's stream holds a placement (written with the admission)
      sql`CREATE TABLE ${s}.placement_index (placement_id uuid PRIMARY KEY, client_id uuid NOT NULL)`,
      sql`CREATE TABLE ${s}.sites (
        site_id uuid PRIMARY KEY,
        name text NOT NULL,
        service_type text NOT NULL,
        municipality text NOT NULL,
        oblast text NOT NULL,
        address text NOT NULL,
        provider text NOT NULL,
        funding text NOT NULL,
        opened_on date NOT NULL,
        closed_on date,
        recorded_at timestamptz NOT NULL
      )`,
      sql`CREATE INDEX sites_by_scope ON ${s}.sites (municipality, service_type, site_id)`,
      sql`CREATE INDEX sites_by_oblast ON ${s}.sites (oblast, municipality, service_type)`,
      sql`CREATE TABLE ${s}.site_suspensions (
        site_id uuid NOT NULL,
        valid_from date NOT NULL,
        valid_to date,
        reason text NOT NULL,
        PRIMARY KEY (site_id, valid_from)
      )`,
      sql`CREATE TABLE ${s}.site_capacity (
        site_id uuid NOT NULL,
        valid_from date NOT NULL,
        places int NOT NULL,
        recorded_at timestamptz NOT NULL,
        superseded_at timestamptz
      )`,
      sql`CREATE INDEX site_capacity_by_site ON ${s}.site_capacity (site_id, valid_from)`,
      // the capacity ledger: one row per version of a stay
      sql`CREATE TABLE ${s}.stays (
        placement_id uuid NOT NULL,
        site_id uuid NOT NULL,
        client_id uuid NOT NULL,
        service_type text NOT NULL,
        kind text NOT NULL,
        municipality text NOT NULL,
        valid_from date NOT NULL,
        valid_to date,
        recorded_at timestamptz NOT NULL,
        superseded_at timestamptz
      )`,
      sql`CREATE INDEX stays_by_site ON ${s}.stays (site_id, valid_from)`,
      sql`CREATE INDEX stays_by_placement ON ${s}.stays (placement_id) WHERE superseded_at IS NULL`,
      sql`CREATE TABLE ${s}.placements (
        placement_id uuid PRIMARY KEY,
        client_id uuid NOT NULL,
        site_id uuid NOT NULL,
        service_type text NOT NULL,
        kind text NOT NULL,
        municipality text NOT NULL,
        valid_from date NOT NULL,
        term_end date,
        weekdays int[],
        basis text NOT NULL,
        ended_on date,
        end_reason text,
        destination jsonb,
        transferred_from uuid,
        transferred_to uuid
      )`,
      sql`CREATE INDEX placements_by_client ON ${s}.placements (client_id, valid_from)`,
      sql`CREATE INDEX placements_by_site ON ${s}.placements (site_id, valid_from, placement_id)`,
      sql`CREATE INDEX placements_by_municipality ON ${s}.placements (municipality, valid_from, placement_id)`,
    ])
      await statement.execute(db);
  },
});
