import { setTimeout as sleep } from 'node:timers/promises';
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
/** Stops one `listen`. */
export type Unlisten = () => Promise<void>;
export type Database = {
  db: Db;
  backend: Backend;
  /**
   * Calls `onNotify` on every NOTIFY of `channel` (a lower-case identifier) from any connection, and
   * once more after a lost listening connection is back (notifications may have been missed meanwhile).
   * Resolves once LISTEN is in effect (or its first attempt failed: it keeps trying in the background).
   */
  listen: (channel: string, onNotify: () => void) => Promise<Unlisten>;
  /** Ends the pool and the listening connection. */
  close: () => Promise<void>;
};

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;
const checkChannel = (channel: string) => {
  if (!CHANNEL.test(channel)) throw new Error(`invalid channel name: ${channel}`);
  return channel;
};
const callSafely = (fn: () => void) => {
  try {
    fn();
  } catch {
    // a listener's failure is its own; the others still hear the notification
  }
};

/**
 * One dedicated connection per pg Database that LISTENs on every channel asked for. A pooled
 * connection cannot listen (it is handed to other callers, and notifications arrive only while it is
 * read). On a lost connection it reconnects with backoff, LISTENs again, and calls every listener once.
 */
class PgListener {
  readonly #channels = new Map<string, Set<() => void>>();
  /** Connected and LISTENing on every channel of #channels. */
  #client: pg.Client | undefined;
  #connecting: Promise<void> | undefined;
  #attemptDone!: () => void;
  /** Settles when the connection attempt under way (or the next one) is over. */
  #attempted = new Promise<void>((r) => {
    this.#attemptDone = r;
  });
  #everConnected = false;
  #closed = false;
  #wakeBackoff: (() => void) | undefined;
  /** LISTEN, UNLISTEN and connecting run one at a time, so no channel is missed by a reconnect. */
  #serial: Promise<unknown> = Promise.resolve();

  constructor(private readonly config: pg.ClientConfig) {}

  #inOrder<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(fn, fn);
    this.#serial = run.catch(() => {});
    return run;
  }

  async listen(channel: string, onNotify: () => void): Promise<Unlisten> {
    if (this.#closed) throw new Error('the database is closed');
    checkChannel(channel);
    const entry = () => onNotify(); // its own identity: the same function may listen twice
    let set = this.#channels.get(channel);
    if (!set) {
      set = new Set();
      this.#channels.set(channel, set);
      await this.#inOrder(async () => {
        const client = this.#client;
        await client?.query(`LISTEN "${channel}"`).catch(() => this.#lost(client));
      });
    }
    set.add(entry);
    await this.#connect();
    return async () => {
      set.delete(entry);
      if (set.size > 0 || this.#channels.get(channel) !== set) return;
      this.#channels.delete(channel);
      await this.#inOrder(async () => {
        if (!this.#channels.has(channel)) await this.#client?.query(`UNLISTEN "${channel}"`).catch(() => {});
      });
    };
  }

  /** Connects unless connected; resolves after the next attempt (later ones run in the background). */
  #connect(): Promise<void> {
    if (this.#client || this.#closed) return Promise.resolve();
    if (!this.#connecting) this.#connecting = this.#reconnect();
    return this.#attempted;
  }

  async #reconnect(): Promise<void> {
    for (let attempt = 0; !this.#closed; attempt++) {
      if (attempt > 0) {
        await new Promise<void>((resolve) => {
          this.#wakeBackoff = resolve;
          sleep(Math.min(10_000, 100 * 2 ** (attempt - 1)), undefined, { ref: false }).then(resolve);
        });
        this.#wakeBackoff = undefined;
      }
      const ok = await this.#inOrder(() => this.#connectOnce());
      this.#attemptDone();
      this.#attempted = new Promise((r) => {
        this.#attemptDone = r;
      });
      if (ok) break;
    }
    this.#connecting = undefined;
  }

  async #connectOnce(): Promise<boolean> {
    if (this.#closed) return false;
    const client = new pg.Client(this.config);
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    client.on('notification', (m) => {
      for (const fn of this.#channels.get(m.channel) ?? []) callSafely(fn);
    });
    try {
      await client.connect();
      // a channel added meanwhile is still visited: Map iteration includes entries added during it
      for (const channel of this.#channels.keys()) await client.query(`LISTEN "${channel}"`);
    } catch {
      client.end().catch(() => {});
      return false;
    }
    if (this.#closed) {
      client.end().catch(() => {});
      return false;
    }
    this.#client = client;
    if (this.#everConnected) for (const set of this.#channels.values()) for (const fn of set) callSafely(fn);
    this.#everConnected = true;
    return true;
  }

  #lost(client: pg.Client | undefined) {
    if (!client || this.#client !== client) return; // not (or no longer) the listening connection
    this.#client = undefined;
    client.end().catch(() => {});
    this.#connect().catch(() => {});
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wakeBackoff?.();
    await this.#connecting;
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }
}

export function connectPostgres(url: string, options: { max?: number } = {}): Database {
  // JIT compilation costs tens of milliseconds per statement and pays off only for long analytical
  // queries; ours are short, and a batch statement with a high estimated cost would pay it every time
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 20, options: '-c jit=off' });
  // a dropped connection must not crash the process: an idle one is replaced by the pool; a checked-out
  // one (a relay's transaction awaiting its acks, say) fails its next query, and is discarded on release
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db: Db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  const listener = new PgListener({
    connectionString: url,
    application_name: 'casework-listener',
    keepAlive: true,
    connectionTimeoutMillis: 10_000,
  });
  return {
    db,
    backend: 'pg',
    listen: (channel, onNotify) => listener.listen(channel, onNotify),
    close: async () => {
      await listener.close();
      await db.destroy();
    },
  };
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
  return {
    db,
    backend: 'pglite',
    // PGlite delivers a NOTIFY in-process after the notifying statement's commit. LISTEN goes through
    // the queue: issued while another caller's transaction is open, it would join (and could roll back
    // with) that transaction
    listen: async (channel, onNotify) => {
      const stop = await db
        .connection()
        .execute(() => pglite.listen(checkChannel(channel), () => callSafely(onNotify)));
      return () => db.connection().execute(() => stop());
    },
    close: () => db.destroy(),
  };
}
