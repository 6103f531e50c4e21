import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const commitOrderUnique = (schema: string): Migration => {
  const s = sql.id(schema);
  return {
    async up(db) {
      // a reader's position is (transaction_id, global_position): two events at one position would let
      // a reader skip one. The identity alone does not guarantee it (OVERRIDING SYSTEM VALUE, a reset
      // sequence), so the commit-order index becomes unique. Built under a lock that holds appends
      // back for the time the index takes to build (seconds for millions of events)
      await sql`CREATE UNIQUE INDEX events_commit_order_key ON ${s}.events (transaction_id, global_position)`.execute(
        db,
      );
      await sql`DROP INDEX ${s}.events_commit_order`.execute(db);
      await sql`ALTER INDEX ${s}.events_commit_order_key RENAME TO events_commit_order`.execute(db);
    },
  };
};
