import {
  AsOfQuery,
  ChangeCapacityBody,
  CloseSiteBody,
  commandProblems,
  daysBetween,
  LedgerQuery,
  OccupancyLedger,
  OpenSiteBody,
  Problem,
  ResumeSiteBody,
  SitePage,
  SiteParams,
  SiteRecord,
  SitesQuery,
  SuspendSiteBody,
  sofiaDate,
} from '@casework/contracts';
import {
  assertMayAsk,
  badRequest,
  causeOf,
  decodeCursor,
  ifMatch,
  inJurisdiction,
  jurisdictionOf,
  pageOf,
  principalOf,
  type ServiceContext,
} from '@casework/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { type RawBuilder, sql } from 'kysely';
import type { z } from 'zod';
import { runSiteCommand } from '../application/sites.js';
import { capacityOn, occupancyOn, reservedOn, type Site, type SiteCommand } from '../domain/site.js';
import { knownBy } from '../projections/knownAt.js';
import { visibleSite } from './visible.js';

const READERS = ['case_manager', 'supervisor', 'integrator', 'directorate_analyst'] as const;
const MANAGERS = ['supervisor'] as const;

type SiteView = z.infer<typeof SiteRecord>;

const statusOn = (site: Site, on: string): SiteView['status'] => {
  if (site.closedOn !== undefined && site.closedOn <= on) return 'closed';
  const suspended = site.suspensions.some((s) => s.from <= on && (s.to === null || on < s.to));
  return suspended ? 'suspended' : 'open';
};

/** The site as its stream has it now, with its figures on a date. */
export function siteRecord(site: Site, version: number, on: string): SiteView {
  const { siteId, openedOn, places: _, ...particulars } = site.opened!;
  const places = capacityOn(site, on);
  const occupied = occupancyOn(site, on);
  const reserved = reservedOn(site, on);
  const suspension = site.suspensions.find((s) => s.to === null);
  return {
    siteId,
    ...particulars,
    status: statusOn(site, on),
    openedOn,
    ...(suspension ? { suspendedFrom: suspension.from } : {}),
    ...(site.closedOn ? { closedOn: site.closedOn } : {}),
    capacity: site.capacity,
    on,
    places,
    occupied,
    reserved,
    vacancies: Math.max(0, places - occupied - reserved),
    version,
  };
}

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

export const siteRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const today = () => sofiaDate(ctx.clock());
  const jurisdiction = (request: FastifyRequest) => jurisdictionOf(principalOf(request));

  const command = async (
    request: FastifyRequest<{ Params: z.infer<typeof SiteParams> }>,
    reply: FastifyReply,
    build: SiteCommand,
  ) => {
    await visibleSite(ctx, request, request.params.siteId);
    const r = await runSiteCommand(ctx, request.params.siteId, build, causeOf(request), ifMatch(request));
    reply.header('etag', `"${r.version}"`);
    return siteRecord(r.state, r.version, today());
  };

  app.post(
    '/v1/sites',
    {
      config: { roles: MANAGERS },
      schema: {
        tags: ['placement'],
        summary: 'Open a site of a catalogue service type in a municipality, with its first capacity',
        body: OpenSiteBody,
        response: { 201: SiteRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      assertMayAsk(jurisdiction(request), { municipality: request.body.municipality });
      const siteId = ctx.newId();
      const r = await runSiteCommand(
        ctx,
        siteId,
        { type: 'Open', siteId, ...request.body },
        causeOf(request),
      );
      reply.status(201).header('etag', `"${r.version}"`).header('location', `/v1/sites/${siteId}`);
      return siteRecord(r.state, r.version, today());
    },
  );

  app.get(
    '/v1/sites',
    {
      config: { roles: READERS },
      schema: {
        tags: ['placement'],
        summary: 'Sites with their capacity, occupancy and vacancies on a date (as known at a time)',
        querystring: SitesQuery,
        response: { 200: SitePage, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (request) => {
      const q = request.query;
      const j = jurisdiction(request);
      if (q.municipality) assertMayAsk(j, { municipality: q.municipality });
      const on = q.asOf ?? today();
      const knownAt = q.knownAt ?? ctx.clock().toISOString();
      const after = decodeCursor(q.cursor, 2);
      const status = sql`CASE WHEN s.closed_on <= ${on}::date THEN 'closed'
        WHEN EXISTS (SELECT 1 FROM ${sql.id(ctx.store.schema, 'site_suspensions')} x WHERE x.site_id = s.site_id
          AND x.valid_from <= ${on}::date AND (x.valid_to IS NULL OR x.valid_to > ${on}::date)) THEN 'suspended'
        ELSE 'open' END`;
      const where = [
        inJurisdiction(j, sql.ref('s.municipality')),
        sql`s.recorded_at <= ${knownAt}::timestamptz`,
        q.municipality ? sql`s.municipality = ${q.municipality}` : undefined,
        q.serviceType ? sql`s.service_type = ${q.serviceType}` : undefined,
        q.status ? sql`${status} = ${q.status}` : undefined,
        q.vacant === undefined
          ? undefined
          : q.vacant
            ? sql`coalesce(cap.places, 0) > occ.n`
            : sql`coalesce(cap.places, 0) <= occ.n`,
        after ? sql`(s.municipality, s.site_id) > (${after[0]}, ${after[1]}::uuid)` : undefined,
      ].filter((w) => w !== undefined);
      const { rows } = await sql<{
        site_id: string;
        name: string;
        service_type: string;
        municipality: string;
        address: string;
        provider: string;
        funding: string;
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
        ORDER BY s.municipality, s.site_id LIMIT ${q.limit + 1}`.execute(ctx.store.db);
      const page = pageOf(rows, q.limit, (r) => [r.municipality, r.site_id]);
      return {
        items: page.items.map((r) => ({
          siteId: r.site_id,
          name: r.name,
          serviceType: r.service_type as never,
          municipality: r.municipality,
          address: r.address,
          provider: r.provider,
          funding: r.funding as never,
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
    },
  );

  app.get(
    '/v1/sites/:siteId',
    {
      config: { roles: READERS },
      schema: {
        tags: ['placement'],
        summary: 'A site: particulars, capacity changes, and its figures on a date',
        params: SiteParams,
        querystring: AsOfQuery,
        response: { 200: SiteRecord, 400: Problem, 401: Problem, 404: Problem },
      },
    },
    async (request, reply) => {
      const { state, version } = await visibleSite(ctx, request, request.params.siteId);
      const record = siteRecord(state, version, request.query.asOf ?? today());
      reply.header('etag', `"${version}"`);
      if (!request.query.knownAt) return record;
      // what we knew then: the ledger's rows as recorded by that time
      const [day] = await ledger(ctx, request.params.siteId, record.on, record.on, request.query.knownAt);
      return { ...record, ...day, on: record.on };
    },
  );

  app.get(
    '/v1/sites/:siteId/occupancy',
    {
      config: { roles: READERS },
      schema: {
        tags: ['placement'],
        summary: "The site's capacity ledger: places, occupancy and vacancies per day over a period",
        params: SiteParams,
        querystring: LedgerQuery,
        response: { 200: OccupancyLedger, 400: Problem, 401: Problem, 404: Problem },
      },
    },
    async (request) => {
      const { from, to, knownAt } = request.query;
      if (to < from) throw badRequest('query.to', 'must not be before from');
      if (daysBetween(from, to) > 366) throw badRequest('query.to', 'at most 366 days after from');
      await visibleSite(ctx, request, request.params.siteId);
      const days = await ledger(ctx, request.params.siteId, from, to, knownAt ?? ctx.clock().toISOString());
      return { siteId: request.params.siteId, days };
    },
  );

  for (const [path, summary, body, build] of [
    [
      'capacity',
      'Change the capacity from a date forward (refused, with the numbers, below the occupancy)',
      ChangeCapacityBody,
      (b: z.infer<typeof ChangeCapacityBody>): SiteCommand => ({ type: 'ChangeCapacity', ...b }),
    ],
    [
      'suspend',
      'Suspend admissions from a date (those placed stay)',
      SuspendSiteBody,
      (b: z.infer<typeof SuspendSiteBody>): SiteCommand => ({ type: 'Suspend', ...b }),
    ],
    [
      'resume',
      'Resume admissions from a date',
      ResumeSiteBody,
      (b: z.infer<typeof ResumeSiteBody>): SiteCommand => ({ type: 'Resume', ...b }),
    ],
    [
      'close',
      'Close the site on a date (nobody may be placed there then)',
      CloseSiteBody,
      (b: z.infer<typeof CloseSiteBody>): SiteCommand => ({ type: 'Close', ...b }),
    ],
  ] as const)
    app.post(
      `/v1/sites/:siteId/${path}`,
      {
        config: { roles: MANAGERS },
        schema: {
          tags: ['placement'],
          summary,
          params: SiteParams,
          body,
          response: { 200: SiteRecord, ...commandProblems },
        },
      },
      (request, reply) => command(request, reply, (build as (b: unknown) => SiteCommand)(request.body)),
    );
};

/** Places, occupancy and vacancies per day, from the ledger tables as recorded by `knownAt`. */
export async function ledger(ctx: ServiceContext, siteId: string, from: string, to: string, knownAt: string) {
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
