import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * What the reports read: each site's funding, opening, closing and capacity over time (from placement's
 * site events), the state's share of each adjustment, and every settlement of a statement by date (credit
 * applied, payment allocations, reversals), so a month's collections are an index range, not a scan of
 * every payment's allocations.
 */
export const reportsMigration = (schema: string): Migration => ({
  async up(db) {
    const s = sql.id(schema);
    for (const statement of [
      // sites billing learned of before this migration keep null here: their funding is the catalogue's
      // default and their capacity is unknown to billing until placement changes it
      sql`ALTER TABLE ${s}.sites ADD COLUMN funding text, ADD COLUMN opened_on date, ADD COLUMN closed_on date`,
      sql`CREATE TABLE ${s}.site_capacities (
        site_id uuid NOT NULL,
        from_date date NOT NULL,
        places int NOT NULL,
        PRIMARY KEY (site_id, from_date)
      )`,
      sql`CREATE INDEX stays_by_site ON ${s}.stays (site_id, from_date)`,
      sql`ALTER TABLE ${s}.adjustments ADD COLUMN state_share bigint NOT NULL DEFAULT 0`,
      sql`ALTER TABLE ${s}.payments ADD COLUMN reinstated jsonb`,
      // amount > 0 settles the statement, < 0 takes a settlement back (a reversal); a statement that came out
      // below zero is settled by its own credit, on the day it was issued
      sql`CREATE TABLE ${s}.settlements (
        statement_id uuid NOT NULL,
        source_id uuid NOT NULL,
        kind text NOT NULL,
        municipality text NOT NULL,
        client_id uuid NOT NULL,
        on_date date NOT NULL,
        amount bigint NOT NULL,
        PRIMARY KEY (statement_id, source_id, kind)
      )`,
      sql`CREATE INDEX settlements_by_date ON ${s}.settlements (municipality, on_date)`,
      sql`INSERT INTO ${s}.settlements (statement_id, source_id, kind, municipality, client_id, on_date, amount)
        SELECT statement_id, statement_id, 'credit', municipality, client_id, issued_on, credit_applied
          FROM ${s}.statements WHERE credit_applied > 0
        UNION ALL
        SELECT statement_id, statement_id, 'below_zero', municipality, client_id, issued_on, assessed + adjusted
          FROM ${s}.statements WHERE assessed + adjusted < 0
        UNION ALL
        SELECT (a ->> 'statementId')::uuid, p.payment_id, 'payment', p.municipality, p.client_id, p.received_on,
            (a -> 'amount' ->> 'amountMinor')::bigint
          FROM ${s}.payments p, jsonb_array_elements(p.allocations) a
        UNION ALL
        SELECT (a ->> 'statementId')::uuid, p.payment_id, 'reversal', p.municipality, p.client_id, p.reversed_on,
            -(a -> 'amount' ->> 'amountMinor')::bigint
          FROM ${s}.payments p, jsonb_array_elements(p.allocations) a WHERE p.reversed_on IS NOT NULL`,
    ])
      await statement.execute(db);
  },
});
