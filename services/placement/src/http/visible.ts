import { visibleDirectoryEntry } from '@casework/client-directory';
import { DomainError, type MunicipalityCode } from '@casework/contracts';
import {
  covers,
  jurisdictionOf,
  loadAggregate,
  notFound,
  principalOf,
  type ServiceContext,
} from '@casework/service-kit';
import type { FastifyRequest } from 'fastify';
import { loadEntry } from '../application/entries.js';
import { clientOfPlacement, entryOfOffer } from '../application/lookups.js';
import { keptSite, type LoadedSite } from '../application/siteState.js';
import { loadSite } from '../application/sites.js';
import { loadPlacements } from '../application/stays.js';
import { taskStream } from '../application/streams.js';
import { taskDecider } from '../domain/task.js';

/**
 * The lookups of every kind of id a request may name (in its path, query or body), each within the
 * caller's jurisdiction: a record outside it throws exactly the 404 of a record that does not exist
 * (same code, same detail), so no later rule, conflict or detail can tell a caller anything about it.
 * Routes look up each id they are given through these before any rule runs (DESIGN §6).
 */
export function visible(ctx: ServiceContext, request: FastifyRequest) {
  const j = jurisdictionOf(principalOf(request));
  const sees = (municipality: string) => covers(j, municipality as MunicipalityCode);
  /** What opened a site, if the site is open in the caller's jurisdiction (else 404). */
  const openedInScope = (site: LoadedSite) => {
    const opened = site.state.opened;
    if (!opened || !sees(opened.municipality)) throw notFound('the site');
    return opened;
  };
  return {
    sees,
    /** A site, if its municipality is the caller's. */
    async site(siteId: string) {
      const loaded = await loadSite(ctx, siteId);
      return { ...loaded, opened: openedInScope(loaded) };
    },
    /**
     * What opened a site, if its municipality is the caller's: for a check alone. What opened a site
     * never changes, so a state kept from a committed transaction answers without a read.
     */
    async checkSite(siteId: string) {
      const kept = keptSite(ctx, siteId);
      return openedInScope(kept?.state.opened ? kept : await loadSite(ctx, siteId));
    },
    /** A client, as the directory kept from intake's events has them, if their municipality is the caller's. */
    client: (clientId: string) => visibleDirectoryEntry(ctx, j, clientId),
    /** A waiting-list entry, if its list is the caller's municipality's. */
    async entry(entryId: string) {
      const loaded = await loadEntry(ctx, entryId);
      const listed = loaded.state.listed;
      if (!listed || !sees(listed.municipality)) throw notFound('the waiting-list entry');
      return { ...loaded, listed };
    },
    /** An offer, with its entry, if the entry's list is the caller's municipality's. */
    async offer(offerId: string) {
      const entryId = await entryOfOffer(ctx, ctx.store.db, offerId);
      const loaded = await loadEntry(ctx, entryId);
      const listed = loaded.state.listed;
      if (!listed || !sees(listed.municipality) || !loaded.state.offers.has(offerId))
        throw notFound('the offer');
      return { ...loaded, listed };
    },
    /** A placement, with its client's stream, if the stay is in the caller's municipality. */
    async placement(placementId: string) {
      const clientId = await clientOfPlacement(ctx, placementId);
      const loaded = await loadPlacements(ctx, clientId);
      const stay = loaded.state.stays.get(placementId);
      if (!stay || !sees(stay.municipality)) throw notFound('the placement');
      return { ...loaded, clientId, stay };
    },
    /** A task, if it was opened in the caller's municipality. */
    async task(taskId: string) {
      const loaded = await loadAggregate(ctx, taskStream(taskId), taskDecider);
      const opened = loaded.state.opened;
      if (!opened || !sees(opened.municipality)) throw notFound('the task');
      return { ...loaded, opened };
    },
  };
}

export type Visible = ReturnType<typeof visible>;

/** The site as its stream has it, if the caller's jurisdiction covers its municipality (else 404). */
export const visibleSite = (ctx: ServiceContext, request: FastifyRequest, siteId: string) =>
  visible(ctx, request).site(siteId);

/**
 * Runs a command whose refusal may name another stay of the client (a clash with a stay the client
 * holds elsewhere, say from before a move): a stay outside the caller's jurisdiction is not named, and
 * nothing of it (id, dates) is told; the refusal says only that there is one in another municipality.
 */
export async function namingOnlyVisibleStays<T>(scope: Visible, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const named = e instanceof DomainError ? e.extra.placementId : undefined;
    if (typeof named !== 'string') throw e;
    const seen = await scope.placement(named).then(
      () => true,
      () => false,
    );
    if (seen) throw e;
    const { kind, code } = e as DomainError;
    throw new DomainError(
      kind,
      code,
      'the client already has a placement of this kind in another municipality',
    );
  }
}
