import { sql } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import type { Db } from './database.js';

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
  };
}

/**
 * One call appends to several streams atomically, each with its expected version: one round trip.
 * `expected` is a number (the stream's current version, 0 for a new stream), 'any', 'no_stream' or
 * 'stream_exists'. A mismatch raises SQLSTATE CW409 with the details as JSON.
 */
function appendFunction(schema: string): string {
  const s = `"${schema}"`;
  return `
CREATE FUNCTION ${s}.append_events(p_streams jsonb)
RETURNS TABLE (r_stream_id text, r_version bigint, r_first_position bigint, r_last_position bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  st jsonb;
  cur bigint;
  n bigint;
  expected text;
BEGIN
  FOR st IN SELECT value FROM jsonb_array_elements(p_streams) LOOP
    n := jsonb_array_length(st->'events');
    expected := st->>'expected';
    SELECT version INTO cur FROM ${s}.streams WHERE stream_id = st->>'streamId' FOR UPDATE;
    IF (expected = 'no_stream' AND cur IS NOT NULL)
       OR (expected = 'stream_exists' AND cur IS NULL)
       OR (expected ~ '^[0-9]+$' AND coalesce(cur, 0) <> expected::bigint) THEN
      RAISE EXCEPTION 'wrong expected version' USING ERRCODE = 'CW409',
        DETAIL = json_build_object('streamId', st->>'streamId', 'expected', expected, 'actual', cur)::text;
    END IF;
    IF cur IS NULL THEN
      INSERT INTO ${s}.streams (stream_id, stream_type, version) VALUES (st->>'streamId', st->>'streamType', n);
      cur := 0;
    ELSE
      UPDATE ${s}.streams SET version = cur + n, updated_at = now() WHERE stream_id = st->>'streamId';
    END IF;
    RETURN QUERY
      WITH ins AS (
        INSERT INTO ${s}.events (stream_id, stream_position, event_id, type, data, metadata)
        SELECT st->>'streamId', cur + e.ord, (e.value->>'id')::uuid, e.value->>'type', e.value->'data', e.value->'metadata'
        FROM jsonb_array_elements(st->'events') WITH ORDINALITY AS e(value, ord)
        ORDER BY e.ord
        RETURNING global_position
      )
      SELECT st->>'streamId', cur + n, min(global_position), max(global_position) FROM ins;
  END LOOP;
END
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
    provider: new StaticProvider({ ...eventStoreMigrations(schema), ...own }),
    migrationTableSchema: schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(
      `migration ${failed} of schema ${schema} failed: ${String((error as Error).message ?? error)}`,
    );
  }
}
