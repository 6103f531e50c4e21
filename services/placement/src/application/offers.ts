import { addDays, conflictWith, type LocalDate, latest, missing, sofiaDate } from '@casework/contracts';
import type { Executor } from '@casework/eventstore';
import { addWorkingDays, placementParameters } from '@casework/reference-data';
import type { Cause, ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import { type Entry, type EntryCommand, entryDecider } from '../domain/entry.js';
import { rankedList } from '../projections/waitingListQueries.js';
import { decideIn } from './decideIn.js';
import { entryRef, loadEntry, releaseReservation } from './entries.js';
import { withSiteLocks } from './locks.js';
import { entryOfOffer } from './lookups.js';
import { decideSite, type LoadedSite, loadSites } from './siteState.js';

// Offers of a vacant place to the first in line: made, answered, and lapsed when unanswered.

/**
 * The first in line for a site among those holding no offer, as their own streams say (the list may
 * not show an offer made a moment ago).
 */
async function nextInLine(
  ctx: ServiceContext,
  ex: Executor,
  site: { siteId: string; serviceType: string; municipality: string },
  on: LocalDate,
) {
  for (const candidate of await rankedList(ctx, ex, site, on)) {
    if (candidate.offer_id !== null) continue;
    const { state } = await loadEntry(ctx, candidate.entryId, ex);
    if (state.status === 'waiting' && !state.offer) return candidate.entryId;
  }
  return undefined;
}

export type OfferInput = {
  siteId: string;
  entryId?: string | undefined;
  from: LocalDate;
  justification?: { text: string; supervisor: string } | undefined;
};

/**
 * Offers a vacancy at a site to the next in line (or, with a supervisor's written justification, to
 * someone else): the place is held for them in the site's places until they answer.
 */
export async function makeOffer(ctx: ServiceContext, input: OfferInput, cause: Cause) {
  const offerId = ctx.newId();
  const madeOn = sofiaDate(ctx.clock());
  return withSiteLocks(ctx, [input.siteId], async (tx) => {
    const [{ state: site }] = (await loadSites(ctx, tx, [input.siteId])) as [LoadedSite];
    const o = site.opened;
    if (!o) throw missing('the site');
    const next = await nextInLine(ctx, tx, o, madeOn);
    const entryId = input.entryId ?? next;
    if (!entryId) throw conflictWith('NOBODY_WAITING', 'nobody is waiting for a place at this site');
    const { state: entry } = await loadEntry(ctx, entryId, tx);
    if (!entry.listed) throw missing('the waiting-list entry');
    if (entry.listed.serviceType !== o.serviceType || entry.listed.municipality !== o.municipality)
      throw conflictWith('WRONG_LIST', 'the entry waits for another service type or municipality');
    // the place first: with none free, nobody's entry is touched
    await decideSite(
      ctx,
      tx,
      input.siteId,
      { type: 'ReservePlace', offerId, clientId: entry.listed.clientId, from: input.from },
      cause,
    );
    const params = placementParameters(o.municipality, madeOn);
    const made = await decideIn(
      ctx,
      tx,
      entryRef(entryId),
      entryDecider,
      {
        type: 'MakeOffer',
        offerId,
        siteId: input.siteId,
        from: input.from,
        madeOn,
        expiresAfter: addWorkingDays(madeOn, params.offerExpiryWorkingDays),
        outOfTurn: entryId !== next,
        justification: input.justification,
      },
      cause,
    );
    await sql`INSERT INTO ${sql.id(ctx.store.schema, 'offer_index')} (offer_id, entry_id, site_id)
      VALUES (${offerId}::uuid, ${entryId}::uuid, ${input.siteId}::uuid)`.execute(tx);
    return { offerId, entry: made.state, version: made.version };
  });
}

/** An answer to an offer: accepted (admission due within the configured days) or declined with a reason. */
export async function answerOffer(
  ctx: ServiceContext,
  offerId: string,
  answer:
    | { type: 'Accept' }
    | { type: 'Decline'; reason: Extract<EntryCommand, { type: 'Decline' }>['reason']; validReason: boolean }
    | { type: 'Expire' },
  cause: Cause,
): Promise<{ entryId: string; entry: Entry; version: number; changed: boolean }> {
  const entryId = await entryOfOffer(ctx, ctx.store.db, offerId);
  const { state } = await loadEntry(ctx, entryId);
  const listed = state.listed!;
  const on = sofiaDate(ctx.clock());
  const params = placementParameters(listed.municipality, on);
  const siteId = state.offer?.offerId === offerId ? state.offer.siteId : undefined;
  return withSiteLocks(ctx, siteId ? [siteId] : [], async (tx) => {
    const command: EntryCommand =
      answer.type === 'Accept'
        ? // counted from acceptance, or from the offered date when the place is free only later
          {
            type: 'Accept',
            offerId,
            on,
            admitBy: addDays(latest(on, state.offer?.from ?? on), params.admissionWithinDays),
          }
        : answer.type === 'Decline'
          ? { ...answer, offerId, on, declinesBeforeMove: params.declinesBeforeDemotion }
          : { type: 'Expire', on, declinesBeforeMove: params.declinesBeforeDemotion };
    const r = await decideIn(ctx, tx, entryRef(entryId), entryDecider, command, cause);
    if (answer.type !== 'Accept' && r.events.length > 0 && siteId)
      await releaseReservation(ctx, tx, siteId, offerId, cause);
    return { entryId, entry: r.state, version: r.version, changed: r.events.length > 0 };
  });
}

/** Offers nobody answered by their last working day, as of today. */
export async function expiredOffers(ctx: ServiceContext): Promise<string[]> {
  const { rows } = await sql<{
    offer_id: string;
  }>`SELECT offer_id::text FROM ${sql.id(ctx.store.schema, 'waiting_list')}
    WHERE offer_status = 'open' AND offer_expires_after < ${sofiaDate(ctx.clock())}::date`.execute(
    ctx.store.db,
  );
  return rows.map((r) => r.offer_id);
}
