import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Leases on checkpoints: one active follower per checkpoint across instances (ADR 0010). */
export function leaseMigrations(schema: string): Record<string, Migration> {
  const s = sql.id(schema);
  return {
    '0006_checkpoint_leases': {
      async up(db) {
        await sql`ALTER TABLE ${s}.checkpoints ADD COLUMN IF NOT EXISTS holder text,
          ADD COLUMN IF NOT EXISTS lease_until timestamptz`.execute(db);
      },
    },
  };
}
