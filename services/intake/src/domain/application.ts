import {
  type ApplicationClosed,
  type ApplicationSubmitted,
  type ApplicationWithdrawn,
  addDays,
  breaksRule,
  conflictWith,
  type DocumentAttached,
  type EventOf,
  type LocalDate,
  type ReferralRecorded,
} from '@casework/contracts';

export type ApplicationEvent =
  | EventOf<typeof ApplicationSubmitted>
  | EventOf<typeof DocumentAttached>
  | EventOf<typeof ReferralRecorded>
  | EventOf<typeof ApplicationWithdrawn>
  | EventOf<typeof ApplicationClosed>;

type Submitted = EventOf<typeof ApplicationSubmitted>['data'];
type Document = Omit<EventOf<typeof DocumentAttached>['data'], 'applicationId'>;
type Referral = Omit<EventOf<typeof ReferralRecorded>['data'], 'applicationId' | 'clientId' | 'serviceType'>;
type Outcome = EventOf<typeof ApplicationClosed>['data']['outcome'];

export type Application =
  | { status: 'unknown' }
  | (Submitted & {
      status: 'open' | 'withdrawn' | 'closed';
      documents: Document[];
      referral?: Referral;
      endedOn?: LocalDate;
      outcome?: Outcome;
    });

export type ApplicationCommand =
  | (Omit<Submitted, 'assessmentDueBy'> & {
      type: 'SubmitApplication';
      /** From the intake parameters in force (versioned data), looked up by the handler. */
      assessmentDeadlineDays: number;
    })
  | ({ type: 'AttachDocument' } & Document)
  | ({
      type: 'RecordReferral';
      /** Who the catalogue says issues this service's referral. */
      reservedTo: 'municipality' | 'directorate';
    } & Referral)
  | { type: 'Withdraw'; withdrawnOn: LocalDate }
  | { type: 'Close'; closedOn: LocalDate; outcome: Outcome };

export const initialState: Application = { status: 'unknown' };

function open(state: Application) {
  if (state.status === 'unknown') throw conflictWith('APPLICATION_NOT_FOUND', 'no such application');
  if (state.status !== 'open')
    throw conflictWith('APPLICATION_ENDED', `the application was ${state.status} on ${state.endedOn}`);
  return state;
}

export function decide(command: ApplicationCommand, state: Application): ApplicationEvent[] {
  switch (command.type) {
    case 'SubmitApplication': {
      if (state.status !== 'unknown') return [];
      const { type: _, assessmentDeadlineDays, ...submitted } = command;
      return [
        {
          type: 'ApplicationSubmitted',
          data: { ...submitted, assessmentDueBy: addDays(command.submittedOn, assessmentDeadlineDays) },
        },
      ];
    }
    case 'AttachDocument': {
      const a = open(state);
      if (a.documents.some((d) => d.documentId === command.documentId)) return [];
      const { type: _, ...document } = command;
      return [{ type: 'DocumentAttached', data: { applicationId: a.applicationId, ...document } }];
    }
    case 'RecordReferral': {
      const a = open(state);
      if (a.referral)
        throw conflictWith('REFERRAL_ALREADY_RECORDED', `referral ${a.referral.referralNumber} is on record`);
      if (command.reservedTo === 'directorate' && command.issuer !== 'directorate')
        throw breaksRule(
          'REFERRAL_RESERVED_TO_DIRECTORATE',
          `the law reserves the referral for ${a.serviceType} to the Directorate`,
        );
      if (command.issuer === 'municipality' && command.issuedBy !== a.municipality)
        throw breaksRule('REFERRAL_FROM_OTHER_MUNICIPALITY', `the referral must come from ${a.municipality}`);
      const { type: _, reservedTo: __, ...referral } = command;
      return [
        {
          type: 'ReferralRecorded',
          data: {
            applicationId: a.applicationId,
            clientId: a.clientId,
            serviceType: a.serviceType,
            ...referral,
          },
        },
      ];
    }
    case 'Withdraw': {
      const a = open(state);
      if (command.withdrawnOn < a.submittedOn)
        throw breaksRule('BEFORE_SUBMISSION', `submitted on ${a.submittedOn}`);
      return [
        {
          type: 'ApplicationWithdrawn',
          data: { applicationId: a.applicationId, clientId: a.clientId, withdrawnOn: command.withdrawnOn },
        },
      ];
    }
    case 'Close': {
      const a = open(state);
      if (command.closedOn < a.submittedOn)
        throw breaksRule('BEFORE_SUBMISSION', `submitted on ${a.submittedOn}`);
      return [
        {
          type: 'ApplicationClosed',
          data: {
            applicationId: a.applicationId,
            clientId: a.clientId,
            closedOn: command.closedOn,
            outcome: command.outcome,
          },
        },
      ];
    }
    default: {
      const unreachable: never = command;
      throw new Error(`unknown command ${(unreachable as { type: string }).type}`);
    }
  }
}

export function evolve(state: Application, event: ApplicationEvent): Application {
  if (event.type === 'ApplicationSubmitted') return { ...event.data, status: 'open', documents: [] };
  if (state.status === 'unknown') return state;
  switch (event.type) {
    case 'DocumentAttached': {
      const { applicationId: _, ...document } = event.data;
      return { ...state, documents: [...state.documents, document] };
    }
    case 'ReferralRecorded': {
      const { applicationId: _, clientId: __, serviceType: ___, ...referral } = event.data;
      return { ...state, referral };
    }
    case 'ApplicationWithdrawn':
      return { ...state, status: 'withdrawn', endedOn: event.data.withdrawnOn };
    case 'ApplicationClosed':
      return { ...state, status: 'closed', endedOn: event.data.closedOn, outcome: event.data.outcome };
    default:
      return state;
  }
}

export const applicationDecider = { initialState, decide, evolve };
