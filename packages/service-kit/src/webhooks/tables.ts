import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Webhook endpoints and their deliveries, in every hosted service's schema (ADR 15): integration settings
 * and a delivery queue, not domain facts, so tables rather than streams. A delivery's `id` is its place in
 * the fan-out, which follows the service's log in commit order: order per endpoint and subject.
 */
export const webhookMigrations = (schema: string): Record<string, Migration> => ({
  '0020_webhooks': {
    async up(db) {
      const s = sql.id(schema);
      for (const statement of [
        sql`CREATE TABLE ${s}.webhook_endpoints (
          id uuid PRIMARY KEY,
          owner text NOT NULL,
          scope jsonb NOT NULL,
          url text NOT NULL,
          types text[] NOT NULL,
          description text NOT NULL DEFAULT '',
          status text NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
          disabled_reason text,
          secrets jsonb NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now()
        )`,
        sql`CREATE INDEX webhook_endpoints_by_owner ON ${s}.webhook_endpoints (owner, created_at)`,
        sql`CREATE TABLE ${s}.webhook_deliveries (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          endpoint_id uuid NOT NULL REFERENCES ${s}.webhook_endpoints (id) ON DELETE CASCADE,
          event_id uuid NOT NULL,
          subject text NOT NULL,
          payload text NOT NULL,
          status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
          attempts int NOT NULL DEFAULT 0,
          next_attempt_at timestamptz NOT NULL DEFAULT now(),
          first_attempt_at timestamptz,
          claimed_until timestamptz,
          claim uuid,
          attempt_log jsonb NOT NULL DEFAULT '[]',
          created_at timestamptz NOT NULL DEFAULT now(),
          delivered_at timestamptz,
          UNIQUE (endpoint_id, event_id)
        )`,
        // the queue: what is due, and what stands before a delivery on its subject
        sql`CREATE INDEX webhook_deliveries_due ON ${s}.webhook_deliveries (next_attempt_at, id)
          WHERE status = 'pending'`,
        sql`CREATE INDEX webhook_deliveries_in_line ON ${s}.webhook_deliveries (endpoint_id, subject, id)
          WHERE status = 'pending'`,
        sql`CREATE INDEX webhook_deliveries_log ON ${s}.webhook_deliveries (endpoint_id, id DESC)`,
        // the retention sweep: what is done, by when
        sql`CREATE INDEX webhook_deliveries_done ON ${s}.webhook_deliveries (coalesce(delivered_at, next_attempt_at))
          WHERE status <> 'pending'`,
      ]) {
        await statement.execute(db);
      }
    },
  },
  // integrators whose credentials were revoked (ADR 15): their endpoints are not registered or enabled again
  '0021_webhook_revoked_owners': {
    async up(db) {
      await sql`CREATE TABLE ${sql.id(schema)}.webhook_revoked_owners (
        owner text PRIMARY KEY,
        revoked_at timestamptz NOT NULL DEFAULT now()
      )`.execute(db);
    },
  },
});
