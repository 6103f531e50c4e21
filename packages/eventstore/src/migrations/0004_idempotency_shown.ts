import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const idempotencyShown = (schema: string): Migration => {
  const s = sql.id(schema);
  return {
    async up(db) {
      // issue 14, hole 5: the clients (id and municipality) a sealed answer showed, sealed like it, so
      // a replay of an answer no route reads back is logged as the read it is
      await sql`ALTER TABLE ${s}.idempotency_keys ADD COLUMN shown bytea`.execute(db);
    },
  };
};
