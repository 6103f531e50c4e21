import type { ClientDirectoryEntry, LocalDate } from '@casework/contracts';
import { placementParameters } from '@casework/reference-data';
import type { Cause, ServiceContext } from '@casework/service-kit';
import { termsOf } from '../domain/clientPlacements.js';
import { offerSitesOf } from './entries.js';
import { rememberPlacement } from './lookups.js';
import { asDecidedIn } from './siteState.js';
import { admissionRules, assertPlaceable, commit, defaultTerms, placeAt, withLoaded } from './stays.js';

// Admission: a place in the site's places and a stay in the client's placements, together.

export type AdmitInput = {
  clientId: string;
  siteId: string;
  on: LocalDate;
  termEnd?: LocalDate | undefined;
  weekdays?: number[] | undefined;
  respite?: true | undefined;
  basis:
    | { kind: 'offer'; offerId: string }
    | { kind: 'emergency'; justification: string; supervisor: string };
  /** The client's directory entry, as the caller's scope check read it. */
  directoryEntry?: ClientDirectoryEntry;
};

/**
 * Admits a client: a place in the site's places and a stay in the client's placements, together; an
 * admission on an accepted offer also takes the entry off the waiting list.
 */
export async function admit(ctx: ServiceContext, input: AdmitInput, cause: Cause) {
  await assertPlaceable(ctx, input.clientId, input.on, input.directoryEntry);
  const placementId = ctx.newId();
  const offerId = input.basis.kind === 'offer' ? input.basis.offerId : undefined;
  const held = await offerSitesOf(ctx, input.clientId);
  const locks = { sites: [input.siteId, ...held], clients: [input.clientId] };
  const loading = { siteIds: [input.siteId], clientId: input.clientId };
  return withLoaded(ctx, locks, loading, async (tx, { sites, client }) => {
    const serviceType = sites[0]!.state.opened!.serviceType;
    await admissionRules(ctx, tx, { ...input, serviceType, offerId }, cause);
    // as the rules left it: taking the person off the list may have freed a place held for them here
    // (a site command that takes no site lock, committed meanwhile, fails the append: decided again)
    const site = asDecidedIn(tx, sites[0]!);
    const place = placeAt(site.state, placementId);
    // a respite stay ends when its caller says, within the yearly limit; others take the default term
    const terms = {
      ...(input.respite ? {} : defaultTerms(place.serviceType, place.municipality, input.on)),
      ...termsOf(input),
    };
    const respite = input.respite
      ? { daysPerYear: placementParameters(place.municipality, input.on).respiteDaysPerYear }
      : undefined;
    const emergency =
      input.basis.kind === 'emergency'
        ? { justification: input.basis.justification, supervisor: input.basis.supervisor }
        : undefined;
    const result = await commit(
      ctx,
      tx,
      cause,
      {
        ...client,
        command: {
          type: 'Admit',
          clientId: input.clientId,
          place,
          on: input.on,
          ...terms,
          basis: input.basis.kind,
          offerId,
          emergency,
          respite,
        },
      },
      [
        {
          ...site,
          command: { type: 'TakePlace', placementId, clientId: input.clientId, from: input.on, offerId },
        },
      ],
    );
    await rememberPlacement(ctx, tx, placementId, input.clientId);
    return { placementId, ...result };
  });
}
