import type { EventStore } from '@casework/eventstore';
import { sql } from 'kysely';
import { ProblemError } from './problems.js';

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
/**
 * The most rows waiting for a commit: past it a read is refused (503) at once rather than queued behind
 * a database that has stopped answering, holding its memory and its caller. The answer of a command
 * that has committed is never refused: a retry of its 503 would run the command again.
 */
export const MAX_WAITING_ROWS = 50_000;

/** A row the database refused for its own content (data exception, constraint): SQLSTATE class 22 or 23. */
const refusedRow = (e: unknown) => {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
};

type Store = Pick<EventStore, 'db' | 'schema'>;

/**
 * Access-log rows written with group commit (ADR 13): a request's rows are committed before its answer
 * goes out, as ever, but the requests that log while a commit is under way share the next one. With
 * nothing in flight a request's rows are written at once, so a quiet service adds no wait; under load
 * one INSERT commits what a whole queue of requests showed, instead of a commit each.
 *
 * A statement refused for a row's content fails no one else's request: its requests' rows are tried
 * again one request at a time, and only those refused again answer with the error. Any other failure (a
 * database gone, a timeout) fails the whole statement's requests at once: none of them is answered, and
 * none is written twice by a retry after a commit whose answer was lost.
 */
class AccessLogWriter {
  readonly #queue: Pending[] = [];
  #waitingRows = 0;
  #draining = false;

  constructor(private readonly store: Store) {}

  write(rows: readonly AccessLogEntry[], refusable: boolean): Promise<void> {
    if (refusable && this.#waitingRows + rows.length > MAX_WAITING_ROWS && this.#waitingRows > 0)
      return Promise.reject(
        new ProblemError(
          503,
          'ACCESS_LOG_BUSY',
          'Service unavailable',
          'too many answers are waiting for the access log; try again shortly',
        ),
      );
    this.#waitingRows += rows.length;
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
          if (batch.length === 1 || !refusedRow(e)) for (const p of batch) p.failed(e);
          else for (const p of batch) await this.#insert(p.rows).then(p.done, p.failed);
        } finally {
          for (const p of batch) this.#waitingRows -= p.rows.length;
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
    writer = new AccessLogWriter(store);
    writers.set(store, writer);
  }
  return writer.write(rows, refusable);
}
