import {
  addMonths,
  breaksRule,
  conflictWith,
  type EventOf,
  type LocalDate,
  type NeedsAssessed,
  type NeedsFindingsRecorded,
  type SupportPlanAgreed,
  type SupportPlanGoalsRecorded,
} from '@casework/contracts';

/** A client's needs assessments and support plans (stream `needs-<clientId>`). */
export type NeedsEvent =
  | EventOf<typeof NeedsAssessed>
  | EventOf<typeof NeedsFindingsRecorded>
  | EventOf<typeof SupportPlanAgreed>
  | EventOf<typeof SupportPlanGoalsRecorded>;

type Findings = EventOf<typeof NeedsFindingsRecorded>['data']['findings'];
type Goals = EventOf<typeof SupportPlanGoalsRecorded>['data']['goals'];
type Assessed = Omit<EventOf<typeof NeedsAssessed>['data'], 'domains'>;
type Plan = Omit<EventOf<typeof SupportPlanAgreed>['data'], 'clientId' | 'assessmentId' | 'goalCount'> & {
  goals: Goals;
};
export type Assessment = Assessed & { findings: Findings; plan?: Plan };
export type Needs = { assessments: Assessment[] };

export type NeedsCommand =
  | (Omit<Assessed, 'reassessmentDue'> & {
      type: 'RecordAssessment';
      findings: Findings;
      /** From the intake parameters in force (versioned data), looked up by the handler. */
      reassessmentIntervalMonths: number;
    })
  | ({ type: 'AgreePlan'; clientId: string; assessmentId: string } & Plan);

export const initialState: Needs = { assessments: [] };

export function decide(command: NeedsCommand, state: Needs): NeedsEvent[] {
  if (command.type === 'RecordAssessment') {
    if (state.assessments.some((a) => a.assessmentId === command.assessmentId)) return [];
    const { type: _, findings, reassessmentIntervalMonths, ...assessed } = command;
    return [
      {
        type: 'NeedsAssessed',
        data: {
          ...assessed,
          reassessmentDue: addMonths(command.assessedOn, reassessmentIntervalMonths),
          domains: findings.map((f) => ({ domain: f.domain, level: f.level })),
        },
      },
      {
        type: 'NeedsFindingsRecorded',
        data: { clientId: command.clientId, assessmentId: command.assessmentId, findings },
      },
    ];
  }
  const assessment = state.assessments.find((a) => a.assessmentId === command.assessmentId);
  if (!assessment) throw conflictWith('ASSESSMENT_NOT_FOUND', 'no such needs assessment for this client');
  if (assessment.plan?.planId === command.planId) return [];
  if (assessment.plan)
    throw conflictWith('PLAN_ALREADY_AGREED', 'this assessment already has a support plan');
  if (command.agreedOn < assessment.assessedOn)
    throw breaksRule('PLAN_BEFORE_ASSESSMENT', `the assessment was made on ${assessment.assessedOn}`);
  return [
    {
      type: 'SupportPlanAgreed',
      data: {
        clientId: command.clientId,
        planId: command.planId,
        assessmentId: command.assessmentId,
        agreedOn: command.agreedOn,
        reviewOn: command.reviewOn,
        goalCount: command.goals.length,
      },
    },
    {
      type: 'SupportPlanGoalsRecorded',
      data: { clientId: command.clientId, planId: command.planId, goals: command.goals },
    },
  ];
}

export function evolve(state: Needs, event: NeedsEvent): Needs {
  switch (event.type) {
    case 'NeedsAssessed': {
      const { domains: _, ...assessed } = event.data;
      return { assessments: [...state.assessments, { ...assessed, findings: [] }] };
    }
    case 'NeedsFindingsRecorded':
      return {
        assessments: state.assessments.map((a) =>
          a.assessmentId === event.data.assessmentId ? { ...a, findings: event.data.findings } : a,
        ),
      };
    case 'SupportPlanAgreed': {
      const { clientId: _, assessmentId, goalCount: __, ...plan } = event.data;
      return {
        assessments: state.assessments.map((a) =>
          a.assessmentId === assessmentId ? { ...a, plan: { ...plan, goals: [] } } : a,
        ),
      };
    }
    case 'SupportPlanGoalsRecorded':
      return {
        assessments: state.assessments.map((a) =>
          a.plan?.planId === event.data.planId ? { ...a, plan: { ...a.plan, goals: event.data.goals } } : a,
        ),
      };
    default:
      return state;
  }
}

/** The reassessment date that counts: that of the latest assessment by date. */
export function reassessmentDue(state: Needs): LocalDate | undefined {
  const latest = state.assessments.reduce<Assessment | undefined>(
    (best, a) => (!best || a.assessedOn > best.assessedOn ? a : best),
    undefined,
  );
  return latest?.reassessmentDue;
}

export const needsDecider = { initialState, decide, evolve };
