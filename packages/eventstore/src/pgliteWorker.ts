import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { PGlite, PGliteQueryResults, PGliteTransaction } from 'kysely';

/**
 * The worker's code: PGlite (its CommonJS build, by absolute path) answering one message at a time. Plain
 * JavaScript evaluated as the worker's script, so the same code runs from the sources (tsx), the build
 * and the fault suite's bundle, none of which has to ship a file of its own for it.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglite);
const fail = (e) => {
  const error = { message: String(e && e.message ? e.message : e) };
  if (e && typeof e === 'object')
    for (const [k, v] of Object.entries(e)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) error[k] = v;
  return error;
};
let tail = PGlite.create(workerData.dataDir);
tail.then(
  () => parentPort.postMessage({ id: 0, ok: true }),
  // a database that cannot open answers nothing more: the worker ends, and every caller hears so
  (e) => {
    parentPort.postMessage({ id: 0, ok: false, error: fail(e) });
    setImmediate(() => process.exit(1));
  },
);
parentPort.on('message', (m) => {
  tail = tail.then(async (db) => {
    try {
      if (m.op === 'close') {
        await db.close();
        parentPort.postMessage({ id: m.id, ok: true });
        return db;
      }
      const r = await db.query(m.sql, m.params, { rowMode: 'object' });
      parentPort.postMessage({
        id: m.id,
        ok: true,
        result: { rows: r.rows, affectedRows: r.affectedRows, fields: r.fields, command: r.command },
      });
    } catch (e) {
      parentPort.postMessage({ id: m.id, ok: false, error: fail(e) });
    }
    return db;
  });
});
`;

/** A query's result, with the command tag PostgreSQL answered (`ROLLBACK` for the COMMIT of a failed transaction). */
type Result = PGliteQueryResults<unknown> & { command?: string };
type Reply = { id: number; ok: boolean; result?: Result; error?: Record<string, unknown> };

/** An error as the worker described it: its message, SQLSTATE `code` and the other fields PostgreSQL sent. */
function rebuilt(described: Record<string, unknown>): Error {
  const { message, stack: _, ...fields } = described;
  return Object.assign(new Error(String(message)), fields);
}

/** The database gone with its worker: a connection failure (08006), which callers retry or report down. */
const lost = (why: string) => ({ message: `the PGlite worker ${why}`, code: '08006', severity: 'FATAL' });

/**
 * PGlite in a worker thread (issue 19): the embedded database works on its own thread, so the event loop
 * that serves HTTP stays free while a query runs. It answers the PGlite interface Kysely's dialect uses:
 * one query at a time, in order, and a transaction as BEGIN … COMMIT (or ROLLBACK) around its queries,
 * refused with 25P02 as PGlite's own is when PostgreSQL answers the COMMIT with a rollback. The caller
 * (the queued driver of `connectPGlite`) lets one transaction or query in at a time, as one pooled
 * connection would. Should the worker die, every query in flight and after fails as a lost connection.
 */
export class PGliteInWorker implements PGlite {
  readonly #worker: Worker;
  readonly #pending = new Map<number, (r: Reply) => void>();
  #next = 1;
  ready = false;
  closed = false;
  readonly waitReady: Promise<void>;

  private constructor(dataDir: string | undefined) {
    const pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    this.#worker = new Worker(WORKER, { eval: true, workerData: { pglite, dataDir } });
    // the worker keeps the process alive only while a query is in flight
    this.#worker.unref();
    const started = this.#call({ id: 0 });
    this.#worker.on('message', (r: Reply) => this.#settle(r));
    this.#worker.on('messageerror', () => this.#failAll(lost('sent a reply that could not be read')));
    this.#worker.on('error', (e) => this.#failAll(lost(`failed: ${e.message}`)));
    this.#worker.on('exit', () => this.#failAll(lost('stopped')));
    this.waitReady = started.then(() => {
      this.ready = true;
    });
  }

  /** Starts the worker and waits until its database is open. */
  static async create(dataDir?: string): Promise<PGliteInWorker> {
    const db = new PGliteInWorker(dataDir);
    await db.waitReady;
    return db;
  }

  #settle(r: Reply) {
    const done = this.#pending.get(r.id);
    if (!done) return;
    this.#pending.delete(r.id);
    if (this.#pending.size === 0) this.#worker.unref();
    done(r);
  }

  #failAll(error: Record<string, unknown>) {
    this.closed = true;
    for (const id of [...this.#pending.keys()]) this.#settle({ id, ok: false, error });
    // a worker that can no longer be talked to is stopped, not left holding the data directory
    void this.#worker.terminate();
  }

  #call(message: { id: number; op?: string; sql?: string; params?: unknown[] }): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.#worker.ref();
      this.#pending.set(message.id, (r) =>
        r.ok ? resolve(r) : reject(rebuilt(r.error ?? { message: 'PGlite failed' })),
      );
      if (message.id === 0) return;
      try {
        this.#worker.postMessage(message);
      } catch (e) {
        // a parameter that cannot be sent (a function, say): this query fails, the connection does not
        this.#settle({ id: message.id, ok: false, error: { message: (e as Error).message } });
      }
    });
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<PGliteQueryResults<T>> {
    if (this.closed) throw rebuilt(lost('is closed'));
    const r = await this.#call({ id: this.#next++, op: 'query', sql, params });
    return r.result as PGliteQueryResults<T>;
  }

  async transaction<T>(callback: (tx: PGliteTransaction) => Promise<T>): Promise<T> {
    // BEGIN goes with the first query: the callback always runs (Kysely waits for it to begin), and a
    // BEGIN that fails fails that query, which Kysely rolls back like any other
    const t: { state: 'new' | 'open' | 'ended' } = { state: 'new' };
    const open = async () => {
      if (t.state === 'ended') throw new Error('Transaction is closed');
      if (t.state === 'new') {
        t.state = 'open';
        await this.query('BEGIN');
      }
    };
    const tx: PGliteTransaction = {
      query: async (sql, params) => {
        await open();
        return this.query(sql, params);
      },
      rollback: async () => {
        if (t.state === 'open') await this.query('ROLLBACK');
        t.state = 'ended';
      },
    };
    try {
      const result = await callback(tx);
      if (t.state === 'open') {
        t.state = 'ended';
        const committed = (await this.query('COMMIT')) as Result;
        if (committed.command === 'ROLLBACK')
          throw Object.assign(new Error('Transaction was rolled back instead of committed'), {
            code: '25P02',
            severity: 'ERROR',
          });
      }
      t.state = 'ended';
      return result;
    } catch (e) {
      if (t.state === 'open') {
        t.state = 'ended';
        await this.query('ROLLBACK').catch(() => {});
      }
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.#call({ id: this.#next++, op: 'close' });
    } finally {
      this.closed = true;
      await this.#worker.terminate();
    }
  }
}
