import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The one projection of every placement read model becomes one per read model: each goes on from where
 * the one projection had got to, under its own checkpoint, and the old checkpoint goes. Taken under the
 * old checkpoint's lock, as a live instance's batch takes it (ADR 10): a batch in flight finishes first.
 * Instances of the earlier version must be stopped before this runs (the runbook's upgrade note).
 */
export const projectionPerReadModelMigration = (schema: string): Migration => ({
  async up(db) {
    const checkpoints = sql.id(schema, 'checkpoints');
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${schema}.checkpoint.projection:placement`}, 0))`.execute(
      db,
    );
    await sql`INSERT INTO ${checkpoints} (subscription, transaction_id, global_position)
      SELECT 'projection:' || p.name, c.transaction_id, c.global_position
      FROM ${checkpoints} c,
        unnest(ARRAY['sites', 'stays', 'waiting-list', 'absences', 'attendance', 'tasks']) AS p(name)
      WHERE c.subscription = 'projection:placement'
      ON CONFLICT (subscription) DO NOTHING`.execute(db);
    await sql`DELETE FROM ${checkpoints} WHERE subscription = 'projection:placement'`.execute(db);
  },
});
