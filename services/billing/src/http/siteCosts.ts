import {
  breaksRule,
  commandProblems,
  EURO_ADOPTED_ON,
  Problem,
  SiteCostBody,
  SiteCostParams,
  SiteCostRecord,
  SiteCostsParams,
} from '@casework/contracts';
import { serviceType } from '@casework/reference-data';
import {
  badRequest,
  causeOf,
  covers,
  execute,
  ifMatch,
  jurisdictionOf,
  loadAggregate,
  notFound,
  principalOf,
  type ServiceContext,
} from '@casework/service-kit';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { definitions, siteCostStream } from '../application/events.js';
import { type SiteCosts, siteCostDecider } from '../domain/siteCost.js';
import { siteOf } from '../projections/siteQueries.js';

/** The first month in euro. */
const EURO_FROM = EURO_ADOPTED_ON.slice(0, 7);

/**
 * A site's actual monthly cost of a place, set by its municipality's billing officers: the cap on every
 * fee there from that month on. A site another municipality runs reads as absent.
 */
export const siteCostRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  /** The site, if the caller's jurisdiction covers the municipality that runs it; else a 404. */
  const visibleSite = async (request: FastifyRequest, siteId: string) => {
    const site = await siteOf(ctx, siteId);
    if (!site || !covers(jurisdictionOf(principalOf(request)), site.municipality)) throw notFound('the site');
    return site;
  };
  const record = (
    siteId: string,
    site: NonNullable<Awaited<ReturnType<typeof siteOf>>>,
    r: { state: SiteCosts; version: number },
  ) => ({
    siteId,
    municipality: site.municipality,
    serviceType: site.serviceType,
    settings: Object.entries(r.state.from)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([from, c]) => ({ from, ...c })),
    version: r.version,
  });

  app.get(
    '/v1/billing/sites/:siteId/costs',
    {
      config: { roles: ['billing_officer'] },
      schema: {
        tags: ['billing'],
        summary: "A site's actual monthly cost of a place, each setting from the month it was set for",
        params: SiteCostsParams,
        response: { 200: SiteCostRecord, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (request, reply) => {
      const { siteId } = request.params;
      const site = await visibleSite(request, siteId);
      const r = await loadAggregate(ctx, siteCostStream(siteId), siteCostDecider);
      reply.header('etag', `"${r.version}"`);
      return record(siteId, site, r);
    },
  );

  app.put(
    '/v1/billing/sites/:siteId/costs/:month',
    {
      config: { roles: ['billing_officer'] },
      schema: {
        tags: ['billing'],
        summary:
          "Set a site's actual monthly cost of a place from a month on (and a dwelling's floor area, a mixed site's state share)",
        params: SiteCostParams,
        body: SiteCostBody,
        response: { 200: SiteCostRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      const { siteId, month } = request.params;
      const site = await visibleSite(request, siteId);
      const funding = site.funding ?? serviceType(site.serviceType).defaultFunding;
      if (request.body.stateShareBasisPoints !== undefined && funding !== 'mixed')
        throw breaksRule(
          'STATE_SHARE_NOT_MIXED',
          "only a site of mixed funding sets the state's part of its fees",
          {
            funding,
          },
        );
      // leva are for what was set before the euro; a cost from 2026 on is set in euro
      if (request.body.monthlyCost.currency === 'BGN' && month >= EURO_FROM)
        throw badRequest('body.monthlyCost.currency', `a cost from ${EURO_FROM} on is in EUR`);
      const r = await execute(ctx, {
        streamId: siteCostStream(siteId),
        streamType: 'site-costs',
        decider: siteCostDecider,
        definitions,
        command: {
          type: 'SetCost',
          siteId,
          municipality: site.municipality,
          serviceType: site.serviceType,
          from: month,
          ...request.body,
        },
        cause: causeOf(request, site.municipality),
        ...(ifMatch(request) !== undefined ? { expectedVersion: ifMatch(request)! } : {}),
      });
      reply.header('etag', `"${r.version}"`);
      return record(siteId, site, r);
    },
  );
};
