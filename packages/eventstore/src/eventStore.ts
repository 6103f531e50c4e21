import { EventEmitter } from 'node:events';
import { CompiledQuery, type QueryResult, type RawBuilder, sql } from 'kysely';
import { appendChannel } from './channels.js';
import type { Database, Executor, Tx } from './database.js';
import { ConcurrencyError } from './errors.js';
import { appendsInCommitOrder } from './routines.js';
import { columns, streamsRead } from './streamReads.js';
import type {
  AppendResult,
  EncodedEvent,
  ExpectedVersion,
  LogPage,
  LogRead,
  Position,
  RecordedEvent,
  StreamAppend,
} from './types.js';
import { compareDecimal, positionOf, START } from './types.js';

type EventRow = {
  event_id: string;
  type: string;
  stream_id: string;
  stream_position: string;
  global_position: string;
  transaction_id: string;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  /** The UTC timestamp's text, 'YYYY-MM-DD HH:MM:SS[.ffffff]' (a Date per event costs a reader dearly). */
  recorded_at: string;
};

const toRecorded = <R extends EventRow>(r: R): Omit<RecordedEvent, 'data'> & { data: R['data'] } => ({
  eventId: r.event_id,
  type: r.type,
  streamId: r.stream_id,
  streamPosition: Number(r.stream_position),
  globalPosition: String(r.global_position),
  transactionId: String(r.transaction_id),
  data: r.data,
  metadata: r.metadata,
  recordedAt: isoOf(r.recorded_at),
});

/** A UTC timestamp's text as ISO-8601 to the millisecond, as Date#toISOString writes it. */
const isoOf = (t: string) => `${t.slice(0, 10)}T${t.slice(11, 19)}.${t.slice(20, 23).padEnd(3, '0')}Z`;

/** Orders rows by (transaction_id, global_position), both decimal text: by length, then by digits. */
const inCommitOrder = (a: EventRow, b: EventRow): number =>
  compareDecimal(a.transaction_id, b.transaction_id) || compareDecimal(a.global_position, b.global_position);

function pgError(e: unknown): { code?: string; detail?: string; constraint?: string } {
  return (e ?? {}) as { code?: string; detail?: string; constraint?: string };
}

/**
 * One stream's append in one statement: `claim` (its stream row's insert or versioned update, returning
 * the version before the append as `base`) gates the insert of the events ($4…$7: ids, types, data and
 * metadata, in order). A claim that finds the stream not as expected returns no row, and nothing is
 * written: `n` is 0.
 */
const oneStreamAppend = (s: string, claim: string) => `WITH claimed AS (${claim}),
  inserted AS (
    INSERT INTO ${s}.events (stream_id, stream_position, event_id, type, data, metadata)
    SELECT $1, c.base + e.ord, e.id, e.type, e.data, e.metadata
    FROM claimed c, unnest($4::uuid[], $5::text[], $6::jsonb[], $7::jsonb[]) WITH ORDINALITY AS e(id, type, data, metadata, ord)
    ORDER BY e.ord
    RETURNING global_position
  )
  SELECT min(global_position)::text AS first, max(global_position)::text AS last, count(*)::int AS n FROM inserted`;

/**
 * A page of the log after ($1, $2) in commit order, at most $3 events (of the types $4 when `typed`), the
 * last position below the frontier (`last` walks the commit-order index backwards from the frontier: one
 * probe, not a scan) and whether events wait behind the frontier (`held`). A reader that wants a few
 * types lets the database skip the rest: they are never sent or parsed.
 */
export const logPage = (s: string, encoded: boolean, typed: boolean, dataless = false) => {
  const past = `(transaction_id, global_position) > ($1::xid8, $2::bigint) AND transaction_id < (SELECT frontier FROM f)`;
  const ofTypes = typed ? 'AND type = ANY($4::text[])' : '';
  const data = encoded ? 'data::text' : 'data';
  const withData = dataless
    ? `CASE WHEN type = ANY($${typed ? 5 : 4}::text[]) THEN NULL ELSE ${data} END AS data`
    : `${data} AS data`;
  // one head row (whether events are held, and the end of the log below the frontier), then the page's
  // rows: a thousand events do not each carry the head again
  return `WITH f AS MATERIALIZED (SELECT ${s}.safe_frontier() AS frontier)
  SELECT
    -- committed or not, events past the frontier wait behind an older writer still in flight. Looked up
    -- in commit order from the frontier (the index's start): an EXISTS that finds nothing may be planned
    -- as a scan of the whole table, and a row comparison starts at $1, once per page
    (SELECT transaction_id FROM ${s}.events
      WHERE transaction_id >= greatest((SELECT frontier FROM f), $1::xid8)
        AND (transaction_id > $1::xid8 OR global_position > $2::bigint) ${ofTypes}
      ORDER BY transaction_id, global_position LIMIT 1) IS NOT NULL AS held,
    last.through_tx, last.through_pos,
    ${columns(encoded ? 'NULL::text AS data' : 'NULL::jsonb AS data', true)}
  FROM (SELECT) head LEFT JOIN LATERAL (
    SELECT transaction_id::text AS through_tx, global_position::text AS through_pos
    FROM ${s}.events WHERE ${past}
    ORDER BY transaction_id DESC, global_position DESC
    LIMIT 1
  ) last ON true
  UNION ALL (
    SELECT NULL, NULL, NULL, ${columns(withData)} FROM ${s}.events
    WHERE ${past} ${ofTypes}
    ORDER BY events.transaction_id, events.global_position
    LIMIT $3
  )`;
};

/** The unique keys two appends creating the same new stream may meet on. */
const NEW_STREAM_RACE = new Set(['streams_pkey', 'events_stream_id_stream_position_key']);

/**
 * The event store of one service schema. Every method takes an optional executor so a caller can
 * combine appends, reads and read-model writes in one transaction.
 */
export class EventStore {
  /**
   * Emits 'appended' after a commit that appended to this schema, made by any transaction of any
   * process (the driver signals this process's commits at once and NOTIFYs the others; the first
   * 'appended' listener starts listening), and once after a lost listening connection is back.
   * Followers still poll: a wake-up is a hint, never the only way to see an event.
   */
  readonly notifications = new EventEmitter();
  #listening: Promise<void> | undefined;
  /** The appends and the log's pages, compiled once: the busiest statements skip the query builder. */
  readonly #appendSql: string;
  readonly #logSql = new Map<string, string>();
  readonly #createSql: string;
  readonly #advanceSql: string;
  readonly #readStreamSql: string;
  readonly #readStreamsSql: string;
  readonly #lockedReadSql: string;

  constructor(
    readonly database: Database,
    readonly schema: string,
  ) {
    const s = sql.id(schema).compile(database.db).sql;
    this.#appendSql = `SELECT * FROM ${s}.append_events($1::jsonb)`;
    this.#createSql = oneStreamAppend(
      s,
      `INSERT INTO ${s}.streams (stream_id, stream_type, version)
      VALUES ($1, $2, $3) ON CONFLICT (stream_id) DO NOTHING RETURNING 0::bigint AS base`,
    );
    this.#advanceSql = oneStreamAppend(
      s,
      `UPDATE ${s}.streams SET version = version + $3, updated_at = now(), last_transaction_id = pg_current_xact_id()
      WHERE stream_id = $1 AND version = $2::bigint ${appendsInCommitOrder} RETURNING version - $3 AS base`,
    );
    // one statement, one snapshot: the version and the events up to it are always read together (two
    // queries could see a version committed between them without its events). Prepared, as every command
    // reads a stream: parsed once per connection; a generic plan the server may come to use is still a
    // probe of each unique index, whatever the stream (unlike a page of the log: see #logPageSql)
    this.#readStreamSql = `SELECT s.version::text AS stream_version, e.*
      FROM (SELECT version FROM ${s}.streams WHERE stream_id = $1) s
      LEFT JOIN LATERAL (SELECT ${columns('data')} FROM ${s}.events
        WHERE stream_id = $1 AND stream_position > $2::bigint AND stream_position <= s.version) e ON true
      ORDER BY e.stream_position::bigint`;
    // several streams, the streams as JSON rows (see `prepared`); the same read after locks, as one routine
    this.#readStreamsSql = streamsRead(s, '$1::jsonb');
    this.#lockedReadSql = `SELECT * FROM ${s}.read_streams_locked($1::jsonb, $2::jsonb)`;
    for (const text of [
      this.#createSql,
      this.#advanceSql,
      this.#readStreamSql,
      this.#readStreamsSql,
      this.#lockedReadSql,
    ])
      database.prepare(text);
    this.notifications.setMaxListeners(100);
    this.notifications.on('newListener', (name) => {
      if (name === 'appended') this.listen().catch(() => {});
    });
  }

  /**
   * Starts re-emitting the schema's commit notifications as 'appended' (once per instance; the
   * listening connection ends with the Database). Resolves once LISTEN is in effect.
   */
  listen(): Promise<void> {
    this.#listening ??= this.database
      .listen(appendChannel(this.schema), () => this.notifications.emit('appended'))
      .then(() => {});
    return this.#listening;
  }

  get db() {
    return this.database.db;
  }

  private get s() {
    return sql.id(this.schema);
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  /**
   * Runs a statement as a named prepared statement: parsed once per connection, not at every call. Only
   * for statements whose best plan does not hang on their values (a lookup by key, an insert: the server
   * may come to reuse one generic plan for every call), and whose text is one of a few whatever the
   * values (lists passed as one parameter, never spelled out): each text is a statement kept by every
   * connection for its life. A list the server should plan for once comes as JSON (`jsonb_to_recordset`,
   * `jsonb_array_elements_text`): an array parameter it can see is planned for its length, and a plan
   * for the one or two items of a command then looks cheaper than the kept one at every call.
   */
  prepared<R>(query: RawBuilder<R>, executor: Executor = this.db): Promise<QueryResult<R>> {
    const compiled = query.compile(executor);
    this.database.prepare(compiled.sql);
    return executor.executeQuery(compiled);
  }

  /** Appends to one or more streams atomically; throws ConcurrencyError on a version mismatch. */
  async append(streams: StreamAppend[], executor: Executor = this.db): Promise<AppendResult> {
    const ids = new Set(streams.map((s) => s.streamId));
    if (ids.size !== streams.length) throw new Error('an append names each stream once');
    // an expectation the database does not recognise would append unchecked
    for (const s of streams)
      if (
        typeof s.expectedVersion === 'number' &&
        !(Number.isSafeInteger(s.expectedVersion) && s.expectedVersion >= 0)
      )
        throw new Error(`expected version of ${s.streamId} is not a version: ${s.expectedVersion}`);
    const one = streams[0]!;
    if (
      streams.length === 1 &&
      one.events.length > 0 &&
      (one.expectedVersion === 'no_stream' ||
        (typeof one.expectedVersion === 'number' && one.expectedVersion > 0))
    )
      return { streams: [await this.#appendOne(one, executor)] };
    const payload = streams.map((s) => ({
      streamId: s.streamId,
      streamType: s.streamType,
      expected: String(s.expectedVersion satisfies ExpectedVersion),
      events: s.events.map((e) => ({ id: e.metadata.id, type: e.type, data: e.data, metadata: e.metadata })),
    }));
    try {
      const { rows } = await executor.executeQuery<{
        r_stream_id: string;
        r_version: string;
        r_first_position: string;
        r_last_position: string;
      }>(CompiledQuery.raw(this.#appendSql, [JSON.stringify(payload)]));
      return {
        streams: rows.map((r) => ({
          streamId: r.r_stream_id,
          version: Number(r.r_version),
          firstPosition: String(r.r_first_position),
          lastPosition: String(r.r_last_position),
        })),
      };
    } catch (e) {
      const err = pgError(e);
      if (err.code === 'CW409') {
        const d = JSON.parse(err.detail ?? '{}') as {
          streamId: string;
          expected: string;
          actual: number | null;
          younger: boolean;
        };
        throw new ConcurrencyError(d.streamId, d.expected, d.actual ?? undefined, d.younger);
      }
      if (err.code === '23505' && NEW_STREAM_RACE.has(err.constraint ?? '')) {
        // two writers created the same new stream concurrently; the slower one loses (on the stream
        // row or on its first event's position, whichever the append reached first)
        const id = /\(stream_id(?:, stream_position)?\)=\(([^,)]*)/.exec(err.detail ?? '')?.[1];
        const s = streams.find((x) => x.streamId === id) ?? streams[0]!;
        throw new ConcurrencyError(s.streamId, String(s.expectedVersion), undefined);
      }
      throw e;
    }
  }

  /**
   * One stream, new or at a known version (nearly every command): one prepared statement whose insert or
   * versioned update of the stream row is the check; a racing writer waits for that row, then finds it
   * taken or moved, and its statement appends nothing.
   */
  async #appendOne(one: StreamAppend, executor: Executor): Promise<AppendResult['streams'][number]> {
    const creating = one.expectedVersion === 'no_stream';
    const { rows } = await executor.executeQuery<{ first: string | null; last: string | null; n: number }>(
      CompiledQuery.raw(creating ? this.#createSql : this.#advanceSql, [
        one.streamId,
        creating ? one.streamType : String(one.expectedVersion),
        one.events.length,
        one.events.map((e) => e.metadata.id),
        one.events.map((e) => e.type),
        one.events.map((e) => JSON.stringify(e.data)),
        one.events.map((e) => JSON.stringify(e.metadata)),
      ]),
    );
    const row = rows[0]!;
    if (row.n === 0) {
      // nothing was written and the caller's transaction is still usable: it decides whether to go on
      // (every caller rethrows, so a unit of work rolls back and retries from a fresh read)
      // at the version expected, the stream was refused for its order: a younger transaction wrote it
      const actual = await this.streamVersion(one.streamId, executor);
      const expected = String(one.expectedVersion);
      throw new ConcurrencyError(one.streamId, expected, actual || undefined, String(actual) === expected);
    }
    const base = creating ? 0 : (one.expectedVersion as number);
    return {
      streamId: one.streamId,
      version: base + one.events.length,
      firstPosition: row.first!,
      lastPosition: row.last!,
    };
  }

  /** The stream's events after `afterVersion` (0: all) and its current version (0: no stream). */
  async readStream(
    streamId: string,
    options: { afterVersion?: number; executor?: Executor } = {},
  ): Promise<{ version: number; events: RecordedEvent[] }> {
    const { rows } = await (options.executor ?? this.db).executeQuery<EventRow & { stream_version: string }>(
      CompiledQuery.raw(this.#readStreamSql, [streamId, options.afterVersion ?? 0]),
    );
    const version = rows[0] ? Number(rows[0].stream_version) : 0;
    const events = rows.filter((r) => r.event_id !== null).map(toRecorded);
    return { version, events };
  }

  /**
   * Several streams at once (a batch of aggregates): each with its version; absent ones are version 0.
   * `locks`: keys of transaction-scoped advisory locks (as `hashtextextended(key, 0)`) to take first, in
   * the order given, in the same round trip: the streams are then read on a snapshot taken once the locks
   * are held (a command that locks, then loads, waits once). Only inside a transaction.
   */
  async readStreams(
    streamIds: readonly string[],
    executor: Executor = this.db,
    after: ReadonlyMap<string, number> = new Map(),
    locks: readonly string[] = [],
  ): Promise<Map<string, { version: number; events: RecordedEvent[] }>> {
    // outside a transaction the locks would be let go as soon as the read is done
    if (locks.length > 0 && !executor.isTransaction)
      throw new Error('readStreams: locks are taken in a transaction');
    // each stream once: a stream named twice would have its events pushed twice
    const ids = [...new Set(streamIds)];
    const out = new Map(ids.map((id) => [id, { version: 0, events: [] as RecordedEvent[] }]));
    if (ids.length === 0 && locks.length === 0) return out;
    const streams = JSON.stringify(ids.map((id) => ({ id, after: after.get(id) ?? 0 })));
    const { rows } = await executor.executeQuery<EventRow & { s_id: string; stream_version: string }>(
      locks.length > 0
        ? CompiledQuery.raw(this.#lockedReadSql, [JSON.stringify(locks), streams])
        : CompiledQuery.raw(this.#readStreamsSql, [streams]),
    );
    for (const r of rows) {
      const stream = out.get(r.s_id)!;
      stream.version = Number(r.stream_version);
      if (r.event_id !== null) stream.events.push(toRecorded(r));
    }
    return out;
  }

  /** The latest snapshot of each stream taken with this codec (older codecs no longer fit the state). */
  async loadSnapshots(
    streamIds: readonly string[],
    codec: number,
    executor: Executor = this.db,
  ): Promise<Map<string, { version: number; state: unknown }>> {
    if (streamIds.length === 0) return new Map();
    // prepared, the streams as JSON and each probed by its key (OFFSET 0): one plan for any list, as
    // readStreams
    const { rows } = await this.prepared(
      sql<{ stream_id: string; version: string; state: unknown }>`SELECT s.stream_id, s.version::text, s.state
      FROM jsonb_array_elements_text(${JSON.stringify(streamIds)}::jsonb) AS i(id)
      JOIN LATERAL (SELECT stream_id, version, state FROM ${this.s}.snapshots
        WHERE stream_id = i.id AND codec = ${codec} OFFSET 0) s ON true`,
      executor,
    );
    return new Map(rows.map((r) => [r.stream_id, { version: Number(r.version), state: r.state }]));
  }

  /** Keeps a stream's state at a version (a later one replaces it, an older one only with another codec). */
  saveSnapshot(
    streamId: string,
    snapshot: { version: number; codec: number; state: unknown },
    executor: Executor = this.db,
  ): Promise<void> {
    return this.saveSnapshots([{ streamId, ...snapshot }], executor);
  }

  /** saveSnapshot for many streams in one statement (a batch of aggregates decided together), each once. */
  async saveSnapshots(
    snapshots: readonly { streamId: string; version: number; codec: number; state: unknown }[],
    executor: Executor = this.db,
  ): Promise<void> {
    if (snapshots.length === 0) return;
    // one JSON document, not a jsonb[] of states: no array literal escaped and parsed again per state
    await sql`INSERT INTO ${this.s}.snapshots (stream_id, version, codec, state)
      SELECT x."streamId", x.version, x.codec, x.state
      FROM jsonb_to_recordset(${JSON.stringify(snapshots)}::jsonb)
        AS x("streamId" text, version bigint, codec int, state jsonb)
      ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, codec = excluded.codec,
        state = excluded.state, taken_at = now()
      WHERE ${this.s}.snapshots.version < excluded.version OR ${this.s}.snapshots.codec <> excluded.codec`.execute(
      executor,
    );
  }

  async streamVersion(streamId: string, executor: Executor = this.db): Promise<number> {
    const { rows } = await sql<{ version: string }>`SELECT version::text FROM ${this.s}.streams
      WHERE stream_id = ${streamId}`.execute(executor);
    return rows[0] ? Number(rows[0].version) : 0;
  }

  /**
   * Reads the global log in commit order after `after`, only below the safe frontier: transactions
   * still in flight hold back every event of a later transaction, so no reader ever skips one.
   */
  async readAll(after: Position = START, options: LogRead = {}): Promise<RecordedEvent[]> {
    return (await this.readLog(after, options)).events;
  }

  /** readAll with each event's data left as its JSON text, for a reader that passes it on unread. */
  async readAllEncoded(after: Position = START, options: LogRead = {}): Promise<EncodedEvent[]> {
    return (await this.readLog(after, { ...options, encoded: true })).events;
  }

  /**
   * One page of the global log after `after` (events of `types` only, when given) and `through`, the
   * position the reader may checkpoint: the last event's when the page is full, else the log's last
   * position below the frontier whatever its type (or `after` when there is none past it). A filtered
   * reader thus moves past the rows it skips instead of scanning them again at every read. Page, last
   * position and frontier come from one statement, one snapshot: nothing can commit between them.
   */
  readLog(after: Position, options?: LogRead & { encoded?: false }): Promise<LogPage<RecordedEvent>>;
  readLog(after: Position, options: LogRead & { encoded: true }): Promise<LogPage<EncodedEvent>>;
  async readLog(
    after: Position = START,
    options: LogRead & { encoded?: boolean } = {},
  ): Promise<LogPage<RecordedEvent | EncodedEvent>> {
    const limit = options.limit ?? 500;
    const { rows } = await (options.executor ?? this.db).executeQuery<
      EventRow & { through_tx: string | null; through_pos: string; held: boolean | null }
    >(
      CompiledQuery.raw(
        this.#logPageSql(
          options.encoded === true,
          options.types !== undefined,
          options.withoutData !== undefined,
        ),
        [
          after.transactionId,
          after.globalPosition,
          limit,
          ...(options.types ? [[...options.types]] : []),
          ...(options.withoutData ? [[...options.withoutData]] : []),
        ],
      ),
    );
    // put in commit order here: an ORDER BY would sort the page's wide rows again in the database, though
    // they come out of the index in that order (and this sort finds them so at once)
    const events = rows
      .filter((r) => r.event_id !== null)
      .sort(inCommitOrder)
      .map(toRecorded);
    const head = rows.find((r) => r.held !== null);
    const end = events.length === limit ? events[events.length - 1] : undefined;
    const through: Position = end
      ? positionOf(end)
      : head?.through_tx
        ? { transactionId: head.through_tx, globalPosition: head.through_pos }
        : after;
    return { events, through, held: head?.held === true };
  }

  /**
   * The statement of a page of the log (eight in all), built once. Never a named prepared statement: the
   * server would come to reuse a generic plan made without the position, and one made while the table was
   * small (a bitmap scan and a sort of every event after the position) takes a second a page for a reader
   * far behind, as a rebuild is; unnamed, each page is planned for where it starts.
   */
  #logPageSql(encoded: boolean, typed: boolean, dataless: boolean): string {
    const key = `${encoded}/${typed}/${dataless}`;
    let text = this.#logSql.get(key);
    if (!text) {
      text = logPage(sql.id(this.schema).compile(this.db).sql, encoded, typed, dataless);
      this.#logSql.set(key, text);
    }
    return text;
  }

  /** How many committed events (of the given types) lie past a position (for lag metrics and readiness). */
  async countAfter(
    after: Position,
    executor: Executor = this.db,
    types?: readonly string[],
  ): Promise<number> {
    const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${this.s}.events
      WHERE (transaction_id, global_position) > (${after.transactionId}::xid8, ${after.globalPosition}::bigint)
        ${types ? sql`AND type = ANY(${[...types]}::text[])` : sql``}`.execute(executor);
    return Number(rows[0]?.n ?? 0);
  }
}
