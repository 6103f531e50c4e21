import { randomUUID } from 'node:crypto';
import { eur } from '@casework/contracts';
import { deciderSpec } from '@casework/testkit';
import t from 'tap';
import { costFor, type SetSiteCost, siteCostDecider } from '../src/domain/siteCost.js';

// Given a site's cost settings, when a cost is set from a month, then these events.

const spec = deciderSpec(siteCostDecider);
const site = { siteId: randomUUID(), municipality: 'BLG01', serviceType: 'rehabilitation_centre' as const };
const set = (from: string, amountMinor: number, stateShareBasisPoints?: number): SetSiteCost => ({
  type: 'SetCost',
  ...site,
  from,
  monthlyCost: eur(amountMinor),
  ...(stateShareBasisPoints !== undefined ? { stateShareBasisPoints } : {}),
});
const setEvent = (c: SetSiteCost) => {
  const { type: _, ...data } = c;
  return { type: 'SiteCostSet' as const, data };
};

t.test("a mixed site's state part stays when a later cost does not give it again", async (t) => {
  const january = set('2027-01', 50_000, 4000);
  spec(t)
    .given([setEvent(january)])
    .when(set('2027-06', 55_000))
    .then([setEvent(set('2027-06', 55_000, 4000))]);
  const state = [setEvent(january), setEvent(set('2027-06', 55_000, 4000))].reduce(
    siteCostDecider.evolve,
    siteCostDecider.initialState,
  );
  t.strictSame(costFor(state, '2027-08'), { monthlyCost: eur(55_000), stateShareBasisPoints: 4000 });
  t.strictSame(costFor(state, '2026-12'), undefined, 'nothing before the first setting');
});

t.test('the same setting again changes nothing; a new part is a new setting', async (t) => {
  const january = set('2027-01', 50_000, 4000);
  spec(t)
    .given([setEvent(january)])
    .when(set('2027-01', 50_000))
    .then([]);
  spec(t)
    .given([setEvent(january)])
    .when(set('2027-01', 50_000, 2500))
    .then([setEvent(set('2027-01', 50_000, 2500))]);
});
