import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Every run moves the last month of each account it states. With no index on that month and room in
 * each page, the move is a heap-only update (no index entry written, the old row pruned in place); a run
 * finds a municipality's accounts by the municipality and filters on the month.
 */
export const accountsHeapOnlyMigration = (schema: string): Migration => ({
  async up(db) {
    const s = sql.id(schema);
    await sql`DROP INDEX ${s}.accounts_by_month`.execute(db);
    await sql`CREATE INDEX accounts_by_municipality ON ${s}.accounts (municipality)`.execute(db);
    await sql`ALTER TABLE ${s}.accounts SET (fillfactor = 70)`.execute(db);
  },
});
