import type { EventStore } from '@casework/eventstore';
import { sql } from 'kysely';
import { GroupCommit } from './groupCommit.js';

/** One row of the access log, as `logAccess` writes it. */
export type AccessLogEntry = {
  actor: string;
  role: string;
  clientId: string;
  municipality: string;
  action: string;
  route: string;
  correlationId: string;
};

export { MAX_WAITING_ROWS } from './groupCommit.js';

type Store = Pick<EventStore, 'db' | 'schema' | 'prepared'>;

/** Access-log rows of one store, written with group commit (ADR 13, `groupCommit.ts`). */
const writerOf = (store: Store) =>
  new GroupCommit<AccessLogEntry>('ACCESS_LOG_BUSY', 'the access log', async (rows) => {
    const column = <K extends keyof AccessLogEntry>(k: K) => rows.map((r) => r[k]);
    await store.prepared(
      sql`INSERT INTO ${sql.id(store.schema, 'access_log')}
        (actor, role, client_id, municipality, action, route, correlation_id)
      SELECT * FROM unnest(${column('actor')}::text[], ${column('role')}::text[], ${column('clientId')}::uuid[],
        ${column('municipality')}::text[], ${column('action')}::text[], ${column('route')}::text[],
        ${column('correlationId')}::text[])`,
    );
  });

const writers = new WeakMap<Store, GroupCommit<AccessLogEntry>>();

/**
 * Writes access-log rows to the store's log, committed when the promise resolves. `refusable`: a read,
 * which may be refused when too much is waiting.
 */
export function writeAccessLog(
  store: Store,
  rows: readonly AccessLogEntry[],
  { refusable = true }: { refusable?: boolean } = {},
): Promise<void> {
  let writer = writers.get(store);
  if (!writer) {
    writer = writerOf(store);
    writers.set(store, writer);
  }
  return writer.write(rows, refusable);
}
