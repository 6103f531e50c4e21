import type { LocalDate } from '@casework/contracts';
import type { Cause, ServiceContext } from '@casework/service-kit';
import { termsOf } from '../domain/clientPlacements.js';
import { offerSitesOf } from './entries.js';
import { clientOfPlacement, rememberPlacement } from './lookups.js';
import { asDecidedIn, type LoadedSite } from './siteState.js';
import {
  admissionRules,
  assertPlaceable,
  commit,
  defaultTerms,
  placeAt,
  siteOfStay,
  withLoaded,
} from './stays.js';

// Transfer: one stay ends and the next begins on the same day, at another site or service.

export type TransferInput = {
  placementId: string;
  toSiteId: string;
  on: LocalDate;
  termEnd?: LocalDate | undefined;
  weekdays?: number[] | undefined;
  /** The accepted offer of the target site that the move takes up, if it came through the waiting list. */
  offerId?: string | undefined;
};

/**
 * Moves a client from one site to another on a date in one transaction: the first site's place is free
 * from that day, the second's taken from it, and the client's stay changes, or nothing changes at all.
 */
export async function transfer(ctx: ServiceContext, input: TransferInput, cause: Cause) {
  const clientId = await clientOfPlacement(ctx, input.placementId);
  await assertPlaceable(ctx, clientId, input.on);
  const placementId = ctx.newId();
  const fromSiteId = await siteOfStay(ctx, clientId, input.placementId);
  const held = await offerSitesOf(ctx, clientId);
  return withLoaded(
    ctx,
    { sites: [fromSiteId, input.toSiteId, ...held], clients: [clientId] },
    { siteIds: [fromSiteId, input.toSiteId], clientId },
    async (tx, { sites, client }) => {
      const { offerId } = input;
      const serviceType = sites[1]!.state.opened!.serviceType;
      await admissionRules(
        ctx,
        tx,
        { clientId, siteId: input.toSiteId, serviceType, on: input.on, offerId },
        cause,
      );
      // as the rules left them: taking the person off the list may have freed a place held at either
      const [from, to] = sites.map((s) => asDecidedIn(tx, s)) as [LoadedSite, LoadedSite];
      const place = placeAt(to.state, placementId);
      const terms = { ...defaultTerms(place.serviceType, place.municipality, input.on), ...termsOf(input) };
      const result = await commit(
        ctx,
        tx,
        cause,
        {
          ...client,
          command: { type: 'Transfer', clientId, from: input.placementId, to: place, on: input.on, ...terms },
        },
        [
          { ...to, command: { type: 'TakePlace', placementId, clientId, from: input.on, offerId } },
          { ...from, command: { type: 'ReleasePlace', placementId: input.placementId, on: input.on } },
        ],
      );
      await rememberPlacement(ctx, tx, placementId, clientId);
      return { placementId, ...result };
    },
  );
}
