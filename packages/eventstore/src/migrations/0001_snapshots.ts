import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const snapshots = (schema: string): Migration => {
  const s = sql.id(schema);
  return {
    async up(db) {
      // an aggregate's state at a stream version, so a long stream is not folded from its start
      await sql`CREATE TABLE ${s}.snapshots (
        stream_id text PRIMARY KEY,
        version bigint NOT NULL,
        codec integer NOT NULL,
        state jsonb NOT NULL,
        taken_at timestamptz NOT NULL DEFAULT now()
      )`.execute(db);
    },
  };
};
