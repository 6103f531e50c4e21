import {
  breaksRule,
  type ClientGroup,
  type ClientGroupRecorded,
  type ConsentRecorded,
  conflictWith,
  type DisabilityAssessed,
  type DisabilityDecisionRecorded,
  type DisposalKind,
  type DwellingDisposed,
  type DwellingOwnershipRecorded,
  type EventOf,
  type FactKind,
  type FactRetracted,
  type FactRetractionReasonRecorded,
  type IncomeDeclared,
  type LocalDate,
  type Money,
  type SavingsDeclared,
  type SchoolEnrolmentRecorded,
} from '@casework/contracts';

/** The facts of one client (stream `facts-<clientId>`): effective-dated, corrected only by new facts. */
export type FactEvent =
  | EventOf<typeof IncomeDeclared>
  | EventOf<typeof DisabilityAssessed>
  | EventOf<typeof DisabilityDecisionRecorded>
  | EventOf<typeof DwellingOwnershipRecorded>
  | EventOf<typeof SavingsDeclared>
  | EventOf<typeof DwellingDisposed>
  | EventOf<typeof ClientGroupRecorded>
  | EventOf<typeof SchoolEnrolmentRecorded>
  | EventOf<typeof ConsentRecorded>
  | EventOf<typeof FactRetracted>
  | EventOf<typeof FactRetractionReasonRecorded>;

type Known = { kind: FactKind; validFrom: LocalDate; supersededBy?: string; retracted: boolean };
export type Facts = { facts: ReadonlyMap<string, Known> };

type Base = {
  factId: string;
  clientId: string;
  validFrom: LocalDate;
  validTo?: LocalDate;
  supersedes?: string;
};
export type FactCommand =
  | ({ type: 'DeclareIncome'; memberId?: string } & Base & Pick<IncomeData, 'source' | 'monthlyAmount'>)
  | ({
      type: 'RecordDisability';
      commission: 'TELK' | 'NELK';
      decisionNumber: string;
      decidedOn: LocalDate;
    } & Base &
      Pick<DisabilityData, 'degreePercent' | 'outsideAssistanceNeeded'>)
  | ({ type: 'RecordDwellingOwnership'; ownsDwelling: boolean } & Base)
  | ({ type: 'DeclareSavings'; amount: Money } & Base)
  | ({ type: 'RecordDwellingDisposal'; how: DisposalKind } & Omit<Base, 'validTo'>)
  | ({ type: 'RecordClientGroup'; group: ClientGroup } & Base)
  | ({ type: 'RecordSchoolEnrolment' } & Base)
  | ({ type: 'RecordConsent'; status: 'given' | 'withdrawn' } & Omit<Base, 'validTo' | 'supersedes'>)
  | { type: 'RetractFact'; clientId: string; factId: string; reason: string };

type IncomeData = EventOf<typeof IncomeDeclared>['data'];
type DisabilityData = EventOf<typeof DisabilityAssessed>['data'];

export const initialState: Facts = { facts: new Map() };

/** The kind of fact each event records. */
export const KIND_OF = {
  IncomeDeclared: 'income',
  DisabilityAssessed: 'disability',
  DwellingOwnershipRecorded: 'dwelling_ownership',
  SavingsDeclared: 'savings',
  DwellingDisposed: 'dwelling_disposal',
  ClientGroupRecorded: 'client_group',
  SchoolEnrolmentRecorded: 'school_enrolment',
  ConsentRecorded: 'consent',
} as const;

function checkCorrection(state: Facts, kind: FactKind, b: Base): void {
  if (b.validTo && b.validTo < b.validFrom)
    throw breaksRule('PERIOD_REVERSED', 'validTo is before validFrom');
  if (!b.supersedes) return;
  const old = state.facts.get(b.supersedes);
  if (!old) throw conflictWith('FACT_NOT_FOUND', 'the fact to correct does not exist for this client');
  if (old.kind !== kind) throw breaksRule('FACT_KIND_MISMATCH', `the fact to correct is a ${old.kind} fact`);
  if (old.retracted) throw conflictWith('FACT_RETRACTED', 'the fact to correct was retracted');
  if (old.supersededBy)
    throw conflictWith('FACT_ALREADY_CORRECTED', 'that fact was already corrected; correct the newer one', {
      latest: old.supersededBy,
    });
}

const period = (b: Base) => ({
  clientId: b.clientId,
  factId: b.factId,
  validFrom: b.validFrom,
  ...(b.validTo ? { validTo: b.validTo } : {}),
  ...(b.supersedes ? { supersedes: b.supersedes } : {}),
});

export function decide(command: FactCommand, state: Facts): FactEvent[] {
  // a repeated command (same fact id) records nothing twice
  if (command.type !== 'RetractFact' && state.facts.has(command.factId)) return [];
  switch (command.type) {
    case 'DeclareIncome':
      checkCorrection(state, 'income', command);
      return [
        {
          type: 'IncomeDeclared',
          data: {
            ...period(command),
            ...(command.memberId ? { memberId: command.memberId } : {}),
            source: command.source,
            monthlyAmount: command.monthlyAmount,
          },
        },
      ];
    case 'RecordDisability':
      checkCorrection(state, 'disability', command);
      return [
        {
          type: 'DisabilityAssessed',
          data: {
            ...period(command),
            degreePercent: command.degreePercent,
            outsideAssistanceNeeded: command.outsideAssistanceNeeded,
          },
        },
        {
          type: 'DisabilityDecisionRecorded',
          data: {
            clientId: command.clientId,
            factId: command.factId,
            commission: command.commission,
            decisionNumber: command.decisionNumber,
            decidedOn: command.decidedOn,
          },
        },
      ];
    case 'RecordDwellingOwnership':
      checkCorrection(state, 'dwelling_ownership', command);
      return [
        {
          type: 'DwellingOwnershipRecorded',
          data: { ...period(command), ownsDwelling: command.ownsDwelling },
        },
      ];
    case 'DeclareSavings':
      checkCorrection(state, 'savings', command);
      return [{ type: 'SavingsDeclared', data: { ...period(command), amount: command.amount } }];
    case 'RecordDwellingDisposal':
      checkCorrection(state, 'dwelling_disposal', command);
      return [{ type: 'DwellingDisposed', data: { ...period(command), how: command.how } }];
    case 'RecordClientGroup':
      checkCorrection(state, 'client_group', command);
      return [{ type: 'ClientGroupRecorded', data: { ...period(command), group: command.group } }];
    case 'RecordSchoolEnrolment':
      checkCorrection(state, 'school_enrolment', command);
      return [{ type: 'SchoolEnrolmentRecorded', data: period(command) }];
    case 'RecordConsent':
      return [{ type: 'ConsentRecorded', data: { ...period(command), status: command.status } }];
    case 'RetractFact': {
      const fact = state.facts.get(command.factId);
      if (!fact) throw conflictWith('FACT_NOT_FOUND', 'no such fact for this client');
      if (fact.retracted) return [];
      if (fact.supersededBy)
        throw conflictWith('FACT_ALREADY_CORRECTED', 'that fact was corrected; retract the newer one', {
          latest: fact.supersededBy,
        });
      return [
        {
          type: 'FactRetracted',
          data: { clientId: command.clientId, factId: command.factId, kind: fact.kind },
        },
        {
          type: 'FactRetractionReasonRecorded',
          data: { clientId: command.clientId, factId: command.factId, reason: command.reason },
        },
      ];
    }
    default: {
      const unreachable: never = command;
      throw new Error(`unknown command ${(unreachable as { type: string }).type}`);
    }
  }
}

export function evolve(state: Facts, event: FactEvent): Facts {
  const facts = new Map(state.facts);
  switch (event.type) {
    case 'IncomeDeclared':
    case 'DisabilityAssessed':
    case 'DwellingOwnershipRecorded':
    case 'SavingsDeclared':
    case 'DwellingDisposed':
    case 'ClientGroupRecorded':
    case 'SchoolEnrolmentRecorded':
    case 'ConsentRecorded': {
      const d = event.data;
      facts.set(d.factId, { kind: KIND_OF[event.type], validFrom: d.validFrom, retracted: false });
      const old = d.supersedes ? facts.get(d.supersedes) : undefined;
      if (old && d.supersedes) facts.set(d.supersedes, { ...old, supersededBy: d.factId });
      return { facts };
    }
    case 'FactRetracted': {
      const old = facts.get(event.data.factId);
      if (old) facts.set(event.data.factId, { ...old, retracted: true });
      return { facts };
    }
    default:
      return state;
  }
}

export const factsDecider = { initialState, decide, evolve };
