import { sql } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import type { Db } from './database.js';
import { eventstore } from './migrations/0000_eventstore.js';
import { snapshots } from './migrations/0001_snapshots.js';
import { setBasedAppend } from './migrations/0002_set_based_append.js';
import { idempotencyClaims } from './migrations/0003_idempotency_claims.js';
import { idempotencyShown } from './migrations/0004_idempotency_shown.js';
import { safeFrontier } from './migrations/0005_safe_frontier.js';
import { checkpointLeases } from './migrations/0006_checkpoint_leases.js';
import { appendSignalledAfterCommit } from './migrations/0007_append_signalled_after_commit.js';
import { appendPlansIndependentOfSize } from './migrations/0008_append_plans_independent_of_size.js';
import { frontierFromBackendStatus } from './migrations/0009_frontier_from_backend_status.js';
import { eventsKeyedByStream } from './migrations/0010_events_keyed_by_stream.js';
import { commitOrderUnique } from './migrations/0011_commit_order_unique.js';
import { streamsUpdatedInPlace } from './migrations/0012_streams_updated_in_place.js';
import { streamOrderIsCommitOrder } from './migrations/0013_stream_order_is_commit_order.js';
import { installRoutines } from './routines.js';

const ident = (schema: string) => {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  return sql.id(schema);
};

/**
 * The event store tables of one service schema (DESIGN §3), one file per migration as it was applied.
 * The store's routines (the append, the safe frontier) are code, not history: `migrate` installs them
 * as this version has them once the tables are up to date.
 */
export function eventStoreMigrations(schema: string): Record<string, Migration> {
  ident(schema);
  return {
    '0000_eventstore': eventstore(schema),
    '0001_snapshots': snapshots(schema),
    '0002_set_based_append': setBasedAppend(),
    '0003_idempotency_claims': idempotencyClaims(schema),
    '0004_idempotency_shown': idempotencyShown(schema),
    '0005_safe_frontier': safeFrontier(),
    '0006_checkpoint_leases': checkpointLeases(schema),
    '0007_append_signalled_after_commit': appendSignalledAfterCommit(),
    '0008_append_plans_independent_of_size': appendPlansIndependentOfSize(),
    '0009_frontier_from_backend_status': frontierFromBackendStatus(),
    '0010_events_keyed_by_stream': eventsKeyedByStream(schema),
    '0011_commit_order_unique': commitOrderUnique(schema),
    '0012_streams_updated_in_place': streamsUpdatedInPlace(schema),
    '0013_stream_order_is_commit_order': streamOrderIsCommitOrder(schema),
  };
}

class StaticProvider implements MigrationProvider {
  constructor(private readonly migrations: Record<string, Migration>) {}
  async getMigrations() {
    return this.migrations;
  }
}

/**
 * Brings a service schema up to date: the event store tables and the service's own migrations, then the
 * event store's routines. Instances starting together on one database take turns (a session lock per
 * schema on one connection): the first migrates, the others find nothing left to do.
 */
export async function migrate(db: Db, schema: string, own: Record<string, Migration> = {}): Promise<void> {
  const lock = `${schema}.migrate`;
  await db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(hashtextextended(${lock}, 0))`.execute(conn);
    try {
      await sql`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`.execute(conn);
      const migrator = new Migrator({
        db: conn,
        provider: new StaticProvider({ ...eventStoreMigrations(schema), ...own }),
        migrationTableSchema: schema,
        // the event store's migrations (00xx) and the service's own (0100 on) are two sequences in one
        // table: a new event-store migration must run on a schema whose service is further along
        allowUnorderedMigrations: true,
      });
      const { error, results } = await migrator.migrateToLatest();
      if (error) {
        const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
        throw new Error(
          `migration ${failed} of schema ${schema} failed: ${String((error as Error).message ?? error)}`,
        );
      }
      await installRoutines(conn, schema);
    } catch (e) {
      // a failed unlock (the connection broke) must not hide why the migration failed
      await unlock(conn, lock).catch(() => false);
      throw e;
    }
    // a lock held on another server connection (a pooler in transaction mode) would stay held and make the
    // next instance wait for ever: said now, on a migration that otherwise succeeded
    if (!(await unlock(conn, lock)))
      throw new Error(
        `migrate of schema ${schema}: the migrate lock was not held on this connection; run migrations over a direct or session-pooled connection`,
      );
  });
}

const unlock = async (conn: Db, lock: string) =>
  (
    await sql<{
      unlocked: boolean;
    }>`SELECT pg_advisory_unlock(hashtextextended(${lock}, 0)) AS unlocked`.execute(conn)
  ).rows[0]?.unlocked === true;
