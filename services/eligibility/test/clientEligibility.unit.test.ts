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

t.test('a rule-set change records a determination only where the answer differs', async (t) => {
  const income = (result: 'met' | 'not_met', reason: string) => ({
    kind: 'household_income_per_member',
    result,
    reason,
    facts: [{ kind: 'income' as const, eventId: id(70) }],
    missing: [],
  });
  const before: Determination = {
    ...determination(1, 'eligible'),
    criteria: [income('met', '€300.00 a member is within the ceiling of €400.00')],
    factsUsed: [{ kind: 'income', eventId: id(70) }],
  };
  const history = [determined(before), changed(before, null, 'eligible')];
  const under2 = (n: number, change: Partial<Determination> = {}): Determination => ({
    ...before,
    determinationId: id(n),
    asOf: '2027-01-01',
    ruleSet: { ruleSetId: 'protected_housing:national', version: 2 },
    criteria: [income('met', '€300.00 a member is within the ceiling of €350.00')],
    validUntil: '2027-12-31',
    trigger: { kind: 'rule_set', eventId: id(80) },
    ...change,
  });
  spec(t)
    .given(history)
    .when({ type: 'Determine', determination: under2(2) })
    .then([], 'the same results on the same facts, worded with the new figure: the determination stands');
  const lost = under2(3, {
    outcome: 'ineligible',
    criteria: [income('not_met', '€300.00 a member is above the ceiling of €250.00')],
  });
  spec(t)
    .given(history)
    .when({ type: 'Determine', determination: lost })
    .then([determined(lost), changed(lost, 'eligible', 'ineligible', 'determination', '2027-01-01')]);
  const moreCriteria = under2(4, {
    criteria: [
      income('met', '€300.00 a member is within the ceiling of €350.00'),
      { kind: 'age', result: 'met', reason: 'aged 40', facts: [], missing: [] },
    ],
  });
  spec(t)
    .given(history)
    .when({ type: 'Determine', determination: moreCriteria })
    .then([determined(moreCriteria)], 'another criterion: recorded, though the outcome is the same');
  const otherFacts = under2(5, { factsUsed: [{ kind: 'income', eventId: id(71) }] });
  spec(t)
    .given(history)
    .when({ type: 'Determine', determination: otherFacts })
    .then([determined(otherFacts)], 'resting on other facts: recorded');
  const shorter = under2(6, { validUntil: '2027-06-30' });
  spec(t)
    .given(history)
    .when({ type: 'Determine', determination: shorter })
    .then([determined(shorter)], 'valid for less time than the one in force: recorded');
  const municipal = under2(7, { ruleSet: { ruleSetId: 'protected_housing:BLG01', version: 1 } });
  spec(t)
    .given(history)
    .when({ type: 'Determine', determination: municipal })
    .then([determined(municipal)], 'under another rule set: recorded');
  const asked = { ...under2(8), trigger: { kind: 'request' as const } };
  spec(t)
    .given(history)
    .when({ type: 'Determine', determination: asked })
    .then([determined(asked)], 'any other reason to decide records, alike or not');
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
  // after a move the new municipality decides afresh: the old one's override does not carry over
  const montana = { ...determination(4, 'ineligible', '2027-01-10'), municipality: 'MON29' as never };
  spec(t)
    .given([...history, overridden])
    .when({ type: 'Determine', determination: montana })
    .then(
      [
        determined(montana),
        {
          ...changed(montana, 'eligible', 'ineligible'),
          data: { ...changed(montana, 'eligible', 'ineligible').data, municipality: 'MON29' },
        } as EligibilityEvent,
      ],
      'another municipality’s determination is not decided by this one’s override',
    );
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
  // the client moved and Montana decided: Bansko's old refusal may still be appealed and the ruling
  // recorded, but it decides nothing about Montana's determination in force
  const montana = { ...determination(5, 'ineligible', '2027-01-10'), municipality: 'MON29' as never };
  const moved = [...history, lodged, determined(montana)];
  spec(t)
    .given(moved)
    .when({ type: 'ResolveAppeal', appealId: id(70), resolution: 'overturned', resolvedOn: '2027-01-20' })
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
            resolution: 'overturned',
            resolvedOn: '2027-01-20',
            until: '2027-11-22',
          },
        },
      ],
      'no EligibilityChanged of Montana’s determination, and the ruling’s end is Bansko’s own',
    );
  const after = [
    ...moved,
    {
      type: 'AppealResolved',
      data: {
        clientId,
        serviceType: 'protected_housing',
        municipality: 'BLG01',
        appealId: id(70),
        determinationId: id(1),
        resolution: 'overturned',
        resolvedOn: '2027-01-20',
        until: '2027-11-22',
      },
    } as EligibilityEvent,
  ].reduce(eligibilityDecider.evolve, eligibilityDecider.initialState);
  const inForce = after.byService.get('protected_housing')!;
  t.equal(inForce.effective, 'ineligible', 'Montana’s outcome stays in force');
  t.notOk(inForce.decreed, 'with no decree of Bansko’s on it');
});
