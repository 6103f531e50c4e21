import { deciderSpec } from '@casework/testkit';
import t from 'tap';
import { type ApplicationEvent, applicationDecider } from '../src/domain/application.js';
import { slotDecider } from '../src/domain/applicationSlot.js';
import { claimDecider } from '../src/domain/identifierClaim.js';

const spec = deciderSpec(applicationDecider);
const applicationId = '01a205f1-0000-7000-8000-0000000000a1';
const clientId = '01a205f1-7e3c-7e0e-ac7b-3391783819e5';
const submitted: ApplicationEvent = {
  type: 'ApplicationSubmitted',
  data: {
    applicationId,
    clientId,
    serviceType: 'protected_housing',
    municipality: 'BLG01',
    submittedOn: '2026-11-23',
    assessmentDueBy: '2026-12-13',
    referralRequired: true,
  },
};
const withdrawn: ApplicationEvent = {
  type: 'ApplicationWithdrawn',
  data: { applicationId, clientId, withdrawnOn: '2026-11-30' },
};

t.test('SubmitApplication sets the assessment deadline from the parameter it is given', async (t) => {
  spec(t)
    .given([])
    .when({
      type: 'SubmitApplication',
      applicationId,
      clientId,
      serviceType: 'protected_housing',
      municipality: 'BLG01',
      submittedOn: '2026-11-23',
      referralRequired: true,
      assessmentDeadlineDays: 20,
    })
    .then([submitted]);
});

t.test('documents and referrals', async (t) => {
  const documentId = '01a205f1-0000-7000-8000-0000000000d1';
  const attach = {
    type: 'AttachDocument',
    documentId,
    kind: 'medical_expert_decision',
    issuedOn: '2026-03-10',
  } as const;
  const attached: ApplicationEvent = {
    type: 'DocumentAttached',
    data: { applicationId, documentId, kind: 'medical_expert_decision', issuedOn: '2026-03-10' },
  };
  spec(t).given([submitted]).when(attach).then([attached]);
  spec(t).given([submitted, attached]).when(attach).then([], 'the same document once');
  spec(t).given([submitted, withdrawn]).when(attach).thenFails('APPLICATION_ENDED');
  const referral = {
    type: 'RecordReferral',
    reservedTo: 'municipality',
    issuer: 'municipality',
    issuedBy: 'BLG01',
    referralNumber: 'НС-17',
    issuedOn: '2026-11-25',
  } as const;
  const recorded: ApplicationEvent = {
    type: 'ReferralRecorded',
    data: {
      applicationId,
      clientId,
      serviceType: 'protected_housing',
      issuer: 'municipality',
      issuedBy: 'BLG01',
      referralNumber: 'НС-17',
      issuedOn: '2026-11-25',
    },
  };
  spec(t).given([submitted]).when(referral).then([recorded]);
  spec(t).given([submitted, recorded]).when(referral).thenFails('REFERRAL_ALREADY_RECORDED');
  spec(t)
    .given([submitted])
    .when({ ...referral, issuedBy: 'MON29' })
    .thenFails('REFERRAL_FROM_OTHER_MUNICIPALITY');
  spec(t)
    .given([submitted])
    .when({ ...referral, reservedTo: 'directorate' })
    .thenFails('REFERRAL_RESERVED_TO_DIRECTORATE', 'where the law reserves it, only the Directorate refers');
  spec(t)
    .given([submitted])
    .when({ ...referral, reservedTo: 'directorate', issuer: 'directorate', issuedBy: 'BG-01' })
    .then([
      {
        ...recorded,
        data: { ...recorded.data, issuer: 'directorate', issuedBy: 'BG-01' },
      } as ApplicationEvent,
    ]);
});

t.test('withdraw and close end an open application once', async (t) => {
  spec(t).given([submitted]).when({ type: 'Withdraw', withdrawnOn: '2026-11-30' }).then([withdrawn]);
  spec(t)
    .given([submitted])
    .when({ type: 'Withdraw', withdrawnOn: '2026-11-22' })
    .thenFails('BEFORE_SUBMISSION');
  spec(t)
    .given([submitted, withdrawn])
    .when({ type: 'Withdraw', withdrawnOn: '2026-12-01' })
    .thenFails('APPLICATION_ENDED');
  spec(t)
    .given([submitted])
    .when({ type: 'Close', closedOn: '2026-12-15', outcome: 'served' })
    .then([
      {
        type: 'ApplicationClosed',
        data: { applicationId, clientId, closedOn: '2026-12-15', outcome: 'served' },
      },
    ]);
  spec(t)
    .given([])
    .when({ type: 'Close', closedOn: '2026-12-15', outcome: 'served' })
    .thenFails('APPLICATION_NOT_FOUND');
});

t.test('one open application per client and service type', async (t) => {
  const slot = deciderSpec(slotDecider);
  const other = '01a205f1-0000-7000-8000-0000000000a2';
  const taken = { type: 'ApplicationSlotTaken', data: { applicationId } } as const;
  slot(t).given([]).when({ type: 'Take', applicationId }).then([taken]);
  slot(t).given([taken]).when({ type: 'Take', applicationId: other }).thenFails('APPLICATION_ALREADY_OPEN');
  slot(t)
    .given([taken])
    .when({ type: 'Free', applicationId })
    .then([{ type: 'ApplicationSlotFreed', data: { applicationId } }]);
  slot(t)
    .given([taken, { type: 'ApplicationSlotFreed', data: { applicationId } }])
    .when({ type: 'Take', applicationId: other })
    .then(
      [{ type: 'ApplicationSlotTaken', data: { applicationId: other } }],
      'free again once the first ended',
    );
  slot(t)
    .given([taken])
    .when({ type: 'Free', applicationId: other })
    .then([], 'another application frees nothing');
});

t.test('one client per personal identifier', async (t) => {
  const claim = deciderSpec(claimDecider);
  const other = '01a205f1-7e3c-7e0e-ac7b-3391783819e6';
  const claimed = { type: 'IdentifierClaimed', data: { clientId } } as const;
  claim(t).given([]).when({ type: 'Claim', clientId }).then([claimed]);
  claim(t).given([claimed]).when({ type: 'Claim', clientId: other }).thenFails('CLIENT_ALREADY_REGISTERED');
  claim(t)
    .given([claimed])
    .when({ type: 'Release', clientId })
    .then([{ type: 'IdentifierReleased', data: { clientId } }]);
  claim(t)
    .given([claimed, { type: 'IdentifierReleased', data: { clientId } }])
    .when({ type: 'Claim', clientId: other })
    .then([{ type: 'IdentifierClaimed', data: { clientId: other } }]);
});
