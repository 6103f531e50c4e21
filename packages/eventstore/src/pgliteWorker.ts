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
      parentPort.postMessage({ id: m.id, ok: true, result: { rows: r.rows, affectedRows: r.affectedRows, fields: r.fields } });
    } catch (e) {
      parentPort.postMessage({ id: m.id, ok: false, error: fail(e) });
    }
    return db;
  });
});
`;

type Reply = {
  id: number;
  ok: boolean;
  result?: PGliteQueryResults<unknown>;
  error?: Record<string, unknown>;
};

/** An error as the worker described it: its message, SQLSTATE `code` and the other fields PostgreSQL sent. */
function rebuilt(described: Record<string, unknown>): Error {
  const { message, stack: _, ...fields } = described;
  return Object.assign(new Error(String(message)), fields);
}

/**
 * PGlite in a worker thread (issue 19): the embedded database works on its own thread, so the event loop
 * that serves HTTP stays free while a query runs. It answers the PGlite interface Kysely's dialect uses:
 * one query at a time, in order, and a transaction as BEGIN … COMMIT (or ROLLBACK) around its queries —
 * the caller (the queued driver of `connectPGlite`) lets one transaction or query in at a time, as one
 * pooled connection would.
 */
export class PGliteInWorker implements PGlite {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { done: (r: Reply) => void }>();
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
    this.#worker.on('message', (r: Reply) => {
      const p = this.#pending.get(r.id);
      if (!p) return;
      this.#pending.delete(r.id);
      if (this.#pending.size === 0) this.#worker.unref();
      p.done(r);
    });
    this.#worker.on('error', (e) => this.#failAll(e));
    this.#worker.on('exit', () => this.#failAll(new Error('the PGlite worker stopped')));
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

  #failAll(e: Error) {
    this.closed = true;
    for (const [id, p] of this.#pending) {
      this.#pending.delete(id);
      p.done({ id, ok: false, error: { message: e.message } });
    }
  }

  #call(message: { id: number; op?: string; sql?: string; params?: unknown[] }): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.#worker.ref();
      this.#pending.set(message.id, {
        done: (r) => (r.ok ? resolve(r) : reject(rebuilt(r.error ?? { message: 'PGlite failed' }))),
      });
      if (message.id !== 0) this.#worker.postMessage(message);
    });
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<PGliteQueryResults<T>> {
    if (this.closed) throw new Error('PGlite is closed');
    const r = await this.#call({ id: this.#next++, op: 'query', sql, params });
    return r.result as PGliteQueryResults<T>;
  }

  async transaction<T>(callback: (tx: PGliteTransaction) => Promise<T>): Promise<T> {
    await this.query('BEGIN');
    let rolledBack = false;
    const tx: PGliteTransaction = {
      query: (sql, params) => this.query(sql, params),
      rollback: async () => {
        rolledBack = true;
        await this.query('ROLLBACK');
      },
    };
    try {
      const result = await callback(tx);
      if (!rolledBack) await this.query('COMMIT');
      return result;
    } catch (e) {
      if (!rolledBack) await this.query('ROLLBACK').catch(() => {});
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.#call({ id: this.#next++, op: 'close' }).catch(() => {});
    this.closed = true;
    await this.#worker.terminate();
  }
}
