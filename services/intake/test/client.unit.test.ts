import { deciderSpec } from '@casework/testkit';
import t from 'tap';
import {
  ClientAlreadyRegistered,
  type ClientCommand,
  type ClientEvent,
  decide,
  evolve,
  initialState,
} from '../src/domain/client.js';

const spec = deciderSpec({ decide, evolve, initialState });
const clientId = '01a205f1-7e3c-7e0e-ac7b-3391783819e5';

const register: ClientCommand = {
  type: 'RegisterClient',
  clientId,
  identifier: { kind: 'egn', value: '8001010008' },
  givenName: 'Иван',
  familyName: 'Тестов',
  birthDate: '1980-01-01',
  sex: 'male',
  municipality: 'BLG01',
  today: '2026-11-23',
};

const registered: ClientEvent = {
  type: 'ClientRegistered',
  data: {
    clientId,
    birthDate: '1980-01-01',
    sex: 'male',
    municipality: 'BLG01',
    identifierKind: 'egn',
    registeredOn: '2026-11-23',
  },
};
const details: ClientEvent = {
  type: 'ClientPersonalDetailsRecorded',
  data: {
    clientId,
    identifier: { kind: 'egn', value: '8001010008' },
    givenName: 'Иван',
    familyName: 'Тестов',
  },
};

t.test('when nobody is registered', async (t) => {
  spec(t)
    .given([])
    .when(register)
    .then([registered, details], 'registers: public facts and private details apart');
});

t.test('when the client is registered', async (t) => {
  spec(t)
    .given([registered, details])
    .when(register)
    .thenThrows(ClientAlreadyRegistered, 'refuses a second registration');
  t.match([registered, details].reduce(evolve, initialState), {
    status: 'registered',
    givenName: 'Иван',
    municipality: 'BLG01',
  });
});

t.test('the published event never holds personal data', async (t) => {
  const [published] = decide(register, initialState);
  t.notMatch(JSON.stringify(published), /8001010008|Иван|Тестов/);
});
