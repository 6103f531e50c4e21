import {
  type AddressRecorded,
  breaksRule,
  type CaseManagerAssigned,
  type ClientDetailsCorrected,
  type ClientDied,
  type ClientMergedInto,
  type ClientMergeUndone,
  type ClientMoved,
  type ClientPersonalDetailsCorrected,
  type ClientPersonalDetailsRecorded,
  type ClientRegistered,
  type ClientsMerged,
  type ClientsUnmerged,
  type ContactDetailsRecorded,
  conflictWith,
  type EventOf,
  type HouseholdMemberAdded,
  type HouseholdMemberDetailsRecorded,
  type HouseholdMemberLeft,
  type LocalDate,
  type MunicipalityCode,
  type ResidenceRecorded,
} from '@casework/contracts';

export type ClientEvent =
  | EventOf<typeof ClientRegistered>
  | EventOf<typeof ClientPersonalDetailsRecorded>
  | EventOf<typeof ClientDetailsCorrected>
  | EventOf<typeof ClientPersonalDetailsCorrected>
  | EventOf<typeof ContactDetailsRecorded>
  | EventOf<typeof ResidenceRecorded>
  | EventOf<typeof AddressRecorded>
  | EventOf<typeof ClientMoved>
  | EventOf<typeof ClientDied>
  | EventOf<typeof CaseManagerAssigned>
  | EventOf<typeof ClientsMerged>
  | EventOf<typeof ClientMergedInto>
  | EventOf<typeof ClientsUnmerged>
  | EventOf<typeof ClientMergeUndone>
  | EventOf<typeof HouseholdMemberAdded>
  | EventOf<typeof HouseholdMemberDetailsRecorded>
  | EventOf<typeof HouseholdMemberLeft>;

type Identifier = { kind: 'egn' | 'lnch'; value: string };
type Sex = 'male' | 'female' | 'unknown';
export type Address = EventOf<typeof AddressRecorded>['data'];
export type Member = {
  memberId: string;
  relation: EventOf<typeof HouseholdMemberAdded>['data']['relation'];
  givenName: string;
  familyName: string;
  birthDate?: LocalDate;
  memberClientId?: string;
  from: LocalDate;
  leftOn?: LocalDate;
};

export type Registered = {
  status: 'active' | 'deceased' | 'merged';
  clientId: string;
  caseNumber?: string;
  identifier?: Identifier;
  givenName: string;
  familyName: string;
  birthDate: LocalDate;
  sex: Sex;
  municipality: MunicipalityCode;
  registeredOn: LocalDate;
  diedOn?: LocalDate;
  mergedInto?: string;
  mergedClients: string[];
  contact?: { phone?: string; email?: string };
  /** Every address ever recorded, oldest first (the record shows the latest of each kind). */
  addresses: Address[];
  caseManager?: string;
  household: Member[];
};
export type Client = { status: 'unknown' } | Registered;

type Details = { givenName: string; familyName: string; birthDate: LocalDate; sex: Sex };

export type ClientCommand =
  | ({
      type: 'RegisterClient';
      clientId: string;
      identifier?: Identifier;
      municipality: MunicipalityCode;
      caseNumber: string;
      /** The date in Sofia when the command was received: passed in, never read from a clock here. */
      today: LocalDate;
    } & Details)
  | ({ type: 'CorrectDetails'; identifier?: Identifier; reason: string; today: LocalDate } & Partial<Details>)
  | { type: 'RecordContactDetails'; phone?: string; email?: string }
  | ({ type: 'RecordAddress' } & Omit<Address, 'clientId'>)
  | { type: 'RecordMove'; to: MunicipalityCode; movedOn: LocalDate }
  | { type: 'RecordDeath'; diedOn: LocalDate; today: LocalDate }
  | { type: 'AssignCaseManager'; caseManager: string; since: LocalDate }
  | ({ type: 'AddHouseholdMember' } & Omit<Member, 'leftOn'>)
  | { type: 'RecordMemberLeft'; memberId: string; from: LocalDate }
  | { type: 'AbsorbDuplicate'; mergedId: string; today: LocalDate }
  | { type: 'MergeInto'; survivorId: string; reason: string }
  | { type: 'ReleaseMerged'; mergedId: string; today: LocalDate }
  | { type: 'UndoMerge'; survivorId: string; reason: string };

export const initialState: Client = { status: 'unknown' };

const notRegistered = () => conflictWith('CLIENT_NOT_REGISTERED', 'no client is registered under this id');

/** The client as a registered, living, unmerged record, else the refusal that says why not. */
export function active(state: Client): Registered {
  if (state.status === 'unknown') throw notRegistered();
  if (state.status === 'merged')
    throw conflictWith('CLIENT_MERGED', 'this record was merged into another; change the surviving record', {
      survivor: { clientId: state.mergedInto, href: `/v1/clients/${state.mergedInto}` },
    });
  if (state.status === 'deceased')
    throw breaksRule('CLIENT_DECEASED', `the client died on ${state.diedOn}; only corrections are possible`);
  return state;
}

export function decide(command: ClientCommand, state: Client): ClientEvent[] {
  switch (command.type) {
    case 'RegisterClient':
      return register(command, state);
    case 'CorrectDetails':
      return correct(command, state);
    case 'RecordContactDetails': {
      const c = active(state);
      const { type: _, ...contact } = command;
      return [{ type: 'ContactDetailsRecorded', data: { clientId: c.clientId, ...contact } }];
    }
    case 'RecordAddress': {
      const c = active(state);
      const { type: _, ...address } = command;
      if (address.validFrom < c.birthDate)
        throw breaksRule('BEFORE_BIRTH', 'validFrom is before the birth date');
      return [
        {
          type: 'ResidenceRecorded',
          data: {
            clientId: c.clientId,
            kind: address.kind,
            municipality: address.municipality,
            validFrom: address.validFrom,
          },
        },
        { type: 'AddressRecorded', data: { clientId: c.clientId, ...address } },
      ];
    }
    case 'RecordMove': {
      const c = active(state);
      if (command.to === c.municipality)
        throw breaksRule('SAME_MUNICIPALITY', `the client already belongs to ${command.to}`);
      return [
        {
          type: 'ClientMoved',
          data: { clientId: c.clientId, from: c.municipality, to: command.to, movedOn: command.movedOn },
        },
      ];
    }
    case 'RecordDeath': {
      if (state.status === 'deceased')
        throw conflictWith('ALREADY_DECEASED', `the death was recorded on ${state.diedOn}`);
      const c = active(state);
      if (command.diedOn < c.birthDate) throw breaksRule('BEFORE_BIRTH', 'diedOn is before the birth date');
      if (command.diedOn > command.today) throw breaksRule('IN_FUTURE', 'diedOn is in the future');
      return [{ type: 'ClientDied', data: { clientId: c.clientId, diedOn: command.diedOn } }];
    }
    case 'AssignCaseManager': {
      const c = active(state);
      if (c.caseManager === command.caseManager) return [];
      return [
        {
          type: 'CaseManagerAssigned',
          data: {
            clientId: c.clientId,
            caseManager: command.caseManager,
            ...(c.caseManager ? { previous: c.caseManager } : {}),
            since: command.since,
          },
        },
      ];
    }
    case 'AddHouseholdMember':
      return addMember(command, active(state));
    case 'RecordMemberLeft': {
      const c = active(state);
      const m = c.household.find((x) => x.memberId === command.memberId && !x.leftOn);
      if (!m) throw conflictWith('MEMBER_NOT_FOUND', 'no current household member has this id');
      if (command.from <= m.from) throw breaksRule('BEFORE_JOINING', `the member joined on ${m.from}`);
      return [
        {
          type: 'HouseholdMemberLeft',
          data: { clientId: c.clientId, memberId: m.memberId, from: command.from },
        },
      ];
    }
    case 'AbsorbDuplicate': {
      const c = active(state);
      if (command.mergedId === c.clientId)
        throw breaksRule('MERGE_WITH_ITSELF', 'a record cannot absorb itself');
      if (c.mergedClients.includes(command.mergedId)) return [];
      return [
        {
          type: 'ClientsMerged',
          data: { survivorId: c.clientId, mergedId: command.mergedId, mergedOn: command.today },
        },
      ];
    }
    case 'MergeInto': {
      const c = active(state);
      if (c.mergedClients.length > 0)
        throw breaksRule(
          'MERGE_CHAIN',
          'this record absorbed others; unmerge them first or keep it as survivor',
        );
      return [
        {
          type: 'ClientMergedInto',
          data: { clientId: c.clientId, survivorId: command.survivorId, reason: command.reason },
        },
      ];
    }
    case 'ReleaseMerged': {
      if (state.status === 'unknown') throw notRegistered();
      if (!state.mergedClients.includes(command.mergedId))
        throw conflictWith('NOT_MERGED', 'that record is not merged into this one');
      return [
        {
          type: 'ClientsUnmerged',
          data: { survivorId: state.clientId, mergedId: command.mergedId, unmergedOn: command.today },
        },
      ];
    }
    case 'UndoMerge': {
      if (state.status === 'unknown') throw notRegistered();
      if (state.mergedInto !== command.survivorId)
        throw conflictWith('NOT_MERGED', 'this record is not merged into that one');
      return [
        {
          type: 'ClientMergeUndone',
          data: { clientId: state.clientId, survivorId: command.survivorId, reason: command.reason },
        },
      ];
    }
    default: {
      const unreachable: never = command;
      throw new Error(`unknown command ${(unreachable as { type: string }).type}`);
    }
  }
}

function register(c: Extract<ClientCommand, { type: 'RegisterClient' }>, state: Client): ClientEvent[] {
  if (state.status !== 'unknown')
    throw conflictWith('CLIENT_ALREADY_REGISTERED', `client ${c.clientId} is already registered`);
  if (c.birthDate > c.today) throw breaksRule('IN_FUTURE', 'the birth date is in the future');
  return [
    {
      type: 'ClientRegistered',
      data: {
        clientId: c.clientId,
        birthDate: c.birthDate,
        sex: c.sex,
        municipality: c.municipality,
        identifierKind: c.identifier?.kind ?? 'none',
        registeredOn: c.today,
      },
    },
    {
      type: 'ClientPersonalDetailsRecorded',
      data: {
        clientId: c.clientId,
        ...(c.identifier ? { identifier: c.identifier } : {}),
        givenName: c.givenName,
        familyName: c.familyName,
        caseNumber: c.caseNumber,
      },
    },
  ];
}

function correct(c: Extract<ClientCommand, { type: 'CorrectDetails' }>, state: Client): ClientEvent[] {
  if (state.status === 'unknown') throw notRegistered();
  if (state.status === 'merged') active(state);
  const next = {
    identifier: c.identifier ?? state.identifier,
    givenName: c.givenName ?? state.givenName,
    familyName: c.familyName ?? state.familyName,
    birthDate: c.birthDate ?? state.birthDate,
    sex: c.sex ?? state.sex,
  };
  // the rules a registration's birth date obeys hold for a corrected one too
  if (next.birthDate > c.today) throw breaksRule('IN_FUTURE', 'the birth date is in the future');
  if (state.diedOn !== undefined && next.birthDate > state.diedOn)
    throw breaksRule('AFTER_DEATH', `the birth date is after the recorded death (${state.diedOn})`);
  const sameIdentifier =
    next.identifier?.kind === state.identifier?.kind && next.identifier?.value === state.identifier?.value;
  const sameShared = next.birthDate === state.birthDate && next.sex === state.sex;
  if (
    sameIdentifier &&
    sameShared &&
    next.givenName === state.givenName &&
    next.familyName === state.familyName
  )
    return [];
  const events: ClientEvent[] = [
    {
      type: 'ClientPersonalDetailsCorrected',
      data: {
        clientId: state.clientId,
        ...(next.identifier ? { identifier: next.identifier } : {}),
        givenName: next.givenName,
        familyName: next.familyName,
        birthDate: next.birthDate,
        sex: next.sex,
        reason: c.reason,
      },
    },
  ];
  if (!sameShared || next.identifier?.kind !== state.identifier?.kind) {
    events.push({
      type: 'ClientDetailsCorrected',
      data: {
        clientId: state.clientId,
        birthDate: next.birthDate,
        sex: next.sex,
        identifierKind: next.identifier?.kind ?? 'none',
      },
    });
  }
  return events;
}

function addMember(
  c: Extract<ClientCommand, { type: 'AddHouseholdMember' }>,
  state: Registered,
): ClientEvent[] {
  if (c.memberClientId === state.clientId)
    throw breaksRule('MEMBER_IS_CLIENT', 'the client is not a member of their own household');
  if (state.household.some((m) => m.memberId === c.memberId)) return [];
  if (c.memberClientId && state.household.some((m) => m.memberClientId === c.memberClientId && !m.leftOn))
    throw conflictWith('ALREADY_MEMBER', 'this client is already a member of the household');
  return [
    {
      type: 'HouseholdMemberAdded',
      data: {
        clientId: state.clientId,
        memberId: c.memberId,
        relation: c.relation,
        ...(c.birthDate ? { birthDate: c.birthDate } : {}),
        ...(c.memberClientId ? { memberClientId: c.memberClientId } : {}),
        from: c.from,
      },
    },
    {
      type: 'HouseholdMemberDetailsRecorded',
      data: {
        clientId: state.clientId,
        memberId: c.memberId,
        givenName: c.givenName,
        familyName: c.familyName,
      },
    },
  ];
}

export function evolve(state: Client, event: ClientEvent): Client {
  if (event.type === 'ClientRegistered') {
    const d = event.data;
    return {
      status: 'active',
      clientId: d.clientId,
      givenName: '',
      familyName: '',
      birthDate: d.birthDate,
      sex: d.sex,
      municipality: d.municipality,
      registeredOn: d.registeredOn,
      mergedClients: [],
      addresses: [],
      household: [],
    };
  }
  if (state.status === 'unknown') return state;
  switch (event.type) {
    case 'ClientPersonalDetailsRecorded': {
      const { clientId: _, ...details } = event.data;
      return { ...state, ...details };
    }
    case 'ClientPersonalDetailsCorrected': {
      const { clientId: _, reason: __, ...details } = event.data;
      return { ...state, ...details };
    }
    case 'ContactDetailsRecorded':
      return {
        ...state,
        contact: {
          ...(event.data.phone ? { phone: event.data.phone } : {}),
          ...(event.data.email ? { email: event.data.email } : {}),
        },
      };
    case 'AddressRecorded':
      return { ...state, addresses: [...state.addresses, event.data] };
    case 'ClientMoved':
      return { ...state, municipality: event.data.to };
    case 'ClientDied':
      return { ...state, status: 'deceased', diedOn: event.data.diedOn };
    case 'CaseManagerAssigned':
      return { ...state, caseManager: event.data.caseManager };
    case 'HouseholdMemberAdded': {
      const { clientId: _, ...m } = event.data;
      return { ...state, household: [...state.household, { ...m, givenName: '', familyName: '' }] };
    }
    case 'HouseholdMemberDetailsRecorded':
      return {
        ...state,
        household: state.household.map((m) =>
          m.memberId === event.data.memberId
            ? { ...m, givenName: event.data.givenName, familyName: event.data.familyName }
            : m,
        ),
      };
    case 'HouseholdMemberLeft':
      return {
        ...state,
        household: state.household.map((m) =>
          m.memberId === event.data.memberId ? { ...m, leftOn: event.data.from } : m,
        ),
      };
    case 'ClientsMerged':
      return { ...state, mergedClients: [...state.mergedClients, event.data.mergedId] };
    case 'ClientsUnmerged':
      return { ...state, mergedClients: state.mergedClients.filter((id) => id !== event.data.mergedId) };
    case 'ClientMergedInto':
      return { ...state, status: 'merged', mergedInto: event.data.survivorId };
    case 'ClientMergeUndone': {
      const { mergedInto: _, ...rest } = state;
      return { ...rest, status: rest.diedOn ? 'deceased' : 'active' };
    }
    default:
      return state;
  }
}

export const clientDecider = { initialState, decide, evolve };
