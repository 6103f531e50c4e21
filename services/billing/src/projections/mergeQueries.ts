import type { Executor } from '@casework/eventstore';
import type { ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';

/** Who stands for whom among some clients: each merged record's survivor, each survivor's merged records. */
export type Merges = { survivorOf: Map<string, string>; mergedInto: Map<string, string[]> };

/**
 * The merges that touch `clientIds` (as the merged record or as the survivor), from the client directory
 * billing keeps of intake's events. Intake treats a merged record's history as the survivor's; so does
 * billing, for what its accounts still owe.
 */
export async function mergesAmong(
  ctx: ServiceContext,
  ex: Executor,
  clientIds: readonly string[],
): Promise<Merges> {
  const merges: Merges = { survivorOf: new Map(), mergedInto: new Map() };
  if (clientIds.length === 0) return merges;
  const { rows } = await sql<{ client_id: string; merged_into: string }>`SELECT client_id::text,
      merged_into::text FROM ${sql.id(ctx.store.schema, 'client_directory')}
    WHERE merged_into IS NOT NULL
      AND (client_id = ANY(${clientIds}::uuid[]) OR merged_into = ANY(${clientIds}::uuid[]))
    ORDER BY client_id`.execute(ex);
  for (const r of rows) {
    merges.survivorOf.set(r.client_id, r.merged_into);
    merges.mergedInto.set(r.merged_into, [...(merges.mergedInto.get(r.merged_into) ?? []), r.client_id]);
  }
  return merges;
}
