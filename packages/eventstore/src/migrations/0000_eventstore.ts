import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const eventstore = (schema: string): Migration => {
  const s = sql.id(schema);
  return {
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
    },
  };
};
