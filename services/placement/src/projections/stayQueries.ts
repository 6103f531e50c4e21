import type { PlacementPage, PlacementRecord } from '@casework/contracts';
import { inJurisdiction, type Jurisdiction, pageOf, type ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import type { z } from 'zod';
import { recordedBy } from './knownAt.js';

type PlacementView = z.infer<typeof PlacementRecord>;

/** A placement's status on a day: not begun yet, in service, or ended. */
export const statusOn = (s: { from: string; to: string | null }, today: string): PlacementView['status'] =>
  s.from > today ? 'planned' : s.to !== null && s.to <= today ? 'ended' : 'active';

/** Which placements a list asks for, within the caller's jurisdiction. */
export type PlacementFilter = {
  jurisdiction: Jurisdiction;
  clientId?: string | undefined;
  siteId?: string | undefined;
  /** In service on this date. */
  activeOn?: string | undefined;
  /** Each stay's record as it stood at this time (its current one when absent). */
  knownAt?: string | undefined;
  after?: readonly (string | number)[] | undefined;
  limit: number;
};

/**
 * A page of placements from the stays read model, by first day, with each one's status on `today`.
 * The scope is the municipality that holds the stay (a client who moved away keeps theirs there).
 */
export async function listPlacements(
  ctx: ServiceContext,
  f: PlacementFilter,
  today: string,
): Promise<z.infer<typeof PlacementPage>> {
  const where = [
    recordedBy('stays', f.knownAt),
    inJurisdiction(f.jurisdiction, sql.ref('municipality')),
    f.clientId ? sql`client_id = ${f.clientId}::uuid` : undefined,
    f.siteId ? sql`site_id = ${f.siteId}::uuid` : undefined,
    f.activeOn
      ? sql`valid_from <= ${f.activeOn}::date AND (valid_to IS NULL OR valid_to > ${f.activeOn}::date)`
      : undefined,
    f.after ? sql`(valid_from, placement_id) > (${f.after[0]}::date, ${f.after[1]}::uuid)` : undefined,
  ].filter((w) => w !== undefined);
  const { rows } = await sql<{
    placement_id: string;
    client_id: string;
    site_id: string;
    service_type: PlacementView['serviceType'];
    kind: PlacementView['kind'];
    municipality: string;
    valid_from: string;
    term_end: string | null;
    renewals: number;
    respite: boolean;
    weekdays: PlacementView['weekdays'] | null;
    basis: PlacementView['basis'];
    ended_on: string | null;
    end_reason: PlacementView['endReason'] | null;
    destination: PlacementView['destination'] | null;
    transferred_from: string | null;
    transferred_to: string | null;
  }>`SELECT placement_id::text, client_id::text, site_id::text, service_type, kind, municipality,
      valid_from::text, term_end::text, renewals, respite, weekdays, basis, valid_to::text AS ended_on, end_reason,
      destination, transferred_from::text, transferred_to::text
    FROM ${sql.id(ctx.store.schema, 'stays')} AS stays WHERE ${sql.join(where, sql` AND `)}
    ORDER BY stays.valid_from, stays.placement_id LIMIT ${f.limit + 1}`.execute(ctx.store.db);
  const page = pageOf(rows, f.limit, (r) => [r.valid_from, r.placement_id]);
  return {
    items: page.items.map((r) => ({
      placementId: r.placement_id,
      clientId: r.client_id,
      siteId: r.site_id,
      serviceType: r.service_type,
      kind: r.kind,
      municipality: r.municipality,
      from: r.valid_from,
      ...(r.term_end ? { termEnd: r.term_end } : {}),
      ...(r.renewals > 0 ? { renewals: r.renewals } : {}),
      ...(r.respite ? { respite: true as const } : {}),
      ...(r.weekdays ? { weekdays: r.weekdays } : {}),
      basis: r.basis,
      status: statusOn({ from: r.valid_from, to: r.ended_on }, today),
      ...(r.ended_on ? { endedOn: r.ended_on } : {}),
      ...(r.end_reason ? { endReason: r.end_reason } : {}),
      ...(r.destination ? { destination: r.destination } : {}),
      ...(r.transferred_from ? { transferredFrom: r.transferred_from } : {}),
      ...(r.transferred_to ? { transferredTo: r.transferred_to } : {}),
    })),
    ...(page.next ? { next: page.next } : {}),
  };
}
