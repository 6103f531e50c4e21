import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const idempotencyClaims = (schema: string): Migration => {
  const s = sql.id(schema);
  return {
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
  };
};
