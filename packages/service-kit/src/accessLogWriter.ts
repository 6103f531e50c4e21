import type { EventStore } from '@casework/eventstore';
import { sql } from 'kysely';

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

type Pending = { rows: readonly AccessLogEntry[]; done: () => void; failed: (e: unknown) => void };

/** The most rows one statement writes; the requests past it wait for the next. */
const ROWS_PER_STATEMENT = 5_000;

type Store = Pick<EventStore, 'db' | 'schema'>;

/**
 * Access-log rows written with group commit (ADR 13): a request's rows are committed before its answer
 * goes out, as ever, but the requests that log while a commit is under way share the next one. With
 * nothing in flight a request's rows are written at once, so a quiet service adds no wait; under load
 * one INSERT commits what a whole queue of requests showed, instead of a commit each.
 *
 * A statement that fails (a database gone, a row it refuses) fails no one else's request: its requests'
 * rows are tried again one request at a time, and only those that fail again answer with the error.
 */
class AccessLogWriter {
  readonly #queue: Pending[] = [];
  #draining = false;

  constructor(private readonly store: Store) {}

  write(rows: readonly AccessLogEntry[]): Promise<void> {
    return new Promise((done, failed) => {
      this.#queue.push({ rows, done, failed });
      if (!this.#draining) void this.#drain();
    });
  }

  async #drain() {
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#take();
        try {
          await this.#insert(batch.flatMap((p) => p.rows));
          for (const p of batch) p.done();
        } catch (e) {
          if (batch.length === 1) batch[0]!.failed(e);
          else for (const p of batch) await this.#insert(p.rows).then(p.done, p.failed);
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  /** The queue's head, up to a statement's worth of rows (always at least one request). */
  #take(): Pending[] {
    let rows = 0;
    let n = 0;
    while (n < this.#queue.length && (n === 0 || rows + this.#queue[n]!.rows.length <= ROWS_PER_STATEMENT))
      rows += this.#queue[n++]!.rows.length;
    return this.#queue.splice(0, n);
  }

  async #insert(rows: readonly AccessLogEntry[]) {
    const column = <K extends keyof AccessLogEntry>(k: K) => rows.map((r) => r[k]);
    await sql`INSERT INTO ${sql.id(this.store.schema, 'access_log')}
        (actor, role, client_id, municipality, action, route, correlation_id)
      SELECT * FROM unnest(${column('actor')}::text[], ${column('role')}::text[], ${column('clientId')}::uuid[],
        ${column('municipality')}::text[], ${column('action')}::text[], ${column('route')}::text[],
        ${column('correlationId')}::text[])`.execute(this.store.db);
  }
}

const writers = new WeakMap<Store, AccessLogWriter>();

/** Writes access-log rows to the store's log, committed when the promise resolves. */
export function writeAccessLog(store: Store, rows: readonly AccessLogEntry[]): Promise<void> {
  let writer = writers.get(store);
  if (!writer) {
    writer = new AccessLogWriter(store);
    writers.set(store, writer);
  }
  return writer.write(rows);
}
