import type { Tx } from '@casework/eventstore';
import type { ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import { decidingFields } from '../domain/facts.js';

/** Keeps a consumed event as a fact row of its client (once, whatever the redeliveries). */
export const keepFact = (
  ctx: ServiceContext,
  tx: Tx,
  eventId: string,
  type: string,
  data: { clientId: string },
) =>
  sql`INSERT INTO ${sql.id(ctx.store.schema, 'client_facts')} (event_id, client_id, type, data, deciding, recorded_at)
    VALUES (${eventId}::uuid, ${data.clientId}::uuid, ${type}, ${JSON.stringify(data)}::jsonb,
      ${JSON.stringify(decidingFields(data))}::jsonb, ${ctx.clock().toISOString()}::timestamptz)
    ON CONFLICT (event_id) DO NOTHING`.execute(tx);
