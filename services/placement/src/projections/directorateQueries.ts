import type { DischargeReason, ServiceTypeCode } from '@casework/contracts';
import type { ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import type { z } from 'zod';
import { asKnown, recordedBy } from './knownAt.js';
import { figuresOn } from './siteQueries.js';

type ServiceType = z.infer<typeof ServiceTypeCode>;
/** A municipality's service type in an oblast, the key the directorate's figures are grouped by. */
export type Group = { municipality: string; service_type: ServiceType };

/**
 * An oblast's open sites on a date, as recorded by a time, by municipality and service type: how many,
 * their places and occupancy, and the stays past their fixed term (reviews overdue).
 */
export async function capacityByGroup(ctx: ServiceContext, oblast: string, on: string, knownAt: string) {
  const { rows } = await sql<
    Group & { sites: number; places: number; occupied: number; overdue: number }
  >`SELECT s.municipality, s.service_type, count(*)::int AS sites, sum(coalesce(cap.places, 0))::int AS places,
      sum(occ.n)::int AS occupied, sum(occ.overdue)::int AS overdue
    FROM ${sql.id(ctx.store.schema, 'sites')} s
    ${figuresOn(ctx.store.schema, sql`s.site_id`, sql`${on}::date`, knownAt)}
    WHERE s.oblast = ${oblast} AND s.opened_on <= ${on}::date AND (s.closed_on IS NULL OR s.closed_on > ${on}::date)
      AND s.recorded_at <= ${knownAt}::timestamptz
    GROUP BY s.municipality, s.service_type`.execute(ctx.store.db);
  return rows;
}

/** An oblast's waiting lists on a date (as known at a time), by group: their length and median wait. */
export async function waitingByGroup(
  ctx: ServiceContext,
  oblast: string,
  on: string,
  knownAt: string | undefined,
) {
  const { rows } = await sql<Group & { waiting: number; median: number | null }>`
    SELECT municipality, service_type, count(*)::int AS waiting,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY ${on}::date - listed_on) AS median
    FROM ${asKnown(ctx.store.schema, 'waiting_list', knownAt)} AS w
    WHERE oblast = ${oblast} AND listed_on <= ${on}::date AND (removed_on IS NULL OR removed_on > ${on}::date)
    GROUP BY municipality, service_type`.execute(ctx.store.db);
  return rows;
}

/** One admission, transfer or discharge, with the client's id (pseudonymised before it is shown). */
export type Movement = {
  client_id: string;
  on_date: string;
  kind: 'admission' | 'transfer' | 'discharge';
  municipality: string;
  from_type: ServiceType | null;
  to_type: ServiceType | null;
  reason: z.infer<typeof DischargeReason> | null;
  destination: string | null;
};

/**
 * The movements in these municipalities over a period, from the stays' rows as known then (default: the
 * current ones): a stay begins with an admission or a transfer and ends with a discharge (a transfer's
 * end is the next stay's beginning, not a discharge).
 */
export async function movementsIn(
  ctx: ServiceContext,
  municipalities: readonly string[],
  from: string,
  to: string,
  knownAt: string | undefined,
): Promise<Movement[]> {
  const stays = sql.id(ctx.store.schema, 'stays');
  const { rows } = await sql<Movement>`WITH current AS (SELECT * FROM ${stays} k
      WHERE ${recordedBy('k', knownAt)} AND municipality = ANY(${municipalities}::text[]))
    SELECT client_id::text, valid_from::text AS on_date,
        CASE WHEN basis = 'transfer' THEN 'transfer' ELSE 'admission' END AS kind, municipality,
        (SELECT p.service_type FROM ${stays} p WHERE p.placement_id = c.transferred_from
          AND ${recordedBy('p', knownAt)}) AS from_type,
        service_type AS to_type, NULL AS reason, NULL AS destination, placement_id
      FROM current c WHERE valid_from BETWEEN ${from}::date AND ${to}::date
    UNION ALL
    SELECT client_id::text, valid_to::text, 'discharge', municipality, service_type,
        CASE WHEN destination->>'kind' = 'service_type' THEN destination->>'serviceType' END, end_reason,
        destination->>'kind', placement_id
      FROM current WHERE valid_to BETWEEN ${from}::date AND ${to}::date
        AND end_reason <> 'moved_to_other_service'
    ORDER BY 2, 9, 3`.execute(ctx.store.db);
  return rows;
}
