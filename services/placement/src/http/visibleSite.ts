import { covers, jurisdictionOf, notFound, principalOf, type ServiceContext } from '@casework/service-kit';
import type { FastifyRequest } from 'fastify';
import { loadSite } from '../application/sites.js';

/** The site as its stream has it, if the caller's jurisdiction covers its municipality (else 404). */
export async function visibleSite(ctx: ServiceContext, request: FastifyRequest, siteId: string) {
  const loaded = await loadSite(ctx, siteId);
  const o = loaded.state.opened;
  if (!o || !covers(jurisdictionOf(principalOf(request)), o.municipality)) throw notFound('the site');
  return { ...loaded, opened: o };
}
