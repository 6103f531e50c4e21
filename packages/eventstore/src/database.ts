import { setTimeout as sleep } from 'node:timers/promises';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  type AbortableOperationOptions,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  PGliteDialect,
  PostgresDialect,
  type Transaction,
} from 'kysely';
import pg from 'pg';
import { appendChannel } from './channels.js';
import { PGliteInWorker } from './pgliteWorker.js';

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
  /**
   * Runs this exact statement text as a named prepared statement from now on: parsed and planned once
   * per connection instead of at every call (PGlite, one connection in this process, runs it as it is).
   */
  prepare: (sql: string) => void;
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

/** `"schema".append_events(` or `INSERT INTO "schema".events` in a statement: an append to that schema's log. */
const APPEND = /"([a-z][a-z0-9_]{0,62})"\.append_events\(|INSERT INTO "([a-z][a-z0-9_]{0,62})"\.events\b/;

/**
 * Signals each committed append, whatever transaction made it (a command, a consumer, a job): the
 * driver notes which schemas a connection appended to, and calls `committed` once its transaction
 * commits (at once for a statement outside a transaction); nothing on rollback. Outside the appending
 * transaction, so no lock is held across its commit.
 */
class SignallingDriver implements Driver {
  readonly #inner = new WeakMap<DatabaseConnection, DatabaseConnection>();
  readonly #pending = new WeakMap<DatabaseConnection, Set<string>>();
  readonly #inTransaction = new WeakSet<DatabaseConnection>();

  constructor(
    private readonly driver: Driver,
    private readonly committed: (schemas: ReadonlySet<string>) => void,
  ) {}

  #of(outer: DatabaseConnection): DatabaseConnection {
    return this.#inner.get(outer) ?? outer;
  }

  init() {
    return this.driver.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await this.driver.acquireConnection();
    const outer: DatabaseConnection = {
      executeQuery: async <R>(query: CompiledQuery, options?: AbortableOperationOptions) => {
        const result = await inner.executeQuery<R>(query, options);
        const found = APPEND.exec(query.sql);
        const schema = found?.[1] ?? found?.[2];
        if (schema) {
          if (!this.#inTransaction.has(outer)) this.committed(new Set([schema]));
          else {
            const pending = this.#pending.get(outer) ?? new Set<string>();
            pending.add(schema);
            this.#pending.set(outer, pending);
          }
        }
        return result;
      },
      streamQuery: (query, chunkSize, options) => inner.streamQuery(query, chunkSize, options),
    };
    this.#inner.set(outer, inner);
    return outer;
  }
  releaseConnection(c: DatabaseConnection) {
    this.#pending.delete(c);
    this.#inTransaction.delete(c);
    return this.driver.releaseConnection(this.#of(c));
  }
  async beginTransaction(c: DatabaseConnection, settings: Parameters<Driver['beginTransaction']>[1]) {
    await this.driver.beginTransaction(this.#of(c), settings);
    this.#inTransaction.add(c);
  }
  async commitTransaction(c: DatabaseConnection) {
    this.#inTransaction.delete(c);
    const pending = this.#pending.get(c);
    this.#pending.delete(c);
    await this.driver.commitTransaction(this.#of(c));
    if (pending) this.committed(pending);
  }
  async rollbackTransaction(c: DatabaseConnection) {
    this.#inTransaction.delete(c);
    this.#pending.delete(c);
    await this.driver.rollbackTransaction(this.#of(c));
  }
  savepoint: Driver['savepoint'] = (c, n, q) => this.driver.savepoint!(this.#of(c), n, q);
  rollbackToSavepoint: Driver['rollbackToSavepoint'] = (c, n, q) =>
    this.driver.rollbackToSavepoint!(this.#of(c), n, q);
  releaseSavepoint: Driver['releaseSavepoint'] = (c, n, q) =>
    this.driver.releaseSavepoint!(this.#of(c), n, q);
  destroy() {
    return this.driver.destroy();
  }
}

/** Listeners of this process, by channel: told of this process's commits without a round trip. */
class LocalSignals {
  readonly #channels = new Map<string, Set<() => void>>();

  add(channel: string, fn: () => void): () => void {
    const set = this.#channels.get(channel) ?? new Set();
    set.add(fn);
    this.#channels.set(channel, set);
    return () => set.delete(fn);
  }

  fire(channel: string) {
    for (const fn of this.#channels.get(channel) ?? []) callSafely(fn);
  }
}

/**
 * Tells other processes (another instance may hold a follower's lease): a NOTIFY on a pooled connection
 * at the first commit, then at most one per channel every `intervalMs`, sent at the end of the interval
 * when commits came meanwhile. A NOTIFY per append would cost each append another round trip's worth of
 * database work (a quarter of a single append's time); followers in this process are told at once
 * (LocalSignals), those elsewhere within the interval, and every follower polls too.
 */
class Notifier {
  readonly #sentAt = new Map<string, number>();
  readonly #due = new Set<string>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly intervalMs = 10,
  ) {}

  notify(channel: string) {
    if (this.#due.has(channel)) return;
    // a monotonic clock: a wall clock stepped back would hold every NOTIFY for the length of the step
    const wait =
      (this.#sentAt.get(channel) ?? Number.NEGATIVE_INFINITY) + this.intervalMs - performance.now();
    if (wait <= 0) return this.#send(channel);
    this.#due.add(channel);
    setTimeout(() => {
      this.#due.delete(channel);
      this.#send(channel);
    }, wait).unref();
  }

  #send(channel: string) {
    this.#sentAt.set(channel, performance.now());
    // a wake-up is a hint: followers poll too
    this.pool.query(`NOTIFY "${checkChannel(channel)}"`).catch(() => {});
  }
}

class SignallingPostgresDialect extends PostgresDialect {
  constructor(
    config: ConstructorParameters<typeof PostgresDialect>[0],
    private readonly committed: (schemas: ReadonlySet<string>) => void,
  ) {
    super(config);
  }
  override createDriver(): Driver {
    return new SignallingDriver(super.createDriver(), this.committed);
  }
}

/**
 * A pg client that sends the statements of `named` (by their exact text) as named prepared statements;
 * pg prepares each once per connection. Kysely passes text and values, never a statement name. `traced`:
 * each query is a span (`tracedQuery`).
 */
const namingClient = (named: ReadonlyMap<string, string>, traced: boolean): typeof pg.Client =>
  class extends pg.Client {
    // biome-ignore lint/suspicious/noExplicitAny: pg's query has a dozen overloads; this forwards them all
    override query(config: any, values?: any, callback?: any): any {
      const name = typeof config === 'string' ? named.get(config) : undefined;
      const run = () =>
        name ? super.query({ name, text: config, values }, callback) : super.query(config, values, callback);
      return traced ? tracedQuery(typeof config === 'string' ? config : config?.text, run) : run();
    }
  };

/**
 * A query in a client span of the active trace (OpenTelemetry): its statement's text (values are
 * parameters, never in it) and how long it took. A query that answers by callback or as a stream is
 * ended at once; one outside any trace is not traced.
 */
function tracedQuery(text: string | undefined, run: () => unknown): unknown {
  // a statement outside any request or event (a poll, a sweep, a group commit's drain) starts no trace
  if (!trace.getSpan(context.active())) return run();
  const operation = text?.trimStart().split(/\s/, 1)[0]?.toUpperCase() ?? 'QUERY';
  const span = trace.getTracer('casework').startSpan(`pg ${operation}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'db.system.name': 'postgresql',
      'db.operation.name': operation,
      ...(text ? { 'db.query.text': text.slice(0, 2000) } : {}),
    },
  });
  const result = context.with(trace.setSpan(context.active(), span), run);
  if (result && typeof (result as Promise<unknown>).then === 'function')
    (result as Promise<unknown>).then(
      () => span.end(),
      () => {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      },
    );
  else span.end();
  return result;
}

export function connectPostgres(url: string, options: { max?: number; traced?: boolean } = {}): Database {
  const named = new Map<string, string>();
  // JIT compilation costs tens of milliseconds per statement and pays off only for long analytical
  // queries; ours are short, and a batch statement with a high estimated cost would pay it every time.
  // The store reads timestamps as text and takes them apart (eventStore.ts): ISO text whatever DateStyle
  // the server or database was given. A named statement's plan is left to the server to keep or make
  // again (plan_cache_mode auto): forcing one generic plan on every named statement and PL/pgSQL
  // routine made the billing run's appends and the read-model rebuild slower (pnpm bench billing)
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 20,
    options: '-c jit=off -c DateStyle=ISO',
    Client: namingClient(named, options.traced ?? false),
  });
  // a dropped connection must not crash the process: an idle one is replaced by the pool; a checked-out
  // one (a relay's transaction awaiting its acks, say) fails its next query, and is discarded on release
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const local = new LocalSignals();
  const notifier = new Notifier(pool);
  const db: Db = new Kysely({
    dialect: new SignallingPostgresDialect({ pool }, (schemas) => {
      for (const schema of schemas) {
        local.fire(appendChannel(schema));
        notifier.notify(appendChannel(schema));
      }
    }),
  });
  const listener = new PgListener({
    connectionString: url,
    application_name: 'casework-listener',
    keepAlive: true,
    connectionTimeoutMillis: 10_000,
  });
  return {
    db,
    backend: 'pg',
    prepare: (text) => {
      if (!named.has(text)) named.set(text, `casework_${named.size + 1}`);
    },
    listen: async (channel, onNotify) => {
      // this process's commits at once, other processes' by NOTIFY (this one's come back that way too:
      // a second wake-up, harmless)
      const unlocal = local.add(checkChannel(channel), onNotify);
      const unlisten = await listener.listen(channel, onNotify);
      return async () => {
        unlocal();
        await unlisten();
      };
    },
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
  constructor(
    config: ConstructorParameters<typeof PGliteDialect>[0],
    private readonly committed: (schemas: ReadonlySet<string>) => void,
  ) {
    super(config);
  }
  override createDriver(): Driver {
    return new SignallingDriver(new QueuedDriver(super.createDriver()), this.committed);
  }
}

/** An embedded PostgreSQL (PGlite, on a worker thread of its own). `dataDir` undefined keeps it in memory. */
export async function connectPGlite(dataDir?: string): Promise<Database> {
  const pglite = await PGliteInWorker.create(dataDir);
  const local = new LocalSignals();
  const db: Db = new Kysely({
    dialect: new QueuedPGliteDialect({ pglite }, (schemas) => {
      for (const schema of schemas) local.fire(appendChannel(schema));
    }),
  });
  return {
    db,
    backend: 'pglite',
    prepare: () => {},
    // one process holds the database: its own commits are all there is to hear
    listen: async (channel, onNotify) => {
      const unlocal = local.add(checkChannel(channel), onNotify);
      return async () => unlocal();
    },
    close: () => db.destroy(),
  };
}
