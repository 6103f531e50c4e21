import type { Tx } from '@casework/eventstore';
import type { ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import { decidingFields } from '../domain/facts.js';

export type ConsumedFact = { eventId: string; type: string; data: { clientId: string } };

/**
 * Keeps consumed events as fact rows of their clients, once each whatever the redeliveries, in one
 * statement; all are recorded at the same time, as consumed together.
 */
export async function keepFacts(ctx: ServiceContext, tx: Tx, facts: readonly ConsumedFact[]) {
  const rows = facts.map((f) => ({
    event_id: f.eventId,
    client_id: f.data.clientId,
    type: f.type,
    data: f.data,
    deciding: decidingFields(f.data),
  }));
  await sql`INSERT INTO ${sql.id(ctx.store.schema, 'client_facts')} (event_id, client_id, type, data, deciding, recorded_at)
    SELECT r.event_id, r.client_id, r.type, r.data, r.deciding, ${ctx.clock().toISOString()}::timestamptz
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS r(event_id uuid, client_id uuid, type text, data jsonb, deciding jsonb)
    ON CONFLICT (event_id) DO NOTHING`.execute(tx);
}

/** Keeps one consumed event as a fact row of its client (once, whatever the redeliveries). */
export const keepFact = (
  ctx: ServiceContext,
  tx: Tx,
  eventId: string,
  type: string,
  data: { clientId: string },
) => keepFacts(ctx, tx, [{ eventId, type, data }]);
