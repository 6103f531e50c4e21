import type { Criterion } from '@casework/contracts';
import { deciderSpec } from '@casework/testkit';
import t from 'tap';
import { type RuleSetEvent, ruleSetDecider, versionInForce } from '../src/domain/ruleSet.js';

const spec = deciderSpec(ruleSetDecider);
const scope = {
  ruleSetId: 'social_housing:BLG01',
  serviceType: 'social_housing',
  municipality: 'BLG01',
} as const;
const criteria: Criterion[] = [{ kind: 'no_dwelling_owned' }];
const drafted = (version: number): RuleSetEvent => ({
  type: 'RuleSetDrafted',
  data: { ...scope, version, criteria, validityMonths: 12 },
});
const published = (version: number, effectiveFrom: string): RuleSetEvent => ({
  type: 'RuleSetPublished',
  data: { ...scope, version, criteria, validityMonths: 12, effectiveFrom },
});

t.test('draft, publish, retire', async (t) => {
  spec(t)
    .given([])
    .when({ type: 'Draft', ...scope, criteria, validityMonths: 12 })
    .then([drafted(1)]);
  spec(t)
    .given([drafted(1), published(1, '2026-01-01')])
    .when({ type: 'Draft', ...scope, criteria, validityMonths: 12 })
    .then([drafted(2)], 'versions are numbered on');
  spec(t)
    .given([drafted(1)])
    .when({ type: 'Publish', version: 1, effectiveFrom: '2026-12-01', today: '2026-11-23' })
    .then([published(1, '2026-12-01')]);
  spec(t)
    .given([drafted(1)])
    .when({ type: 'Publish', version: 1, effectiveFrom: '2026-11-22', today: '2026-11-23' })
    .thenFails('EFFECTIVE_DATE_PAST');
  spec(t)
    .given([drafted(1), published(1, '2026-12-01')])
    .when({ type: 'Publish', version: 1, effectiveFrom: '2026-12-01', today: '2026-11-23' })
    .then([], 'publishing twice the same way records nothing');
  spec(t)
    .given([drafted(1), published(1, '2026-12-01')])
    .when({ type: 'Publish', version: 1, effectiveFrom: '2027-01-01', today: '2026-11-23' })
    .thenFails('NOT_A_DRAFT');
  spec(t)
    .given([drafted(1)])
    .when({ type: 'Publish', version: 2, effectiveFrom: '2026-12-01', today: '2026-11-23' })
    .thenFails('VERSION_NOT_FOUND');
  spec(t)
    .given([drafted(1)])
    .when({ type: 'Retire', version: 1, retiredFrom: '2026-12-01', today: '2026-11-23' })
    .thenFails('NOT_PUBLISHED');
  spec(t)
    .given([drafted(1), published(1, '2026-01-01')])
    .when({ type: 'Retire', version: 1, retiredFrom: '2026-12-01', today: '2026-11-23' })
    .then([{ type: 'RuleSetRetired', data: { ...scope, version: 1, retiredFrom: '2026-12-01' } }]);
  const national = {
    ruleSetId: 'social_housing:national',
    serviceType: 'social_housing',
    municipality: null,
  } as const;
  spec(t)
    .given([
      { type: 'RuleSetDrafted', data: { ...national, version: 1, criteria, validityMonths: 12 } },
      {
        type: 'RuleSetPublished',
        data: { ...national, version: 1, criteria, validityMonths: 12, effectiveFrom: '2020-07-01' },
      },
    ])
    .when({ type: 'Retire', version: 1, retiredFrom: '2026-12-01', today: '2026-11-23' })
    .thenFails('NATIONAL_RULES_REQUIRED');
});

t.test('a default is adopted once, published as it stands', async (t) => {
  const adopt = {
    type: 'AdoptDefault' as const,
    ...scope,
    criteria,
    validityMonths: 12,
    effectiveFrom: '2020-07-01',
  };
  spec(t)
    .given([])
    .when(adopt)
    .then([drafted(1), published(1, '2020-07-01')]);
  spec(t)
    .given([drafted(1), published(1, '2020-07-01')])
    .when(adopt)
    .then([], 'never twice');
});

t.test('the version in force on a date', async (t) => {
  const state = [
    drafted(1),
    published(1, '2026-01-01'),
    drafted(2),
    published(2, '2027-01-01'),
    drafted(3),
    { type: 'RuleSetRetired', data: { ...scope, version: 2, retiredFrom: '2027-06-01' } } as RuleSetEvent,
  ].reduce(ruleSetDecider.evolve, ruleSetDecider.initialState);
  const on = (d: string) => versionInForce(state, d)?.version;
  t.equal(on('2025-12-31'), undefined, 'nothing before the first took effect');
  t.equal(on('2026-06-01'), 1);
  t.equal(on('2027-01-01'), 2, 'the later effective date wins from its first day');
  t.equal(on('2027-06-01'), 1, 'after the retirement the one before applies again');
});
