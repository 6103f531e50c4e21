import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const checkpointLeases = (schema: string): Migration => {
  const s = sql.id(schema);
  return {
    async up(db) {
      // leases on checkpoints: one active follower per checkpoint across instances (ADR 10)
      await sql`ALTER TABLE ${s}.checkpoints ADD COLUMN IF NOT EXISTS holder text,
        ADD COLUMN IF NOT EXISTS lease_until timestamptz`.execute(db);
    },
  };
};
