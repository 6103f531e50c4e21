import { placementParameters } from '@casework/reference-data';
import t from 'tap';
import { pointsOf, rank, type Waiting } from '../src/domain/ranking.js';

const weights = placementParameters('BLG01', '2026-11-23').socialHousingPoints;
const id = (n: number) => `0a000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const entry = (n: number, over: Partial<Waiting> = {}): Waiting => ({
  entryId: id(n),
  serviceType: 'protected_housing',
  listedOn: '2026-01-01',
  priorityClass: 'standard',
  ...over,
});

t.test(
  'first come, first served, crisis cases first, repeated decliners at the end of their class',
  async (t) => {
    const ranked = rank(
      [
        entry(1, { listedOn: '2026-03-01' }),
        entry(2, { listedOn: '2026-02-01' }),
        entry(3, { listedOn: '2026-06-01', priorityClass: 'crisis', crisis: 'violence' }),
        entry(4, { listedOn: '2026-01-01', movedToEndOn: '2026-10-01' }),
        entry(5, { listedOn: '2026-02-01' }),
      ],
      '2026-11-23',
      weights,
    );
    t.same(
      ranked.map((r) => r.entryId),
      [id(3), id(2), id(5), id(1), id(4)],
    );
    t.same(
      ranked.map((r) => r.position),
      [1, 2, 3, 4, 5],
    );
    t.match(ranked[0]!.reasons, [/crisis case \(violence\)/, /since 2026-06-01 \(175 days\)/]);
    t.match(ranked[4]!.reasons[1], /moved to the end of its class on 2026-10-01/);
  },
);

t.test('social housing by the ordinance points, then date', async (t) => {
  const sheet = (members: number) => ({
    householdMembers: members,
    membersWithDisability: 0,
    monthlyIncomePerMemberMinor: 50_000,
    housingConditions: 'adequate' as const,
  });
  const ranked = rank(
    [
      entry(1, { serviceType: 'social_housing', listedOn: '2026-01-01', sheet: sheet(2) }),
      entry(2, { serviceType: 'social_housing', listedOn: '2026-05-01', sheet: sheet(4) }),
      entry(3, { serviceType: 'social_housing', listedOn: '2023-05-01', sheet: sheet(2) }),
    ],
    '2026-11-23',
    weights,
  );
  t.same(
    ranked.map((r) => [r.entryId, r.points]),
    [
      [id(2), 20],
      [id(3), 19],
      [id(1), 10],
    ],
    'four members outweigh three years on the list',
  );
  t.match(
    ranked[1]!.reasons[1],
    /^19 points: 2 household members × 5 = 10; .*3 full years on the list × 3 = 9$/,
  );
});

t.test('points line by line', async (t) => {
  const lines = pointsOf(
    {
      householdMembers: 3,
      membersWithDisability: 1,
      monthlyIncomePerMemberMinor: 25_000,
      housingConditions: 'unfit',
    },
    '2024-11-23',
    '2026-11-23',
    weights,
  );
  t.same(
    lines.map((l) => [l.factor, l.points]),
    [
      ['household_members', 15],
      ['disability_in_household', 10],
      ['low_income', 15],
      ['housing_conditions', 20],
      ['years_on_list', 6],
    ],
  );
});
