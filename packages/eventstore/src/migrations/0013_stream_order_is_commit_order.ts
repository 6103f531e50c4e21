import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const streamOrderIsCommitOrder = (schema: string): Migration => {
  const s = sql.id(schema);
  return {
    async up(db) {
      // the transaction that last appended to each stream (ADR 1): an append refuses to place its events
      // before that transaction's in the log. No default for the rows there (unknown, never refused)
      await sql`ALTER TABLE ${s}.streams ADD COLUMN last_transaction_id xid8`.execute(db);
      await sql`ALTER TABLE ${s}.streams ALTER COLUMN last_transaction_id SET DEFAULT pg_current_xact_id()`.execute(
        db,
      );
    },
  };
};
