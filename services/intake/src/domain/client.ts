import type {
  ClientPersonalDetailsRecorded,
  ClientRegistered,
  EventOf,
  LocalDate,
  MunicipalityCode,
} from '@casework/contracts';

export type ClientEvent = EventOf<typeof ClientRegistered> | EventOf<typeof ClientPersonalDetailsRecorded>;

export type Client =
  | { status: 'unknown' }
  | {
      status: 'registered';
      clientId: string;
      identifierKind: 'egn' | 'lnch';
      givenName: string;
      familyName: string;
      birthDate: LocalDate;
      sex: 'male' | 'female' | 'unknown';
      municipality: MunicipalityCode;
      registeredOn: LocalDate;
    };

export type RegisterClient = {
  type: 'RegisterClient';
  clientId: string;
  identifier: { kind: 'egn' | 'lnch'; value: string };
  givenName: string;
  familyName: string;
  birthDate: LocalDate;
  sex: 'male' | 'female' | 'unknown';
  municipality: MunicipalityCode;
  /** The date in Sofia when the command was received: passed in, never read from a clock here. */
  today: LocalDate;
};

export type ClientCommand = RegisterClient;

export class ClientAlreadyRegistered extends Error {
  readonly code = 'CLIENT_ALREADY_REGISTERED';
}

export const initialState: Client = { status: 'unknown' };

export function decide(command: ClientCommand, state: Client): ClientEvent[] {
  switch (command.type) {
    case 'RegisterClient':
      return register(command, state);
    default: {
      const unreachable: never = command.type;
      throw new Error(`unknown command ${unreachable}`);
    }
  }
}

function register(c: RegisterClient, state: Client): ClientEvent[] {
  if (state.status !== 'unknown')
    throw new ClientAlreadyRegistered(`client ${c.clientId} is already registered`);
  return [
    {
      type: 'ClientRegistered',
      data: {
        clientId: c.clientId,
        birthDate: c.birthDate,
        sex: c.sex,
        municipality: c.municipality,
        identifierKind: c.identifier.kind,
        registeredOn: c.today,
      },
    },
    {
      type: 'ClientPersonalDetailsRecorded',
      data: {
        clientId: c.clientId,
        identifier: c.identifier,
        givenName: c.givenName,
        familyName: c.familyName,
      },
    },
  ];
}

export function evolve(state: Client, event: ClientEvent): Client {
  switch (event.type) {
    case 'ClientRegistered':
      return {
        status: 'registered',
        clientId: event.data.clientId,
        identifierKind: event.data.identifierKind,
        givenName: '',
        familyName: '',
        birthDate: event.data.birthDate,
        sex: event.data.sex,
        municipality: event.data.municipality,
        registeredOn: event.data.registeredOn,
      };
    case 'ClientPersonalDetailsRecorded':
      return state.status === 'registered'
        ? { ...state, givenName: event.data.givenName, familyName: event.data.familyName }
        : state;
    default:
      return state;
  }
}
