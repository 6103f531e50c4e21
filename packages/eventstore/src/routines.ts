import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from './database.js';
import { streamsRead } from './streamReads.js';

// The event store's routines: code that runs inside PostgreSQL, installed by `migrate` after the
// migrations (which hold only the tables' history) as this version of the store has them.

/**
 * One call appends to one or more streams atomically, each with its expected version: one round trip.
 * `expected` is a number (the stream's current version, 0 for a new stream), 'any', 'no_stream' or
 * 'stream_exists'. A mismatch raises SQLSTATE CW409 with the details as JSON. Two creating the same new
 * stream meet on the primary key (23505), which the store reports as a concurrency error too.
 *
 * One stream (nearly every command) takes a path of primary-key probes, where the insert of a new
 * stream or the update of a known version is itself the check. Several are locked in stream-id order,
 * each probed by its primary key, moved by primary key one by one, new ones claimed in stream-id order,
 * and their events inserted in one statement: every path claims its stream rows before its events, in id
 * order, so two appends touching the same streams queue rather than deadlock. Never a join of the streams
 * table with the JSON's rows but by a probe per row: estimated at 100, they let the planner scan the
 * whole table.
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
 * one that last appended to the stream (see appendFunction); a row of before migration 0013 carries no transaction.
 */
export const appendsInCommitOrder =
  'AND (last_transaction_id IS NULL OR last_transaction_id <= pg_current_xact_id())';

function appendFunction(schema: string): string {
  const s = `"${schema}"`;
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
  late text[];
  v_late boolean;
  one jsonb;
  v_id text;
  v_expected text;
  v_version bigint;
  v_n bigint;
BEGIN
  IF jsonb_array_length(p_streams) = 1 THEN
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

  -- each stream probed by its key in stream-id order, locking as it goes: a plan as cheap as any the
  -- values could give, so it is kept (an array of ids was planned again at every call)
  WITH locked AS (
    SELECT l.stream_id, l.version, l.last_transaction_id
    FROM (SELECT x.value->>'streamId' AS id FROM jsonb_array_elements(p_streams) x ORDER BY 1) i
    CROSS JOIN LATERAL (
      SELECT st.stream_id, st.version, st.last_transaction_id FROM ${s}.streams st
      WHERE st.stream_id = i.id FOR UPDATE) l
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

/**
 * Streams read (as `streamsRead`, `p_streams` its JSON list) once the transaction holds the advisory
 * locks of `p_locks` (keys, taken in the order given, as `hashtextextended(key, 0)`): one round trip for
 * a command that locks, then loads. The read is a statement of its own, after the locks: a VOLATILE
 * function's every statement takes a fresh snapshot, so it sees whatever committed before the locks were
 * granted (in one statement with them, its snapshot would be older than the wait).
 */
function lockedReadFunction(schema: string): string {
  const s = `"${schema}"`;
  return `
CREATE OR REPLACE FUNCTION ${s}.read_streams_locked(p_locks jsonb, p_streams jsonb)
RETURNS TABLE (s_id text, stream_version text, event_id text, type text, stream_id text,
  stream_position text, global_position text, transaction_id text, data jsonb, metadata jsonb, recorded_at text)
LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
BEGIN
  -- a snapshot per statement is READ COMMITTED's: at a higher level the read would be as of before the wait
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'read_streams_locked runs at READ COMMITTED, not %', current_setting('transaction_isolation');
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended(l.id, 0))
  FROM jsonb_array_elements_text(p_locks) WITH ORDINALITY AS l(id, n) ORDER BY l.n;
  RETURN QUERY ${streamsRead(s, 'p_streams')};
END
$fn$`;
}

/** The routines as this version of the store has them, each with the signature that names it. */
const routinesOf = (schema: string) => [
  { signature: `"${schema}".safe_frontier()`, definition: safeFrontierFunction(schema) },
  { signature: `"${schema}".append_events(jsonb)`, definition: appendFunction(schema) },
  { signature: `"${schema}".read_streams_locked(jsonb, jsonb)`, definition: lockedReadFunction(schema) },
];

/**
 * Installs the store's routines (CREATE OR REPLACE) where the schema holds another version of them,
 * each marked with the digest of its text, so a start with the same code replaces nothing. Called under
 * `migrate`'s lock (one installer at a time per schema); the replacement commits with its mark.
 */
export async function installRoutines(db: Db, schema: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    for (const { signature, definition } of routinesOf(schema)) {
      const digest = createHash('sha256').update(definition).digest('hex');
      const { rows } = await sql<{ mark: string | null }>`
        SELECT obj_description(p.oid, 'pg_proc') AS mark FROM pg_proc p
        WHERE p.oid = to_regprocedure(${signature})`.execute(tx);
      if (rows[0]?.mark === digest) continue;
      await sql.raw(definition).execute(tx);
      await sql.raw(`COMMENT ON FUNCTION ${signature} IS '${digest}'`).execute(tx);
    }
  });
}
