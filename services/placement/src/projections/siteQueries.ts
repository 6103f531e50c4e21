import type { SitePage, SiteRecord, SitesQuery } from '@casework/contracts';
import { inJurisdiction, type Jurisdiction, pageOf, type ServiceContext } from '@casework/service-kit';
import { type RawBuilder, sql } from 'kysely';
import type { z } from 'zod';
import { knownBy } from './knownAt.js';

type SiteView = z.infer<typeof SiteRecord>;

/**
 * Joins a site's places (`cap.places`), occupancy (`occ.n`) and the stays among them past the end of
 * their fixed term, their review overdue (`occ.overdue`), on a date, as recorded by a time. A stay
 * holds its place from its first day until the day it ended.
 */
export const figuresOn = (
  schema: string,
  site: RawBuilder<unknown>,
  day: RawBuilder<unknown>,
  knownAt: string,
) =>
  sql`LEFT JOIN LATERAL (SELECT c.places FROM ${sql.id(schema, 'site_capacity')} c
      WHERE c.site_id = ${site} AND c.valid_from <= ${day} AND ${knownBy('c', knownAt)}
      ORDER BY c.valid_from DESC LIMIT 1) cap ON true
    CROSS JOIN LATERAL (SELECT count(*)::int AS n, (count(*) FILTER (WHERE st.term_end < ${day}))::int AS overdue
      FROM ${sql.id(schema, 'stays')} st
      WHERE st.site_id = ${site} AND st.valid_from <= ${day}
        AND (st.valid_to IS NULL OR st.valid_to > ${day}) AND ${knownBy('st', knownAt)}) occ`;

/** Which sites a list asks for, within the caller's jurisdiction, with their figures on `on`. */
export type SiteFilter = Pick<
  z.infer<typeof SitesQuery>,
  'municipality' | 'serviceType' | 'status' | 'vacant'
> & {
  jurisdiction: Jurisdiction;
  on: string;
  knownAt: string;
  after?: readonly (string | number)[] | undefined;
  limit: number;
};

/** A page of sites, by municipality, with their places, occupancy and vacancies on a date. */
export async function listSites(ctx: ServiceContext, f: SiteFilter): Promise<z.infer<typeof SitePage>> {
  const { on, knownAt } = f;
  const status = sql`CASE WHEN s.closed_on <= ${on}::date THEN 'closed'
    WHEN EXISTS (SELECT 1 FROM ${sql.id(ctx.store.schema, 'site_suspensions')} x WHERE x.site_id = s.site_id
      AND x.valid_from <= ${on}::date AND (x.valid_to IS NULL OR x.valid_to > ${on}::date)) THEN 'suspended'
    ELSE 'open' END`;
  const where = [
    inJurisdiction(f.jurisdiction, sql.ref('s.municipality')),
    sql`s.recorded_at <= ${knownAt}::timestamptz`,
    f.municipality ? sql`s.municipality = ${f.municipality}` : undefined,
    f.serviceType ? sql`s.service_type = ${f.serviceType}` : undefined,
    f.status ? sql`${status} = ${f.status}` : undefined,
    f.vacant === undefined
      ? undefined
      : f.vacant
        ? sql`coalesce(cap.places, 0) > occ.n`
        : sql`coalesce(cap.places, 0) <= occ.n`,
    f.after ? sql`(s.municipality, s.site_id) > (${f.after[0]}, ${f.after[1]}::uuid)` : undefined,
  ].filter((w) => w !== undefined);
  const { rows } = await sql<{
    site_id: string;
    name: string;
    service_type: SiteView['serviceType'];
    municipality: string;
    address: string;
    provider: string;
    funding: SiteView['funding'];
    opened_on: string;
    closed_on: string | null;
    status: SiteView['status'];
    places: number | null;
    occupied: number;
  }>`SELECT s.site_id::text, s.name, s.service_type, s.municipality, s.address, s.provider, s.funding,
      s.opened_on::text, s.closed_on::text, ${status} AS status, cap.places, occ.n AS occupied
    FROM ${sql.id(ctx.store.schema, 'sites')} s
    ${figuresOn(ctx.store.schema, sql`s.site_id`, sql`${on}::date`, knownAt)}
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY s.municipality, s.site_id LIMIT ${f.limit + 1}`.execute(ctx.store.db);
  const page = pageOf(rows, f.limit, (r) => [r.municipality, r.site_id]);
  return {
    items: page.items.map((r) => ({
      siteId: r.site_id,
      name: r.name,
      serviceType: r.service_type,
      municipality: r.municipality,
      address: r.address,
      provider: r.provider,
      funding: r.funding,
      status: r.status,
      openedOn: r.opened_on,
      ...(r.closed_on ? { closedOn: r.closed_on } : {}),
      on,
      places: r.places ?? 0,
      occupied: r.occupied,
      vacancies: Math.max(0, (r.places ?? 0) - r.occupied),
    })),
    ...(page.next ? { next: page.next } : {}),
  };
}

/** Places, occupancy and vacancies per day of a site, from the bitemporal tables (stays, capacity) as recorded by `knownAt`. */
export async function occupancyByDay(
  ctx: ServiceContext,
  siteId: string,
  from: string,
  to: string,
  knownAt: string,
) {
  const { rows } = await sql<{ date: string; places: number | null; occupied: number }>`
    SELECT d::date::text AS date, cap.places, occ.n AS occupied
    FROM generate_series(${from}::date, ${to}::date, interval '1 day') d
    ${figuresOn(ctx.store.schema, sql`${siteId}::uuid`, sql`d::date`, knownAt)}
    ORDER BY d`.execute(ctx.store.db);
  return rows.map((r) => ({
    date: r.date,
    places: r.places ?? 0,
    occupied: r.occupied,
    vacancies: Math.max(0, (r.places ?? 0) - r.occupied),
  }));
}
