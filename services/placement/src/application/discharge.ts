import type { LocalDate } from '@casework/contracts';
import type { Tx } from '@casework/eventstore';
import type { Cause, ServiceContext } from '@casework/service-kit';
import type { PlacementCommand } from '../domain/clientPlacements.js';
import { withSiteLocks } from './locks.js';
import { clientOfPlacement } from './lookups.js';
import { commit, load, siteOfStay } from './stays.js';

// Discharge: a stay ends on a date, and its place is free from that day.

export type DischargeInput = {
  placementId: string;
  on: LocalDate;
  reason: Extract<PlacementCommand, { type: 'Discharge' }>['reason'];
  destination: Extract<PlacementCommand, { type: 'Discharge' }>['destination'];
};

/** Ends a stay on a date (possibly in the past): the place is free from that day on. */
export async function discharge(ctx: ServiceContext, input: DischargeInput, cause: Cause, within?: Tx) {
  const clientId = await clientOfPlacement(ctx, input.placementId, within);
  const siteId = await siteOfStay(ctx, clientId, input.placementId, within);
  return withSiteLocks(
    ctx,
    [siteId],
    async (tx) => {
      const { sites, client } = await load(ctx, tx, [siteId], clientId);
      const result = await commit(ctx, tx, cause, { ...client, command: { type: 'Discharge', ...input } }, [
        { ...sites[0]!, command: { type: 'ReleasePlace', placementId: input.placementId, on: input.on } },
      ]);
      return { placementId: input.placementId, ...result };
    },
    within,
  );
}
