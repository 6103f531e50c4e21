import { sql } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import { appendChannel } from './channels.js';
import type { Db } from './database.js';
import { leaseMigrations } from './leaseMigrations.js';

const ident = (schema: string) => {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  return sql.id(schema);
};

/** The event store tables of one service schema (DESIGN §3). */
export function eventStoreMigrations(schema: string): Record<string, Migration> {
  const s = ident(schema);
  return {
    '0000_eventstore': {
      async up(db) {
        await sql`CREATE SCHEMA IF NOT EXISTS ${s}`.execute(db);
        await sql`CREATE TABLE ${s}.streams (
          stream_id text PRIMARY KEY,
          stream_type text NOT NULL,
          version bigint NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now()
        )`.execute(db);
        await sql`CREATE TABLE ${s}.events (
          global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
          stream_id text NOT NULL,
          stream_position bigint NOT NULL,
          event_id uuid NOT NULL UNIQUE,
          type text NOT NULL,
          data jsonb NOT NULL,
          metadata jsonb NOT NULL,
          recorded_at timestamptz NOT NULL DEFAULT now(),
          UNIQUE (stream_id, stream_position)
        )`.execute(db);
        await sql`CREATE INDEX events_commit_order ON ${s}.events (transaction_id, global_position)`.execute(
          db,
        );
        await sql`CREATE TABLE ${s}.checkpoints (
          subscription text PRIMARY KEY,
          transaction_id xid8 NOT NULL,
          global_position bigint NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now()
        )`.execute(db);
        await sql`CREATE TABLE ${s}.inbox (
          consumer text NOT NULL,
          event_id uuid NOT NULL,
          processed_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (consumer, event_id)
        )`.execute(db);
        await sql`CREATE TABLE ${s}.dead_letters (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          consumer text NOT NULL,
          event_id uuid NOT NULL,
          subject text NOT NULL,
          type text NOT NULL,
          data jsonb NOT NULL,
          metadata jsonb NOT NULL,
          error text NOT NULL,
          deliveries integer NOT NULL,
          failed_at timestamptz NOT NULL DEFAULT now(),
          replayed_at timestamptz,
          UNIQUE (consumer, event_id)
        )`.execute(db);
        await sql`CREATE TABLE ${s}.idempotency_keys (
          principal text NOT NULL,
          key text NOT NULL,
          request_hash text NOT NULL,
          status integer NOT NULL,
          headers jsonb NOT NULL,
          body jsonb,
          created_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (principal, key)
        )`.execute(db);
        await sql.raw(appendFunction(schema)).execute(db);
      },
    },
    '0001_snapshots': {
      async up(db) {
        // an aggregate's state at a stream version, so a long stream is not folded from its start
        await sql`CREATE TABLE ${s}.snapshots (
          stream_id text PRIMARY KEY,
          version bigint NOT NULL,
          codec integer NOT NULL,
          state jsonb NOT NULL,
          taken_at timestamptz NOT NULL DEFAULT now()
        )`.execute(db);
      },
    },
    '0002_set_based_append': {
      async up(db) {
        // the append in a few set-based statements instead of three per stream
        await sql.raw(appendFunction(schema)).execute(db);
      },
    },
    '0003_idempotency_claims': {
      async up(db) {
        // ADR 8: the old records kept whole responses (names, identifiers) for ever, keyed by `sub` only;
        // they are a replay cache, so they go, and the new table holds no personal data: the caller and
        // scope and the key as digests, a claim taken before the command runs, an expiry
        await sql`DROP TABLE IF EXISTS ${s}.idempotency_keys`.execute(db);
        await sql`CREATE TABLE ${s}.idempotency_keys (
          caller text NOT NULL,
          key_hash text NOT NULL,
          request_hash text NOT NULL,
          state text NOT NULL CHECK (state IN ('pending', 'done')),
          claim uuid NOT NULL,
          status integer,
          etag text,
          location text,
          resource text,
          sealed bytea,
          created_at timestamptz NOT NULL,
          expires_at timestamptz NOT NULL,
          PRIMARY KEY (caller, key_hash)
        )`.execute(db);
        await sql`CREATE INDEX idempotency_keys_expiry ON ${s}.idempotency_keys (expires_at)`.execute(db);
      },
    },
    '0004_idempotency_shown': {
      async up(db) {
        // issue 14, hole 5: the clients (id and municipality) a sealed answer showed, sealed like it, so
        // a replay of an answer no route reads back is logged as the read it is
        await sql`ALTER TABLE ${s}.idempotency_keys ADD COLUMN shown bytea`.execute(db);
      },
    },
    '0005_safe_frontier': {
      async up(db) {
        // ADR 1: the frontier only this database's writers can hold, and a NOTIFY at each append's commit
        await sql.raw(safeFrontierFunction(schema)).execute(db);
        await sql.raw(appendFunction(schema, { notify: true })).execute(db);
      },
    },
    '0007_append_signalled_after_commit': {
      async up(db) {
        // a NOTIFY inside the appending transaction serialises the commits of every appender (PostgreSQL
        // takes a cluster-wide lock from pre-commit to the end of commit, across the WAL flush), halving
        // the throughput of 16 writers; the driver now signals after commit instead (database.ts)
        await sql.raw(appendFunction(schema)).execute(db);
      },
    },
    '0008_append_plans_independent_of_size': {
      async up(db) {
        // one stream appended by primary-key probes; several found through arrays, not a join the
        // planner could turn into a scan of streams once the table has a few thousand rows (issue 16)
        await sql.raw(appendFunction(schema)).execute(db);
      },
    },
    '0009_frontier_from_backend_status': {
      async up(db) {
        // the backends' status without the pg_stat_activity view (its joins cost a millisecond or more
        // per call, paid by every page a follower reads while any transaction is in flight)
        await sql.raw(safeFrontierFunction(schema)).execute(db);
      },
    },
    '0010_events_keyed_by_stream': {
      async up(db) {
        // every read of the log goes by commit order (transaction_id, global_position) and every read of a
        // stream by (stream_id, stream_position): an index on global_position alone served no query and
        // cost each appended event one more index entry (0011 makes commit order the unique key). The
        // stream key identifies a row for logical replication
        await sql`ALTER TABLE ${s}.events DROP CONSTRAINT events_pkey`.execute(db);
        await sql`ALTER TABLE ${s}.events REPLICA IDENTITY USING INDEX events_stream_id_stream_position_key`.execute(
          db,
        );
      },
    },
    '0011_commit_order_unique': {
      async up(db) {
        // a reader's position is (transaction_id, global_position): two events at one position would let
        // a reader skip one. The identity alone does not guarantee it (OVERRIDING SYSTEM VALUE, a reset
        // sequence), so the commit-order index becomes unique. Built under a lock that holds appends
        // back for the time the index takes to build (seconds for millions of events)
        await sql`CREATE UNIQUE INDEX events_commit_order_key ON ${s}.events (transaction_id, global_position)`.execute(
          db,
        );
        await sql`DROP INDEX ${s}.events_commit_order`.execute(db);
        await sql`ALTER INDEX ${s}.events_commit_order_key RENAME TO events_commit_order`.execute(db);
      },
    },
    '0012_streams_updated_in_place': {
      async up(db) {
        // every append moves its stream's version: with room left in each page the new row stays beside
        // the old (a heap-only update, no index entry, the old row pruned in place) instead of adding an
        // entry to the stream index each time. Pages written from now on keep the room
        await sql`ALTER TABLE ${s}.streams SET (fillfactor = 80)`.execute(db);
      },
    },
    '0013_stream_order_is_commit_order': {
      async up(db) {
        // the transaction that last appended to each stream (ADR 1): an append refuses to place its events
        // before that transaction's in the log. No default for the rows there (unknown, never refused)
        await sql`ALTER TABLE ${s}.streams ADD COLUMN last_transaction_id xid8`.execute(db);
        await sql`ALTER TABLE ${s}.streams ALTER COLUMN last_transaction_id SET DEFAULT pg_current_xact_id()`.execute(
          db,
        );
        await sql.raw(appendFunction(schema)).execute(db);
      },
    },
  };
}

/**
 * One call appends to one or more streams atomically, each with its expected version: one round trip.
 * `expected` is a number (the stream's current version, 0 for a new stream), 'any', 'no_stream' or
 * 'stream_exists'. A mismatch raises SQLSTATE CW409 with the details as JSON. Two creating the same new
 * stream meet on the primary key (23505), which the store reports as a concurrency error too.
 *
 * One stream (nearly every command) takes a path of primary-key probes, where the insert of a new
 * stream or the update of a known version is itself the check. Several are locked in stream-id order
 * through an array of ids, moved by primary key one by one, new ones claimed in stream-id order, and
 * their events inserted in one statement: every path claims its stream rows before its events, in id
 * order, so two appends touching the same streams queue rather than deadlock. Never a join of the streams
 * table with the JSON's rows: estimated at 100, they let the planner scan the whole table.
 *
 * A stream's events follow one another in the log as they do in the stream (ADR 1): the log is read in
 * transaction-id order, and a transaction's id is taken at its first write, so one that wrote something
 * else, then waited (on a lock, say) while a younger one appended to a stream and committed, would
 * otherwise place its own next events of that stream before the younger one's. Each stream row keeps the
 * transaction that last appended to it; an append by an older transaction is refused as a concurrency
 * error (the stream's version is reported unchanged), and its unit of work retries in a new transaction.
 */
/**
 * The condition a stream row's update carries so that the appending transaction is not older than the
 * one that last appended to the stream (see appendFunction); a row of before 0013 carries no transaction.
 */
export const appendsInCommitOrder =
  'AND (last_transaction_id IS NULL OR last_transaction_id <= pg_current_xact_id())';

function appendFunction(schema: string, options: { notify?: boolean } = {}): string {
  const s = `"${schema}"`;
  // (0005 only) NOTIFY queued with the transaction, delivered at its commit; replaced by 0007
  const notify = options.notify ? `PERFORM pg_notify('${appendChannel(schema)}', '');\n  ` : '';
  // `younger`: refused only because a younger transaction appended to the stream since
  const mismatch = (id: string, expected: string, actual: string, younger: string) => `
    RAISE EXCEPTION 'wrong expected version' USING ERRCODE = 'CW409',
      DETAIL = json_build_object('streamId', ${id}, 'expected', ${expected}, 'actual', ${actual},
        'younger', ${younger})::text;`;
  // one stream whose insert or update found it not as expected: its version, for the error, then refuse
  const refuseOne = `
        SELECT st.version INTO v_version FROM ${s}.streams st WHERE st.stream_id = v_id;${mismatch('v_id', 'v_expected', 'v_version', 'coalesce(v_version::text = v_expected, false)')}`;
  return `
CREATE OR REPLACE FUNCTION ${s}.append_events(p_streams jsonb)
RETURNS TABLE (r_stream_id text, r_version bigint, r_first_position bigint, r_last_position bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  cur jsonb;
  bad record;
  ids text[];
  late text[];
  v_late boolean;
  one jsonb;
  v_id text;
  v_expected text;
  v_version bigint;
  v_n bigint;
BEGIN
  ${notify}IF jsonb_array_length(p_streams) = 1 THEN
    one := p_streams->0;
    v_id := one->>'streamId';
    v_expected := one->>'expected';
    v_n := jsonb_array_length(one->'events');
    IF v_expected = 'no_stream' THEN
      -- a new stream: the insert is the check (and a racing creator waits for it, then finds it there)
      INSERT INTO ${s}.streams (stream_id, stream_type, version) VALUES (v_id, one->>'streamType', v_n)
      ON CONFLICT (stream_id) DO NOTHING;
      IF NOT FOUND THEN${refuseOne}
      END IF;
    ELSIF v_expected ~ '^[1-9][0-9]*$' THEN
      -- the version a command read: the update is the check (a racing writer waits for the row, then
      -- finds the version moved and updates nothing)
      UPDATE ${s}.streams SET version = version + v_n, updated_at = now(), last_transaction_id = pg_current_xact_id()
      WHERE stream_id = v_id AND version = v_expected::bigint ${appendsInCommitOrder}
      RETURNING version - v_n INTO v_version;
      IF NOT FOUND THEN${refuseOne}
      END IF;
    ELSE
      SELECT st.version, st.last_transaction_id > pg_current_xact_id() INTO v_version, v_late
      FROM ${s}.streams st WHERE st.stream_id = v_id FOR UPDATE;
      IF (v_expected = 'stream_exists' AND v_version IS NULL)
         OR (v_expected ~ '^[0-9]+$' AND coalesce(v_version, 0) <> v_expected::bigint)
         OR v_late THEN${mismatch('v_id', 'v_expected', 'v_version', 'coalesce(v_late, false)')}
      END IF;
      IF v_version IS NULL THEN
        INSERT INTO ${s}.streams (stream_id, stream_type, version) VALUES (v_id, one->>'streamType', v_n);
      ELSE
        UPDATE ${s}.streams SET version = v_version + v_n, updated_at = now(), last_transaction_id = pg_current_xact_id()
        WHERE stream_id = v_id;
      END IF;
    END IF;
    RETURN QUERY
    WITH inserted AS (
      INSERT INTO ${s}.events (stream_id, stream_position, event_id, type, data, metadata)
      SELECT v_id, coalesce(v_version, 0) + e.ord, (e.value->>'id')::uuid, e.value->>'type', e.value->'data', e.value->'metadata'
      FROM jsonb_array_elements(one->'events') WITH ORDINALITY AS e(value, ord)
      ORDER BY e.ord
      RETURNING global_position
    )
    SELECT v_id, coalesce(v_version, 0) + v_n, min(i.global_position), max(i.global_position) FROM inserted i;
    RETURN;
  END IF;

  ids := ARRAY(SELECT x.value->>'streamId' FROM jsonb_array_elements(p_streams) x);
  WITH locked AS (
    SELECT st.stream_id, st.version, st.last_transaction_id FROM ${s}.streams st
    WHERE st.stream_id = ANY(ids)
    ORDER BY st.stream_id FOR UPDATE
  )
  SELECT coalesce(jsonb_object_agg(locked.stream_id, locked.version), '{}'),
    coalesce(array_agg(locked.stream_id) FILTER (WHERE locked.last_transaction_id > pg_current_xact_id()), '{}')
  INTO cur, late FROM locked;
  SELECT r.id, r.expected, (cur->>r.id)::bigint AS actual INTO bad
  FROM (SELECT x.value->>'streamId' AS id, x.value->>'expected' AS expected, x.ord
        FROM jsonb_array_elements(p_streams) WITH ORDINALITY AS x(value, ord)) r
  WHERE r.id = ANY(late)
     OR (r.expected = 'no_stream' AND cur ? r.id)
     OR (r.expected = 'stream_exists' AND NOT cur ? r.id)
     OR (r.expected ~ '^[0-9]+$' AND coalesce((cur->>r.id)::bigint, 0) <> r.expected::bigint)
  ORDER BY r.ord LIMIT 1;
  IF FOUND THEN${mismatch('bad.id', 'bad.expected', 'bad.actual', 'bad.id = ANY(late)')}
  END IF;
  -- the existing streams move one by one, each by its primary key (they are locked already)
  FOR one IN SELECT x.value FROM jsonb_array_elements(p_streams) x WHERE cur ? (x.value->>'streamId') LOOP
    UPDATE ${s}.streams SET version = version + jsonb_array_length(one->'events'), updated_at = now(),
      last_transaction_id = pg_current_xact_id()
    WHERE stream_id = one->>'streamId';
  END LOOP;
  -- new streams are claimed before any event is written, in stream-id order, as every path does: a
  -- creator racing another (of one stream or several) waits on the stream row, never in a cycle
  INSERT INTO ${s}.streams (stream_id, stream_type, version)
  SELECT x.value->>'streamId', x.value->>'streamType', jsonb_array_length(x.value->'events')
  FROM jsonb_array_elements(p_streams) x WHERE NOT cur ? (x.value->>'streamId')
  ORDER BY x.value->>'streamId';
  RETURN QUERY
  WITH r AS (
    SELECT x.ord, x.value->>'streamId' AS id, x.value->'events' AS events,
      jsonb_array_length(x.value->'events') AS n, (cur->>(x.value->>'streamId'))::bigint AS version
    FROM jsonb_array_elements(p_streams) WITH ORDINALITY AS x(value, ord)
  ), inserted AS (
    INSERT INTO ${s}.events (stream_id, stream_position, event_id, type, data, metadata)
    SELECT r.id, coalesce(r.version, 0) + e.ord, (e.value->>'id')::uuid, e.value->>'type', e.value->'data', e.value->'metadata'
    FROM r, jsonb_array_elements(r.events) WITH ORDINALITY AS e(value, ord)
    ORDER BY r.ord, e.ord
    RETURNING stream_id, global_position
  )
  SELECT r.id, coalesce(r.version, 0) + r.n, min(i.global_position), max(i.global_position)
  FROM r LEFT JOIN inserted i ON i.stream_id = r.id
  GROUP BY r.ord, r.id, r.version, r.n ORDER BY r.ord;
END
$fn$`;
}

/**
 * The safe frontier of the global log (ADR 1): every transaction below it that could have written
 * this database's events has finished, so a reader that reads `transaction_id < safe_frontier()` never
 * skips an event committed later. It is the oldest transaction of the statement's snapshot still in
 * flight (pg_snapshot_xip), except those known to run in another database of the server
 * (the backend status's backend_xid with another datid): they can never write here. One in flight at the
 * snapshot that has since finished has an unknown database and still holds (conservative). None left:
 * the snapshot's xmax. STABLE, so it runs on the calling statement's snapshot (a VOLATILE function
 * would take a fresh one per statement, newer than the read's).
 */
function safeFrontierFunction(schema: string): string {
  return `
CREATE OR REPLACE FUNCTION "${schema}".safe_frontier() RETURNS xid8
LANGUAGE sql STABLE AS $fn$
  SELECT coalesce(min(x.xid), pg_snapshot_xmax(pg_current_snapshot()))
  FROM pg_snapshot_xip(pg_current_snapshot()) AS x(xid)
  WHERE NOT EXISTS (
    SELECT FROM pg_stat_get_activity(NULL) a
    WHERE a.backend_xid = xid(x.xid)
      AND a.datid <> (SELECT d.oid FROM pg_database d WHERE d.datname = current_database()))
$fn$`;
}

class StaticProvider implements MigrationProvider {
  constructor(private readonly migrations: Record<string, Migration>) {}
  async getMigrations() {
    return this.migrations;
  }
}

/** Brings a service schema up to date: the event store tables, then the service's own migrations. */
export async function migrate(db: Db, schema: string, own: Record<string, Migration> = {}): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`.execute(db);
  const migrator = new Migrator({
    db,
    provider: new StaticProvider({ ...eventStoreMigrations(schema), ...leaseMigrations(schema), ...own }),
    migrationTableSchema: schema,
    // the event store's migrations (00xx) and the service's own (0100 on) are two sequences in one
    // table: a new event-store migration must run on a schema whose service is further along
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(
      `migration ${failed} of schema ${schema} failed: ${String((error as Error).message ?? error)}`,
    );
  }
}
