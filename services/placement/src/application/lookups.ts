import { missing } from '@casework/contracts';
import type { Executor } from '@casework/eventstore';
import type { ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';

/** Which entry an offer belongs to (written with the offer, so never behind). */
export async function entryOfOffer(ctx: ServiceContext, ex: Executor, offerId: string): Promise<string> {
  const { rows } = await sql<{ entry_id: string }>`SELECT entry_id::text FROM
    ${sql.id(ctx.store.schema, 'offer_index')} WHERE offer_id = ${offerId}::uuid`.execute(ex);
  if (!rows[0]) throw missing('the offer');
  return rows[0].entry_id;
}

/** Which client a placement belongs to (written with its admission, so never behind). */
export async function clientOfPlacement(
  ctx: ServiceContext,
  placementId: string,
  ex: Executor = ctx.store.db,
): Promise<string> {
  const { rows } = await sql<{ client_id: string }>`SELECT client_id::text FROM
    ${sql.id(ctx.store.schema, 'placement_index')} WHERE placement_id = ${placementId}::uuid`.execute(ex);
  if (!rows[0]) throw missing('the placement');
  return rows[0].client_id;
}

/** Records which client's stream holds a new placement (in the transaction that creates it). */
export const rememberPlacement = (ctx: ServiceContext, ex: Executor, placementId: string, clientId: string) =>
  ctx.store.prepared(
    sql`INSERT INTO ${sql.id(ctx.store.schema, 'placement_index')} (placement_id, client_id)
    VALUES (${placementId}::uuid, ${clientId}::uuid)`,
    ex,
  );
