import { deciderSpec } from '@casework/testkit';
import t from 'tap';
import {
  type Determination,
  type EligibilityEvent,
  eligibilityDecider,
} from '../src/domain/clientEligibility.js';
import { clientId, id } from './facts.js';

const spec = deciderSpec(eligibilityDecider);
const determination = (n: number, outcome: Determination['outcome'], asOf = '2026-11-23'): Determination => ({
  determinationId: id(n),
  clientId,
  serviceType: 'protected_housing',
  municipality: 'BLG01',
  asOf,
  knownAt: '2026-11-23T08:00:00.000Z',
  ruleSet: { ruleSetId: 'protected_housing:national', version: 1 },
  outcome,
  criteria: [],
  factsUsed: [],
  missing: [],
  validUntil: '2027-11-22',
  trigger: { kind: 'request' },
});
const determined = (d: Determination): EligibilityEvent => ({ type: 'EligibilityDetermined', data: d });
const changed = (d: Determination, from: string | null, to: string, by = 'determination', on = d.asOf) =>
  ({
    type: 'EligibilityChanged',
    data: {
      clientId,
      serviceType: 'protected_housing',
      municipality: 'BLG01',
      determinationId: d.determinationId,
      from,
      to,
      on,
      by,
    },
  }) as EligibilityEvent;

t.test('determinations: a change of the outcome in effect is announced, a repeat is not', async (t) => {
  const first = determination(1, 'incomplete');
  spec(t)
    .given([])
    .when({ type: 'Determine', determination: first })
    .then([determined(first), changed(first, null, 'incomplete')]);
  const same = determination(2, 'incomplete');
  spec(t)
    .given([determined(first), changed(first, null, 'incomplete')])
    .when({ type: 'Determine', determination: same })
    .then([determined(same)], 'no change, no EligibilityChanged');
  const better = determination(3, 'eligible');
  spec(t)
    .given([determined(first), changed(first, null, 'incomplete')])
    .when({ type: 'Determine', determination: better })
    .then([determined(better), changed(better, 'incomplete', 'eligible')]);
  spec(t)
    .given([determined(first)])
    .when({ type: 'Determine', determination: first })
    .then([], 'the same determination id is recorded once');
});

t.test('overrides hold until their date, through later determinations', async (t) => {
  const refused = determination(1, 'ineligible');
  const history = [determined(refused), changed(refused, null, 'ineligible')];
  const override = {
    type: 'Override' as const,
    determinationId: id(1),
    overrideId: id(90),
    outcome: 'eligible' as const,
    reason: 'a written reason',
    supervisor: 'sup-1',
    on: '2026-11-24',
  };
  const overridden: EligibilityEvent = {
    type: 'EligibilityOverridden',
    data: {
      clientId,
      serviceType: 'protected_housing',
      municipality: 'BLG01',
      determinationId: id(1),
      overrideId: id(90),
      outcome: 'eligible',
      until: '2027-11-22',
      on: '2026-11-24',
    },
  };
  spec(t)
    .given(history)
    .when(override)
    .then([
      overridden,
      {
        type: 'OverrideJustified',
        data: { clientId, overrideId: id(90), reason: 'a written reason', supervisor: 'sup-1' },
      },
      changed(refused, 'ineligible', 'eligible', 'override', '2026-11-24'),
    ]);
  const later = determination(2, 'ineligible', '2027-01-10');
  spec(t)
    .given([...history, overridden])
    .when({ type: 'Determine', determination: later })
    .then([determined(later)], 'the override still applies: nothing changes in effect');
  const afterIt = determination(3, 'ineligible', '2027-12-01');
  spec(t)
    .given([...history, overridden])
    .when({ type: 'Determine', determination: afterIt })
    .then([determined(afterIt), changed(afterIt, 'eligible', 'ineligible')], 'once it has run out it lapses');
  spec(t)
    .given([...history, determined(later)])
    .when(override)
    .thenFails('DETERMINATION_SUPERSEDED');
});

t.test('appeals: only against a refusal, within the deadline, once at a time', async (t) => {
  const refused = determination(1, 'ineligible');
  const history = [determined(refused), changed(refused, null, 'ineligible')];
  const lodge = {
    type: 'LodgeAppeal' as const,
    appealId: id(70),
    determinationId: id(1),
    notifiedOn: '2026-11-23',
    lodgedOn: '2026-12-07',
    deadlineDays: 14,
  };
  const lodged: EligibilityEvent = {
    type: 'AppealLodged',
    data: {
      clientId,
      serviceType: 'protected_housing',
      municipality: 'BLG01',
      appealId: id(70),
      determinationId: id(1),
      notifiedOn: '2026-11-23',
      lodgedOn: '2026-12-07',
      deadline: '2026-12-07',
    },
  };
  spec(t).given(history).when(lodge).then([lodged]);
  spec(t)
    .given(history)
    .when({ ...lodge, lodgedOn: '2026-12-08' })
    .thenFails('APPEAL_OUT_OF_TIME');
  spec(t)
    .given(history)
    .when({ ...lodge, lodgedOn: '2026-11-22' })
    .thenFails('LODGED_BEFORE_NOTIFICATION');
  spec(t)
    .given([...history, lodged])
    .when({ ...lodge, appealId: id(71) })
    .thenFails('APPEAL_OPEN');
  const ok = determination(2, 'eligible');
  spec(t)
    .given([determined(ok)])
    .when({ ...lodge, determinationId: id(2) })
    .thenFails('NOT_A_REFUSAL');
  spec(t)
    .given([...history, lodged])
    .when({ type: 'ResolveAppeal', appealId: id(70), resolution: 'overturned', resolvedOn: '2026-12-20' })
    .then([
      {
        type: 'AppealResolved',
        data: {
          clientId,
          serviceType: 'protected_housing',
          municipality: 'BLG01',
          appealId: id(70),
          determinationId: id(1),
          resolution: 'overturned',
          resolvedOn: '2026-12-20',
          until: '2027-11-22',
        },
      },
      changed(refused, 'ineligible', 'eligible', 'appeal', '2026-12-20'),
    ]);
  spec(t)
    .given([...history, lodged])
    .when({ type: 'ResolveAppeal', appealId: id(70), resolution: 'upheld', resolvedOn: '2026-12-20' })
    .then(
      [
        {
          type: 'AppealResolved',
          data: {
            clientId,
            serviceType: 'protected_housing',
            municipality: 'BLG01',
            appealId: id(70),
            determinationId: id(1),
            resolution: 'upheld',
            resolvedOn: '2026-12-20',
            until: '2027-11-22',
          },
        },
      ],
      'an upheld refusal changes nothing in effect',
    );
});
