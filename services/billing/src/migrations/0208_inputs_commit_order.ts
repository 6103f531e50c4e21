import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * An input's `seq` is taken when it is written, not when its transaction commits: a consumer's batch can
 * commit an input after a run read a later one. A run keeps the snapshot it read inputs in, and an input
 * is known to it when its transaction (`tx`) is visible in that snapshot. Inputs written before this
 * column are left without one (no table rewrite): they committed before any run that keeps a snapshot.
 */
export const inputsCommitOrderMigration = (schema: string): Migration => ({
  async up(db) {
    const s = sql.id(schema);
    await sql`ALTER TABLE ${s}.inputs ADD COLUMN tx xid8`.execute(db);
    await sql`ALTER TABLE ${s}.inputs ALTER COLUMN tx SET DEFAULT pg_current_xact_id()`.execute(db);
  },
});
