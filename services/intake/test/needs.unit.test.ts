import { deciderSpec } from '@casework/testkit';
import t from 'tap';
import { type NeedsCommand, type NeedsEvent, needsDecider, reassessmentDue } from '../src/domain/needs.js';

const spec = deciderSpec(needsDecider);
const clientId = '01a205f1-7e3c-7e0e-ac7b-3391783819e5';
const a1 = '01a205f1-0000-7000-8000-0000000000b1';
const p1 = '01a205f1-0000-7000-8000-0000000000c1';
const findings: Extract<NeedsCommand, { type: 'RecordAssessment' }>['findings'] = [
  { domain: 'housing', level: 'high', finding: 'Has to leave the family home' },
];
const assessed: NeedsEvent[] = [
  {
    type: 'NeedsAssessed',
    data: {
      clientId,
      assessmentId: a1,
      assessedOn: '2026-01-31',
      recommendedServiceType: 'protected_housing',
      reassessmentDue: '2027-01-31',
      domains: [{ domain: 'housing', level: 'high' }],
    },
  },
  { type: 'NeedsFindingsRecorded', data: { clientId, assessmentId: a1, findings: [...findings] } },
];

t.test('RecordAssessment dates the reassessment by the interval it is given', async (t) => {
  const record: Extract<NeedsCommand, { type: 'RecordAssessment' }> = {
    type: 'RecordAssessment',
    clientId,
    assessmentId: a1,
    assessedOn: '2026-01-31',
    recommendedServiceType: 'protected_housing',
    findings: [...findings],
    reassessmentIntervalMonths: 12,
  };
  spec(t).given([]).when(record).then(assessed, 'levels published, written findings internal');
  spec(t).given(assessed).when(record).then([], 'the same assessment once');
  const [event] = needsDecider.decide(
    { ...record, reassessmentIntervalMonths: 1 },
    needsDecider.initialState,
  );
  t.match(
    event,
    { data: { reassessmentDue: '2026-02-28' } },
    'a month after 31 January is the end of February',
  );
});

t.test('AgreePlan', async (t) => {
  const plan: Extract<NeedsCommand, { type: 'AgreePlan' }> = {
    type: 'AgreePlan',
    clientId,
    assessmentId: a1,
    planId: p1,
    agreedOn: '2026-02-02',
    reviewOn: '2026-08-02',
    goals: [{ domain: 'housing', goal: 'Moves into protected housing' }],
  };
  const agreed: NeedsEvent[] = [
    {
      type: 'SupportPlanAgreed',
      data: {
        clientId,
        planId: p1,
        assessmentId: a1,
        agreedOn: '2026-02-02',
        reviewOn: '2026-08-02',
        goalCount: 1,
      },
    },
    { type: 'SupportPlanGoalsRecorded', data: { clientId, planId: p1, goals: [...plan.goals] } },
  ];
  spec(t).given(assessed).when(plan).then(agreed);
  spec(t).given([]).when(plan).thenFails('ASSESSMENT_NOT_FOUND');
  spec(t)
    .given([...assessed, ...agreed])
    .when({ ...plan, planId: a1 })
    .thenFails('PLAN_ALREADY_AGREED');
  spec(t)
    .given(assessed)
    .when({ ...plan, agreedOn: '2026-01-30' })
    .thenFails('PLAN_BEFORE_ASSESSMENT');
});

t.test('the latest assessment by date sets the reassessment date, even if recorded earlier', async (t) => {
  const backdated: NeedsEvent = {
    type: 'NeedsAssessed',
    data: {
      ...(assessed[0]!.data as object),
      assessmentId: p1,
      assessedOn: '2025-06-01',
      reassessmentDue: '2026-06-01',
    } as never,
  };
  const state = [...assessed, backdated].reduce(needsDecider.evolve, needsDecider.initialState);
  t.equal(reassessmentDue(state), '2027-01-31');
});
