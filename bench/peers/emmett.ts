import { dumbo } from '@event-driven-io/dumbo';
import { isExpectedVersionConflictError, STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore, readMessagesBatch } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { Conflict, type PeerStore } from './store.js';

/**
 * Emmett's PostgreSQL event store at its best settings: a pg pool of 20 with JIT off like ours (its
 * default pool is 10), its schema created once up front and `autoMigration: 'None'` (its default checks
 * the schema before every call), and the global log read with `readMessagesBatch`, what its consumers
 * pull with. That reader orders a page by transaction, then position, but starts the next page after
 * the last event's position: when writers overlap, an event of an earlier transaction with a later
 * position is read twice, and one of a later transaction with an earlier position is never read. The
 * catch-up figure reports both.
 */
export async function emmett(databaseUrl: string): Promise<PeerStore> {
  // the same session settings as ours (JIT off: short statements would pay for compiling their plans)
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 20, options: '-c jit=off' });
  await getPostgreSQLEventStore(databaseUrl, { connectionOptions: { pool } }).schema.migrate();
  const store = getPostgreSQLEventStore(databaseUrl, {
    connectionOptions: { pool },
    schema: { autoMigration: 'None' },
  });
  const reader = dumbo({ connectionString: databaseUrl, pool });
  return {
    async append(streamId, events, expected) {
      try {
        const r = await store.appendToStream(streamId, events, {
          expectedStreamVersion: expected === 'no_stream' ? STREAM_DOES_NOT_EXIST : BigInt(expected),
        });
        return Number(r.nextExpectedStreamVersion);
      } catch (e) {
        // by its code: emmett-postgresql bundles its own copy of the error class
        if (isExpectedVersionConflictError(e)) throw new Conflict((e as Error).message);
        throw e;
      }
    },
    async readStream(streamId) {
      return (await store.readStream(streamId)).events.length;
    },
    async catchUp(pageSize) {
      let after = 0n;
      const ids: string[] = [];
      for (;;) {
        const page = await readMessagesBatch(reader.execute, { after, batchSize: pageSize });
        for (const m of page.messages) ids.push((m.metadata as Record<string, unknown>).id as string);
        if (!page.areMessagesLeft) return ids;
        after = page.currentGlobalPosition;
      }
    },
    async close() {
      await store.close();
      await pool.end().catch(() => {});
    },
  };
}
