import { deciderSpec } from '@casework/testkit';
import t from 'tap';
import {
  type ClientCommand,
  type ClientEvent,
  clientDecider,
  decide,
  evolve,
  initialState,
} from '../src/domain/client.js';

const spec = deciderSpec(clientDecider);
const clientId = '01a205f1-7e3c-7e0e-ac7b-3391783819e5';
const otherId = '01a205f1-7e3c-7e0e-ac7b-3391783819e6';
const memberId = '01a205f1-7e3c-7e0e-ac7b-3391783819e7';

const register: ClientCommand = {
  type: 'RegisterClient',
  clientId,
  identifier: { kind: 'egn', value: '8001010008' },
  givenName: 'Иван',
  familyName: 'Тестов',
  birthDate: '1980-01-01',
  sex: 'male',
  municipality: 'BLG01',
  caseNumber: 'BLG01-2026-000001',
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
    caseNumber: 'BLG01-2026-000001',
  },
};
const active = [registered, details];
const died: ClientEvent = { type: 'ClientDied', data: { clientId, diedOn: '2026-11-20' } };
const mergedInto: ClientEvent = {
  type: 'ClientMergedInto',
  data: { clientId, survivorId: otherId, reason: 'registered twice' },
};

t.test('RegisterClient', async (t) => {
  spec(t).given([]).when(register).then(active, 'public facts and private details apart');
  spec(t)
    .given(active)
    .when(register)
    .thenFails('CLIENT_ALREADY_REGISTERED', 'refuses a second registration');
  spec(t)
    .given([])
    .when({ ...register, birthDate: '2026-11-24' })
    .thenFails('IN_FUTURE', 'a birth after today is refused');
  const { identifier: _, ...provisional } = register as Extract<ClientCommand, { type: 'RegisterClient' }>;
  const [event] = decide(provisional, initialState);
  t.match(event, { data: { identifierKind: 'none' } }, 'a provisional record has no identifier');
  const [published] = decide(register, initialState);
  t.notMatch(
    JSON.stringify(published),
    /8001010008|Иван|Тестов|BLG01-2026/,
    'the published event holds no personal data',
  );
});

t.test('CorrectDetails', async (t) => {
  spec(t)
    .given(active)
    .when({
      type: 'CorrectDetails',
      familyName: 'Тестов-Петров',
      reason: 'name changed by marriage',
      today: '2026-11-23',
    })
    .then(
      [
        {
          type: 'ClientPersonalDetailsCorrected',
          data: {
            clientId,
            identifier: { kind: 'egn', value: '8001010008' },
            givenName: 'Иван',
            familyName: 'Тестов-Петров',
            birthDate: '1980-01-01',
            sex: 'male',
            reason: 'name changed by marriage',
          },
        },
      ],
      'a name correction stays internal',
    );
  spec(t)
    .given(active)
    .when({
      type: 'CorrectDetails',
      identifier: { kind: 'egn', value: '8002010004' },
      birthDate: '1980-02-01',
      sex: 'male',
      reason: 'typo in the ЕГН',
      today: '2026-11-23',
    })
    .then(
      [
        {
          type: 'ClientPersonalDetailsCorrected',
          data: {
            clientId,
            identifier: { kind: 'egn', value: '8002010004' },
            givenName: 'Иван',
            familyName: 'Тестов',
            birthDate: '1980-02-01',
            sex: 'male',
            reason: 'typo in the ЕГН',
          },
        },
        {
          type: 'ClientDetailsCorrected',
          data: { clientId, birthDate: '1980-02-01', sex: 'male', identifierKind: 'egn' },
        },
      ],
      'a changed birth date is published for the other services',
    );
  spec(t)
    .given(active)
    .when({ type: 'CorrectDetails', givenName: 'Иван', reason: 'no change at all', today: '2026-11-23' })
    .then([], 'nothing changes, nothing is written');
  spec(t)
    .given([...active, died])
    .when({ type: 'CorrectDetails', givenName: 'Ivan', reason: 'spelling', today: '2026-11-23' })
    .then(
      [
        {
          type: 'ClientPersonalDetailsCorrected',
          data: {
            clientId,
            identifier: { kind: 'egn', value: '8001010008' },
            givenName: 'Ivan',
            familyName: 'Тестов',
            birthDate: '1980-01-01',
            sex: 'male',
            reason: 'spelling',
          },
        },
      ],
      'a deceased client’s record can still be corrected',
    );
  spec(t)
    .given([...active, mergedInto])
    .when({ type: 'CorrectDetails', givenName: 'Ivan', reason: 'spelling', today: '2026-11-23' })
    .thenFails('CLIENT_MERGED');
  spec(t)
    .given([])
    .when({ type: 'CorrectDetails', givenName: 'X', reason: 'x', today: '2026-11-23' })
    .thenFails('CLIENT_NOT_REGISTERED');
  spec(t)
    .given(active)
    .when({ type: 'CorrectDetails', birthDate: '2026-11-24', reason: 'typo', today: '2026-11-23' })
    .thenFails('IN_FUTURE', 'a corrected birth date after today is refused, as at registration');
  spec(t)
    .given([...active, died])
    .when({ type: 'CorrectDetails', birthDate: '2026-11-21', reason: 'typo', today: '2026-11-23' })
    .thenFails('AFTER_DEATH', 'nor one after the recorded death');
});

t.test('contact details and addresses', async (t) => {
  spec(t)
    .given(active)
    .when({ type: 'RecordContactDetails', phone: '+359 888 000 000' })
    .then([{ type: 'ContactDetailsRecorded', data: { clientId, phone: '+359 888 000 000' } }]);
  const address = {
    kind: 'current',
    municipality: 'BLG01',
    settlement: 'Банско',
    line: 'ул. Примерна 1',
    validFrom: '2026-01-01',
  } as const;
  spec(t)
    .given(active)
    .when({ type: 'RecordAddress', ...address })
    .then(
      [
        {
          type: 'ResidenceRecorded',
          data: { clientId, kind: 'current', municipality: 'BLG01', validFrom: '2026-01-01' },
        },
        { type: 'AddressRecorded', data: { clientId, ...address } },
      ],
      'the municipality is published, the address lines are not',
    );
  spec(t)
    .given(active)
    .when({ type: 'RecordAddress', ...address, validFrom: '1979-12-31' })
    .thenFails('BEFORE_BIRTH');
  spec(t)
    .given([...active, died])
    .when({ type: 'RecordContactDetails', phone: '1' })
    .thenFails('CLIENT_DECEASED');
});

t.test('RecordMove', async (t) => {
  spec(t)
    .given(active)
    .when({ type: 'RecordMove', to: 'MON29', movedOn: '2026-11-01' })
    .then([{ type: 'ClientMoved', data: { clientId, from: 'BLG01', to: 'MON29', movedOn: '2026-11-01' } }]);
  spec(t)
    .given(active)
    .when({ type: 'RecordMove', to: 'BLG01', movedOn: '2026-11-01' })
    .thenFails('SAME_MUNICIPALITY');
  const moved = [
    ...active,
    ...decide(
      { type: 'RecordMove', to: 'MON29', movedOn: '2026-11-01' },
      active.reduce(evolve, initialState),
    ),
  ];
  t.match(
    moved.reduce(evolve, initialState),
    { municipality: 'MON29' },
    'the new municipality owns the case',
  );
});

t.test('RecordDeath', async (t) => {
  spec(t).given(active).when({ type: 'RecordDeath', diedOn: '2026-11-20', today: '2026-11-23' }).then([died]);
  spec(t)
    .given(active)
    .when({ type: 'RecordDeath', diedOn: '2026-11-24', today: '2026-11-23' })
    .thenFails('IN_FUTURE');
  spec(t)
    .given(active)
    .when({ type: 'RecordDeath', diedOn: '1979-01-01', today: '2026-11-23' })
    .thenFails('BEFORE_BIRTH');
  spec(t)
    .given([...active, died])
    .when({ type: 'RecordDeath', diedOn: '2026-11-20', today: '2026-11-23' })
    .thenFails('ALREADY_DECEASED');
});

t.test('AssignCaseManager', async (t) => {
  const first: ClientEvent = {
    type: 'CaseManagerAssigned',
    data: { clientId, caseManager: 'cm-1', since: '2026-11-23' },
  };
  spec(t)
    .given(active)
    .when({ type: 'AssignCaseManager', caseManager: 'cm-1', since: '2026-11-23' })
    .then([first]);
  spec(t)
    .given([...active, first])
    .when({ type: 'AssignCaseManager', caseManager: 'cm-2', since: '2026-12-01' })
    .then(
      [
        {
          type: 'CaseManagerAssigned',
          data: { clientId, caseManager: 'cm-2', previous: 'cm-1', since: '2026-12-01' },
        },
      ],
      'a reassignment names the previous case manager',
    );
  spec(t)
    .given([...active, first])
    .when({ type: 'AssignCaseManager', caseManager: 'cm-1', since: '2026-12-01' })
    .then([], 'the same case manager again changes nothing');
});

t.test('household members', async (t) => {
  const add = {
    type: 'AddHouseholdMember',
    memberId,
    relation: 'spouse',
    givenName: 'Мария',
    familyName: 'Тестова',
    from: '2026-01-01',
  } as const;
  const added: ClientEvent[] = [
    { type: 'HouseholdMemberAdded', data: { clientId, memberId, relation: 'spouse', from: '2026-01-01' } },
    {
      type: 'HouseholdMemberDetailsRecorded',
      data: { clientId, memberId, givenName: 'Мария', familyName: 'Тестова' },
    },
  ];
  spec(t).given(active).when(add).then(added, 'the name stays internal');
  spec(t)
    .given([...active, ...added])
    .when(add)
    .then([], 'the same member twice is recorded once');
  spec(t)
    .given(active)
    .when({ ...add, memberClientId: clientId })
    .thenFails('MEMBER_IS_CLIENT');
  spec(t)
    .given([...active, ...added])
    .when({ type: 'RecordMemberLeft', memberId, from: '2026-11-01' })
    .then([{ type: 'HouseholdMemberLeft', data: { clientId, memberId, from: '2026-11-01' } }]);
  spec(t)
    .given([...active, ...added])
    .when({ type: 'RecordMemberLeft', memberId, from: '2025-12-31' })
    .thenFails('BEFORE_JOINING');
  spec(t)
    .given(active)
    .when({ type: 'RecordMemberLeft', memberId, from: '2026-11-01' })
    .thenFails('MEMBER_NOT_FOUND');
});

t.test('merge and unmerge', async (t) => {
  const merged: ClientEvent = {
    type: 'ClientsMerged',
    data: { survivorId: clientId, mergedId: otherId, mergedOn: '2026-11-23' },
  };
  spec(t)
    .given(active)
    .when({ type: 'AbsorbDuplicate', mergedId: otherId, today: '2026-11-23' })
    .then([merged]);
  spec(t)
    .given(active)
    .when({ type: 'AbsorbDuplicate', mergedId: clientId, today: '2026-11-23' })
    .thenFails('MERGE_WITH_ITSELF');
  spec(t)
    .given(active)
    .when({ type: 'MergeInto', survivorId: otherId, reason: 'registered twice' })
    .then([mergedInto]);
  spec(t)
    .given([...active, merged])
    .when({ type: 'MergeInto', survivorId: otherId, reason: 'x' })
    .thenFails('MERGE_CHAIN', 'a survivor is not merged into a third record');
  spec(t)
    .given([...active, mergedInto])
    .when({ type: 'RecordContactDetails', phone: '1' })
    .thenFails('CLIENT_MERGED', 'a merged record takes no changes');
  spec(t)
    .given([...active, merged])
    .when({ type: 'ReleaseMerged', mergedId: otherId, today: '2026-11-24' })
    .then([
      {
        type: 'ClientsUnmerged',
        data: { survivorId: clientId, mergedId: otherId, unmergedOn: '2026-11-24' },
      },
    ]);
  spec(t)
    .given(active)
    .when({ type: 'ReleaseMerged', mergedId: otherId, today: '2026-11-24' })
    .thenFails('NOT_MERGED');
  const undone: ClientEvent = {
    type: 'ClientMergeUndone',
    data: { clientId, survivorId: otherId, reason: 'twins' },
  };
  spec(t)
    .given([...active, mergedInto])
    .when({ type: 'UndoMerge', survivorId: otherId, reason: 'twins' })
    .then([undone]);
  t.match(
    [...active, mergedInto, undone].reduce(evolve, initialState),
    { status: 'active' },
    'unmerged: active again',
  );
  t.notOk(
    'mergedInto' in ([...active, mergedInto, undone].reduce(evolve, initialState) as object),
    'and no longer points anywhere',
  );
  t.match(
    [...active, died, mergedInto, undone].reduce(evolve, initialState),
    { status: 'deceased' },
    'a death stays',
  );
});
