import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const billingMigration = (schema: string): Migration => ({
  async up(db) {
    const s = sql.id(schema);
    for (const statement of [
      // every event billing consumed about a client, in the order it wrote them (seq), never updated:
      // an assessment folds them ("what was known when a month was stated": a snapshot, see 0208)
      sql`CREATE TABLE ${s}.inputs (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        client_id uuid NOT NULL,
        type text NOT NULL,
        data jsonb NOT NULL,
        recorded_at timestamptz NOT NULL
      )`,
      sql`CREATE INDEX inputs_by_client ON ${s}.inputs (client_id, seq)`,
      // stays as last known, to find whom a month's run concerns
      sql`CREATE TABLE ${s}.stays (
        placement_id uuid PRIMARY KEY,
        client_id uuid NOT NULL,
        municipality text NOT NULL,
        service_type text NOT NULL,
        site_id uuid NOT NULL,
        from_date date NOT NULL,
        to_date date
      )`,
      sql`CREATE INDEX stays_by_municipality ON ${s}.stays (municipality, from_date)`,
      sql`CREATE INDEX stays_by_client ON ${s}.stays (client_id)`,
      // accounts with a statement and the last month stated: a run reassesses the stated months of
      // every account stated within the lookback, stays this month or not (a late discharge, say)
      sql`CREATE TABLE ${s}.accounts (
        client_id uuid NOT NULL,
        municipality text NOT NULL,
        last_month text NOT NULL,
        PRIMARY KEY (client_id, municipality)
      )`,
      sql`CREATE INDEX accounts_by_month ON ${s}.accounts (municipality, last_month)`,
      sql`CREATE TABLE ${s}.sites (
        site_id uuid PRIMARY KEY,
        municipality text NOT NULL,
        service_type text NOT NULL,
        name text NOT NULL
      )`,
      sql`CREATE TABLE ${s}.site_costs (
        site_id uuid NOT NULL,
        from_month text NOT NULL,
        municipality text NOT NULL,
        monthly_cost jsonb NOT NULL,
        floor_area numeric(8, 2),
        PRIMARY KEY (site_id, from_month)
      )`,
      sql`CREATE TABLE ${s}.tariffs (
        tariff_id text NOT NULL,
        version int NOT NULL,
        service_type text NOT NULL,
        municipality text,
        status text NOT NULL,
        effective_from date,
        retired_from date,
        body jsonb NOT NULL,
        PRIMARY KEY (tariff_id, version)
      )`,
      sql`CREATE TABLE ${s}.periods (
        municipality text NOT NULL,
        month text NOT NULL,
        statements int NOT NULL DEFAULT 0,
        closed_on date,
        PRIMARY KEY (municipality, month)
      )`,
      sql`CREATE TABLE ${s}.statements (
        statement_id uuid PRIMARY KEY,
        statement_number text NOT NULL UNIQUE,
        payment_reference text NOT NULL UNIQUE,
        client_id uuid NOT NULL,
        municipality text NOT NULL,
        month text NOT NULL,
        issued_on date NOT NULL,
        due_on date NOT NULL,
        assessed bigint NOT NULL,
        adjusted bigint NOT NULL,
        credit_applied bigint NOT NULL,
        total_due bigint NOT NULL,
        state_share bigint NOT NULL,
        adjustments uuid[] NOT NULL,
        recorded_at timestamptz NOT NULL
      )`,
      // each statement's month as assessed, line by line
      sql`CREATE TABLE ${s}.assessments (
        statement_id uuid PRIMARY KEY,
        client_id uuid NOT NULL,
        municipality text NOT NULL,
        month text NOT NULL,
        total bigint NOT NULL,
        lines jsonb NOT NULL
      )`,
      sql`CREATE INDEX statements_by_period ON ${s}.statements (municipality, month, statement_number)`,
      sql`CREATE INDEX statements_by_client ON ${s}.statements (client_id, month)`,
      sql`CREATE TABLE ${s}.adjustments (
        adjustment_id uuid PRIMARY KEY,
        client_id uuid NOT NULL,
        municipality text NOT NULL,
        corrects_month text NOT NULL,
        placement_id uuid NOT NULL,
        service_type text NOT NULL,
        billed bigint NOT NULL,
        corrected bigint NOT NULL,
        amount bigint NOT NULL,
        caused_by uuid[] NOT NULL
      )`,
      sql`CREATE INDEX adjustments_by_client ON ${s}.adjustments (client_id, municipality)`,
    ])
      await statement.execute(db);
  },
});
