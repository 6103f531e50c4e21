import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Every run replaces the snapshot of each account it states: room left in each page lets the new row
 * stay beside the old one (a heap-only update, no index entry, the old row pruned in place), so the
 * table does not grow by a copy of every account each month.
 */
export const accountSnapshotsMigration = (schema: string): Migration => ({
  async up(db) {
    await sql`ALTER TABLE ${sql.id(schema)}.snapshots SET (fillfactor = 50)`.execute(db);
  },
});
