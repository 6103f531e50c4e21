import { PGlite } from '@electric-sql/pglite';
import {
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  PGliteDialect,
  PostgresDialect,
  type Transaction,
} from 'kysely';
import pg from 'pg';

/** The event store's tables are addressed with raw SQL per schema, so the typed surface stays open. */
// biome-ignore lint/complexity/noBannedTypes: services add their own read-model tables with withTables<T>()
export type Db = Kysely<{}>;
// biome-ignore lint/complexity/noBannedTypes: see Db
export type Tx = Transaction<{}>;
/** Anything a query can run on: the database or a transaction of it. */
export type Executor = Db | Tx;

export type Backend = 'pg' | 'pglite';
export type Database = { db: Db; backend: Backend; close: () => Promise<void> };

export function connectPostgres(url: string, options: { max?: number } = {}): Database {
  // JIT compilation costs tens of milliseconds per statement and pays off only for long analytical
  // queries; ours are short, and a batch statement with a high estimated cost would pay it every time
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 20, options: '-c jit=off' });
  // a dropped connection must not crash the process: an idle one is replaced by the pool; a checked-out
  // one (a relay's transaction awaiting its acks, say) fails its next query, and is discarded on release
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db: Db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  return { db, backend: 'pg', close: () => db.destroy() };
}

/**
 * PGlite is one connection. Kysely's PGlite driver hands that connection to every caller, so a query
 * issued while another caller's transaction is open would run inside it. This driver queues callers:
 * one query or one transaction at a time, exactly as one pooled connection would behave.
 */
class QueuedDriver implements Driver {
  #tail: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  constructor(private readonly inner: Driver) {}

  init() {
    return this.inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise((resolve) => {
      release = resolve;
    });
    await previous;
    this.#release = release;
    return this.inner.acquireConnection();
  }
  async releaseConnection(connection: DatabaseConnection) {
    await this.inner.releaseConnection(connection);
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
  beginTransaction: Driver['beginTransaction'] = (c, s) => this.inner.beginTransaction(c, s);
  commitTransaction: Driver['commitTransaction'] = (c) => this.inner.commitTransaction(c);
  rollbackTransaction: Driver['rollbackTransaction'] = (c) => this.inner.rollbackTransaction(c);
  savepoint: Driver['savepoint'] = (c, n, q) => this.inner.savepoint!(c, n, q);
  rollbackToSavepoint: Driver['rollbackToSavepoint'] = (c, n, q) => this.inner.rollbackToSavepoint!(c, n, q);
  releaseSavepoint: Driver['releaseSavepoint'] = (c, n, q) => this.inner.releaseSavepoint!(c, n, q);
  destroy() {
    return this.inner.destroy();
  }
}

class QueuedPGliteDialect extends PGliteDialect implements Dialect {
  override createDriver(): Driver {
    return new QueuedDriver(super.createDriver());
  }
}

/** An embedded PostgreSQL (PGlite). `dataDir` undefined keeps it in memory. */
export async function connectPGlite(dataDir?: string): Promise<Database> {
  const pglite = await PGlite.create(dataDir);
  const db: Db = new Kysely({ dialect: new QueuedPGliteDialect({ pglite }) });
  return { db, backend: 'pglite', close: () => db.destroy() };
}
