import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { ProblemError } from './problems.js';

type Pending<Row> = { rows: readonly Row[]; done: () => void; failed: (e: unknown) => void };

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

/**
 * Rows written with group commit (ADR 13), for the logs a request must have committed before its answer
 * goes out (the access log, the integrators' call log): the requests that log while a commit is under
 * way share the next one. With nothing in flight a request's rows are written at once, so a quiet
 * service adds no wait; under load one INSERT commits what a whole queue of requests logged, instead of
 * a commit each.
 *
 * A statement refused for a row's content fails no one else's request: its requests' rows are tried
 * again one request at a time, and only those refused again answer with the error. Any other failure (a
 * database gone, a timeout) fails the whole statement's requests at once: none of them is answered, and
 * none is written twice by a retry after a commit whose answer was lost.
 */
export class GroupCommit<Row> {
  readonly #queue: Pending<Row>[] = [];
  #waitingRows = 0;
  #draining = false;

  /** `busyCode` and `what` name the 503 of a full queue; `insert` writes rows in one statement. */
  constructor(
    private readonly busyCode: string,
    private readonly what: string,
    private readonly insert: (rows: readonly Row[]) => Promise<void>,
  ) {}

  /** Resolves once `rows` are committed. `refusable`: a read, which may be refused when too much waits. */
  write(rows: readonly Row[], refusable: boolean): Promise<void> {
    if (refusable && this.#waitingRows + rows.length > MAX_WAITING_ROWS && this.#waitingRows > 0)
      return Promise.reject(
        new ProblemError(
          503,
          this.busyCode,
          'Service unavailable',
          `too many answers are waiting for ${this.what}; try again shortly`,
        ),
      );
    this.#waitingRows += rows.length;
    return new Promise((done, failed) => {
      this.#queue.push({ rows, done, failed });
      // the drain writes for every request that joins it: it belongs to none's trace
      if (!this.#draining) context.with(ROOT_CONTEXT, () => void this.#drain());
    });
  }

  async #drain() {
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#take();
        try {
          await this.insert(batch.flatMap((p) => p.rows));
          for (const p of batch) p.done();
        } catch (e) {
          if (batch.length === 1 || !refusedRow(e)) for (const p of batch) p.failed(e);
          else for (const p of batch) await this.insert(p.rows).then(p.done, p.failed);
        } finally {
          for (const p of batch) this.#waitingRows -= p.rows.length;
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  /** The queue's head, up to a statement's worth of rows (always at least one request). */
  #take(): Pending<Row>[] {
    let rows = 0;
    let n = 0;
    while (n < this.#queue.length && (n === 0 || rows + this.#queue[n]!.rows.length <= ROWS_PER_STATEMENT))
      rows += this.#queue[n++]!.rows.length;
    return this.#queue.splice(0, n);
  }
}
