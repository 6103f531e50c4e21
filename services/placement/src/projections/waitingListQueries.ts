import type { CrisisKind, LocalDate, ServiceTypeCode } from '@casework/contracts';
import type { Executor } from '@casework/eventstore';
import { placementParameters } from '@casework/reference-data';
import type { ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import type { z } from 'zod';
import { rank, type Waiting } from '../domain/ranking.js';
import { asKnown } from './knownAt.js';

type WaitingRow = {
  entry_id: string;
  client_id: string;
  service_type: ServiceTypeCode;
  municipality: string;
  listed_on: string;
  priority_class: 'crisis' | 'standard';
  crisis: z.infer<typeof CrisisKind> | null;
  sheet: Waiting['sheet'] | null;
  moved_to_end_on: string | null;
  offer_id: string | null;
  offer_site_id: string | null;
  offer_status: 'open' | 'accepted' | null;
  offer_expires_after: string | null;
  admit_by: string | null;
};

/**
 * A municipality's waiting list for a service type in order, as of a date; with a site, only those
 * who prefer it or have no preference.
 */
export async function rankedList(
  ctx: ServiceContext,
  ex: Executor,
  list: { municipality: string; serviceType: string; siteId?: string | undefined },
  asOf: LocalDate,
  knownAt?: string,
) {
  const { rows } = await sql<WaitingRow>`SELECT entry_id::text, client_id::text, service_type, municipality,
      listed_on::text, priority_class, crisis, sheet, moved_to_end_on::text, offer_id::text, offer_site_id::text,
      offer_status, offer_expires_after::text, admit_by::text
    FROM ${asKnown(ctx.store.schema, 'waiting_list', knownAt)} AS w
    WHERE municipality = ${list.municipality} AND service_type = ${list.serviceType}
      AND listed_on <= ${asOf}::date AND (removed_on IS NULL OR removed_on > ${asOf}::date)
      ${list.siteId ? sql`AND (preferred_site_id IS NULL OR preferred_site_id = ${list.siteId}::uuid)` : sql``}`.execute(
    ex,
  );
  const weights = placementParameters(list.municipality, asOf).socialHousingPoints;
  return rank(
    rows.map((r) => ({
      ...r,
      entryId: r.entry_id,
      serviceType: r.service_type,
      listedOn: r.listed_on,
      priorityClass: r.priority_class,
      crisis: r.crisis ?? undefined,
      sheet: r.sheet ?? undefined,
      movedToEndOn: r.moved_to_end_on ?? undefined,
    })),
    asOf,
    weights,
  );
}
