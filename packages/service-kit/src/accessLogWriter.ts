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

/**
 * Strings with a lone surrogate (a token's subject, say) kept with U+FFFD in its place, as their UTF-8
 * encoding would: JSON would carry the surrogate escaped, and jsonb refuses it.
 */
const wellFormed = (_key: string, value: unknown) =>
  typeof value === 'string' ? (value as string & { toWellFormed(): string }).toWellFormed() : value;

/** Access-log rows of one store, written with group commit (ADR 13, `groupCommit.ts`). */
const writerOf = (store: Store) =>
  new GroupCommit<AccessLogEntry>('ACCESS_LOG_BUSY', 'the access log', async (rows) => {
    // one JSON document: no array literal escaped element by element, for seven columns of every row
    await store.prepared(
      sql`INSERT INTO ${sql.id(store.schema, 'access_log')}
        (actor, role, client_id, municipality, action, route, correlation_id)
      SELECT r.actor, r.role, r."clientId", r.municipality, r.action, r.route, r."correlationId"
      FROM jsonb_to_recordset(${JSON.stringify(rows, wellFormed)}::jsonb) AS r(actor text, role text, "clientId" uuid,
        municipality text, action text, route text, "correlationId" text)`,
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
