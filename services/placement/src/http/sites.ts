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
  jurisdictionOf,
  principalOf,
  type ServiceContext,
} from '@casework/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { runSiteCommand } from '../application/sites.js';
import { capacityOn, occupancyOn, reservedOn, type Site, type SiteCommand } from '../domain/site.js';
import { listSites, occupancyByDay } from '../projections/siteQueries.js';
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
      return listSites(ctx, { ...q, jurisdiction: j, on, knownAt, after: decodeCursor(q.cursor, 2) });
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
      // what we knew then: the rows as recorded by that time
      const [day] = await occupancyByDay(
        ctx,
        request.params.siteId,
        record.on,
        record.on,
        request.query.knownAt,
      );
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
      const days = await occupancyByDay(
        ctx,
        request.params.siteId,
        from,
        to,
        knownAt ?? ctx.clock().toISOString(),
      );
      return { siteId: request.params.siteId, days };
    },
  );

  /** A route that runs one command on the site the path names. */
  const commandRoute = <B extends z.ZodType>(summary: string, body: B) => ({
    config: { roles: MANAGERS },
    schema: {
      tags: ['placement'],
      summary,
      params: SiteParams,
      body,
      response: { 200: SiteRecord, ...commandProblems },
    },
  });
  app.post(
    '/v1/sites/:siteId/capacity',
    commandRoute(
      'Change the capacity from a date forward (refused, with the numbers, below the occupancy)',
      ChangeCapacityBody,
    ),
    (request, reply) => command(request, reply, { type: 'ChangeCapacity', ...request.body }),
  );
  app.post(
    '/v1/sites/:siteId/suspend',
    commandRoute('Suspend admissions from a date (those placed stay)', SuspendSiteBody),
    (request, reply) => command(request, reply, { type: 'Suspend', ...request.body }),
  );
  app.post(
    '/v1/sites/:siteId/resume',
    commandRoute('Resume admissions from a date', ResumeSiteBody),
    (request, reply) => command(request, reply, { type: 'Resume', ...request.body }),
  );
  app.post(
    '/v1/sites/:siteId/close',
    commandRoute('Close the site on a date (nobody may be placed there then)', CloseSiteBody),
    (request, reply) => command(request, reply, { type: 'Close', ...request.body }),
  );
};
