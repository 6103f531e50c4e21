import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Every run moves the last month of each account it states. With no index on that month and room in
 * each page (in pages written from now on), the move is a heap-only update: no index entry written, the
 * old row pruned in place. A run reads all of a municipality's accounts, those long gone too, and keeps
 * those stated within its lookback: one scan a municipality a run, against an index entry an account a
 * month.
 */
export const accountsHeapOnlyMigration = (schema: string): Migration => ({
  async up(db) {
    const s = sql.id(schema);
    await sql`DROP INDEX ${s}.accounts_by_month`.execute(db);
    await sql`CREATE INDEX accounts_by_municipality ON ${s}.accounts (municipality)`.execute(db);
    await sql`ALTER TABLE ${s}.accounts SET (fillfactor = 70)`.execute(db);
  },
});
