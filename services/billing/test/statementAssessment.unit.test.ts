import { eur, type TariffBody } from '@casework/contracts';
import t from 'tap';
import { type Account, accountDecider } from '../src/domain/account.js';
import type { Lookups } from '../src/domain/assessMonth.js';
import { foldInputs, type InputRow } from '../src/domain/clientFacts.js';
import { assessStatement } from '../src/domain/statementAssessment.js';

// Given a client stated for March with what that run knew, when April's run finds the site's cost set
// again, then March is reassessed and the cost setting is among the events its adjustment points to.

const clientId = '0193a2b4-0000-7000-8000-00000000c11e';
const siteId = '0193a2b4-0000-7000-8000-0000000000b1';
const rows = [
  {
    seq: 1,
    eventId: 'admitted',
    type: 'Admitted',
    data: {
      clientId,
      placementId: '0193a2b4-0000-7000-8000-0000000000a1',
      siteId,
      serviceType: 'protected_housing',
      kind: 'residential',
      municipality: 'BLG01',
      on: '2026-03-01',
      basis: 'offer',
    },
  },
  {
    seq: 2,
    eventId: 'income',
    type: 'IncomeDeclared',
    data: { clientId, factId: 'f1', validFrom: '2026-01-01', source: 'pension', monthlyAmount: eur(200_000) },
  },
] as unknown as InputRow[];
const body: TariffBody = {
  fee: { kind: 'income_share', basisPoints: 7000 },
  groupFees: [],
  absenceExemptAfterDays: 3,
  fullCostRule: null,
  stateShareBasisPoints: 10_000,
};
// the place cost €1,000.00 when March was stated; set to €900.00 from March since (version 2), and to
// €950.00 from May (version 3), which cannot touch March
const lookups: Lookups = {
  tariff: () => ({ tariffId: 'protected_housing:national', version: 1, body }),
  cost: () => ({ monthlyCost: eur(90_000) }),
  respite: () => ({ freeDaysPerYear: 14, disabilityOverPercent: 90 }),
  funding: () => 'state_delegated',
};
const stated: Account = {
  ...accountDecider.initialState,
  stated: { '2026-03': { statementId: 's', knownThrough: 2 } },
  assessedWith: { knownThrough: 2, siteCostVersions: { [siteId]: 1 } },
};

t.test('a cost set after the month was stated is what its reassessment learned', async (t) => {
  const { reassessed } = assessStatement({
    municipality: 'BLG01',
    month: '2026-04',
    rows,
    knownAsOf: '10:10:',
    facts: foldInputs(rows),
    account: stated,
    lookback: ['2026-03'],
    closed: new Set(['2026-03']),
    siteCostVersions: new Map([[siteId, 3]]),
    siteCostChanges: new Map([
      [
        siteId,
        [
          { version: 1, from: '2026-01', eventId: 'cost-1000' },
          { version: 2, from: '2026-03', eventId: 'cost-900' },
          { version: 3, from: '2026-05', eventId: 'cost-950' },
        ],
      ],
    ]),
    lookups,
  });
  t.equal(reassessed.length, 1, 'March is assessed again');
  // 70% of €2,000.00 = €1,400.00, capped at the €900.00 the place costs now
  t.same(reassessed[0]?.lines[0]?.amount, eur(90_000));
  t.same(reassessed[0]?.learned, ['cost-900'], 'the setting that reaches March, not the one from May');
});

t.test('a run that kept no cost versions names no cost setting (what it knew is not known)', async (t) => {
  const { reassessed } = assessStatement({
    municipality: 'BLG01',
    month: '2026-04',
    rows,
    knownAsOf: '10:10:',
    facts: foldInputs(rows),
    account: { ...stated, assessedWith: undefined },
    lookback: ['2026-03'],
    closed: new Set(['2026-03']),
    siteCostVersions: new Map([[siteId, 3]]),
    siteCostChanges: new Map([[siteId, [{ version: 2, from: '2026-03', eventId: 'cost-900' }]]]),
    lookups,
  });
  t.same(reassessed[0]?.learned, []);
});
