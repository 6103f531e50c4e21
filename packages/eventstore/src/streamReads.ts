// How the store reads events by stream: shared by its queries and by its routines, which run the same
// read inside PostgreSQL.

/**
 * An event row's columns as the store reads them (`none`: the same columns, all NULL). Text casts keep
 * xid8/bigint exact in JavaScript; an ORDER BY must name the table's columns, not these.
 */
export const columns = (data: string, none = false) =>
  none
    ? `NULL::text AS event_id, NULL::text AS type, NULL::text AS stream_id, NULL::text AS stream_position,
    NULL::text AS global_position, NULL::text AS transaction_id, ${data}, NULL::jsonb AS metadata, NULL::text AS recorded_at`
    : `event_id::text, type, stream_id, stream_position::text, global_position::text, transaction_id::text, ${data}, metadata,
    (recorded_at AT TIME ZONE 'UTC')::text AS recorded_at`;

/**
 * Streams and their events after a version each, in schema `s`; `streams` is SQL for a JSON list of
 * `{id, after}`. One row per event (the stream's id and version on each), or one without an event for a
 * stream that has none after; none for a stream that does not exist. OFFSET 0 keeps each lookup a probe
 * of its index: flattened into a join, a large batch would tempt the planner into scanning the whole
 * events table. Its one plan is the probes it spells out, whatever the streams.
 */
export const streamsRead = (s: string, streams: string) => `SELECT s.stream_id AS s_id,
    s.version::text AS stream_version, e.*
  FROM jsonb_to_recordset(${streams}) AS i(id text, after bigint)
  JOIN LATERAL (SELECT stream_id, version FROM ${s}.streams WHERE stream_id = i.id OFFSET 0) s ON true
  LEFT JOIN LATERAL (SELECT ${columns('data')} FROM ${s}.events
    WHERE stream_id = s.stream_id AND stream_position > i.after AND stream_position <= s.version OFFSET 0) e ON true
  ORDER BY s.stream_id, e.stream_position::bigint`;
