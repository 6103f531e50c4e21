import type { Decider, EventOf, Money, Month, SiteCostSet } from '@casework/contracts';
import type { SiteCost } from './assessMonth.js';

export type SiteCostEvent = EventOf<typeof SiteCostSet>;
export type SetSiteCost = { type: 'SetCost' } & SiteCostEvent['data'];

/** A site's actual monthly cost of a place, by the month each setting starts. */
export type SiteCosts = { from: Record<Month, SiteCost> };

export const initialState: SiteCosts = { from: {} };

const same = (a: Money, b: Money) => a.amountMinor === b.amountMinor && a.currency === b.currency;

/**
 * Sets the cost from a month on; the same setting again changes nothing. A mixed site's state part
 * not given again is the one in force that month (a new cost does not silently hand it back to the tariff).
 */
export function decide(command: SetSiteCost, state: SiteCosts): SiteCostEvent[] {
  const { type: _, ...given } = command;
  const share = given.stateShareBasisPoints ?? costFor(state, given.from)?.stateShareBasisPoints;
  const data = share === undefined ? given : { ...given, stateShareBasisPoints: share };
  const now = state.from[data.from];
  if (
    now &&
    same(now.monthlyCost, data.monthlyCost) &&
    now.floorAreaSquareMetres === data.floorAreaSquareMetres &&
    now.stateShareBasisPoints === data.stateShareBasisPoints
  )
    return [];
  return [{ type: 'SiteCostSet', data }];
}

export function evolve(state: SiteCosts, event: SiteCostEvent): SiteCosts {
  const d = event.data;
  const cost: SiteCost = {
    monthlyCost: d.monthlyCost,
    ...(d.floorAreaSquareMetres !== undefined ? { floorAreaSquareMetres: d.floorAreaSquareMetres } : {}),
    ...(d.stateShareBasisPoints !== undefined ? { stateShareBasisPoints: d.stateShareBasisPoints } : {}),
  };
  return { from: { ...state.from, [d.from]: cost } };
}

export const siteCostDecider: Decider<SiteCosts, SetSiteCost, SiteCostEvent> = {
  initialState,
  decide,
  evolve,
};

/** The setting in force for a month: the latest that starts by then. */
export function costFor(state: SiteCosts, month: Month): SiteCost | undefined {
  const starts = Object.keys(state.from)
    .filter((m) => m <= month)
    .sort();
  const last = starts[starts.length - 1];
  return last === undefined ? undefined : state.from[last];
}
