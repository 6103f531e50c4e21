import { addMonths, type LocalDate, missing } from '@casework/contracts';
import { placementParameters } from '@casework/reference-data';
import type { Cause, ServiceContext } from '@casework/service-kit';
import { type PlacementCommand, placementDecider } from '../domain/clientPlacements.js';
import { decideIn } from './decideIn.js';
import { clientOfPlacement } from './lookups.js';
import { termMonths } from './stays.js';
import { placementStream } from './streams.js';

// Renewal: a fixed term reviewed and extended.

export type RenewInput = { placementId: string; reviewedOn: LocalDate; termEnd?: LocalDate | undefined };

/**
 * Renews a residential stay's fixed term after a review: by default for the term in force for its
 * service type, from the end of the old one; social housing with special status a limited number of times.
 */
export async function renew(ctx: ServiceContext, input: RenewInput, cause: Cause) {
  const clientId = await clientOfPlacement(ctx, input.placementId);
  const result = await ctx.store.transaction((tx) =>
    decideIn(
      ctx,
      tx,
      { streamId: placementStream(clientId), streamType: 'placements' },
      placementDecider,
      (state): PlacementCommand => {
        const stay = state.stays.get(input.placementId);
        if (!stay) throw missing('the placement');
        const p = placementParameters(stay.municipality, input.reviewedOn);
        // a stay given a term its type has no default for is renewed for the residential one
        const months = termMonths(stay.serviceType, p) ?? p.residentialTermMonths;
        return {
          type: 'Renew',
          placementId: input.placementId,
          reviewedOn: input.reviewedOn,
          termEnd: input.termEnd ?? addMonths(stay.termEnd ?? input.reviewedOn, months),
          renewalsAllowed:
            stay.serviceType === 'social_housing_special_status' ? p.specialStatusRenewals : null,
        };
      },
      cause,
    ),
  );
  return { placementId: input.placementId, ...result };
}
