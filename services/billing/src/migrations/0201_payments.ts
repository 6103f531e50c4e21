import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Payments, what each statement still owes, bank statement imports and their lines, arrears reported. */
export const paymentsMigration = (schema: string): Migration => ({
  async up(db) {
    const s = sql.id(schema);
    for (const statement of [
      sql`ALTER TABLE ${s}.statements ADD COLUMN outstanding bigint`,
      sql`UPDATE ${s}.statements SET outstanding = total_due`,
      sql`ALTER TABLE ${s}.statements ALTER COLUMN outstanding SET NOT NULL`,
      sql`CREATE INDEX statements_owed ON ${s}.statements (municipality, due_on) WHERE outstanding > 0`,
      sql`CREATE TABLE ${s}.payments (
        payment_id uuid PRIMARY KEY,
        statement_id uuid NOT NULL,
        client_id uuid NOT NULL,
        municipality text NOT NULL,
        amount bigint NOT NULL,
        received_on date NOT NULL,
        method text NOT NULL,
        bank_line_key text,
        allocations jsonb NOT NULL,
        to_credit bigint NOT NULL,
        reversed_on date,
        reversal_reason text,
        recorded_at timestamptz NOT NULL
      )`,
      sql`CREATE INDEX payments_by_municipality ON ${s}.payments (municipality, received_on, payment_id)`,
      sql`CREATE INDEX payments_by_statement ON ${s}.payments (statement_id)`,
      sql`CREATE TABLE ${s}.bank_imports (
        import_id uuid PRIMARY KEY,
        municipality text NOT NULL,
        sha256 text NOT NULL,
        format text NOT NULL,
        imported_on date NOT NULL,
        lines jsonb NOT NULL,
        UNIQUE (municipality, sha256)
      )`,
      // each bank line once, from the first import that had it: matched, or waiting for an officer
      sql`CREATE TABLE ${s}.bank_lines (
        line_id text PRIMARY KEY,
        line_key text NOT NULL UNIQUE,
        municipality text NOT NULL,
        import_id uuid NOT NULL,
        booked_on date NOT NULL,
        amount bigint NOT NULL,
        currency text NOT NULL,
        refs text[] NOT NULL,
        outcome text NOT NULL,
        payment_id uuid
      )`,
      sql`CREATE INDEX bank_lines_open ON ${s}.bank_lines (municipality, booked_on, line_id) WHERE payment_id IS NULL`,
      // a bank line is one payment, whichever account it went to: written with the payment, so that two
      // officers (or two overlapping files) cannot record it twice
      sql`CREATE TABLE ${s}.bank_line_payments (
        line_key text PRIMARY KEY,
        payment_id uuid NOT NULL
      )`,
      sql`CREATE TABLE ${s}.arrears (
        client_id uuid NOT NULL,
        municipality text NOT NULL,
        reported_on date NOT NULL,
        months text[] NOT NULL,
        owed bigint NOT NULL,
        PRIMARY KEY (client_id, municipality)
      )`,
    ])
      await statement.execute(db);
  },
});
