import { deciderSpec } from '@casework/testkit';
import t from 'tap';
import { type FactEvent, factsDecider } from '../src/domain/facts.js';

const spec = deciderSpec(factsDecider);
const clientId = '01a205f1-7e3c-7e0e-ac7b-3391783819e5';
const f1 = '01a205f1-0000-7000-8000-0000000000f1';
const f2 = '01a205f1-0000-7000-8000-0000000000f2';
const f3 = '01a205f1-0000-7000-8000-0000000000f3';
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' as const });

const income: FactEvent = {
  type: 'IncomeDeclared',
  data: { clientId, factId: f1, validFrom: '2026-01-01', source: 'pension', monthlyAmount: eur(30_000) },
};

t.test('DeclareIncome', async (t) => {
  const declare = {
    type: 'DeclareIncome',
    clientId,
    factId: f1,
    validFrom: '2026-01-01',
    source: 'pension',
    monthlyAmount: eur(30_000),
  } as const;
  spec(t).given([]).when(declare).then([income]);
  spec(t).given([income]).when(declare).then([], 'the same fact id twice is recorded once');
  const memberId = '01a205f1-0000-7000-8000-0000000000a1';
  spec(t)
    .given([])
    .when({ ...declare, memberId })
    .then(
      [{ type: 'IncomeDeclared', data: { ...income.data, memberId } } as FactEvent],
      'a household member’s income names the member',
    );
  spec(t)
    .given([])
    .when({ ...declare, validTo: '2025-12-31' })
    .thenFails('PERIOD_REVERSED');
  spec(t)
    .given([income])
    .when({ ...declare, factId: f2, supersedes: f1, monthlyAmount: eur(32_000) })
    .then(
      [
        {
          type: 'IncomeDeclared',
          data: {
            clientId,
            factId: f2,
            validFrom: '2026-01-01',
            supersedes: f1,
            source: 'pension',
            monthlyAmount: eur(32_000),
          },
        },
      ],
      'a correction is a new fact naming the one it replaces',
    );
  const corrected: FactEvent = {
    type: 'IncomeDeclared',
    data: { ...income.data, factId: f2, supersedes: f1 } as never,
  };
  spec(t)
    .given([income, corrected])
    .when({ ...declare, factId: f3, supersedes: f1 })
    .thenFails('FACT_ALREADY_CORRECTED', 'only the latest version can be corrected');
  spec(t)
    .given([])
    .when({ ...declare, factId: f2, supersedes: f1 })
    .thenFails('FACT_NOT_FOUND');
});

t.test('RecordDisability', async (t) => {
  spec(t)
    .given([])
    .when({
      type: 'RecordDisability',
      clientId,
      factId: f1,
      validFrom: '2026-03-10',
      validTo: '2029-03-31',
      degreePercent: 71,
      outsideAssistanceNeeded: false,
      commission: 'TELK',
      decisionNumber: '1234/2026',
      decidedOn: '2026-03-10',
    })
    .then(
      [
        {
          type: 'DisabilityAssessed',
          data: {
            clientId,
            factId: f1,
            validFrom: '2026-03-10',
            validTo: '2029-03-31',
            degreePercent: 71,
            outsideAssistanceNeeded: false,
          },
        },
        {
          type: 'DisabilityDecisionRecorded',
          data: {
            clientId,
            factId: f1,
            commission: 'TELK',
            decisionNumber: '1234/2026',
            decidedOn: '2026-03-10',
          },
        },
      ],
      'the degree is published, the decision number stays internal',
    );
  spec(t)
    .given([income])
    .when({
      type: 'RecordDisability',
      clientId,
      factId: f2,
      supersedes: f1,
      validFrom: '2026-03-10',
      degreePercent: 50,
      outsideAssistanceNeeded: false,
      commission: 'TELK',
      decisionNumber: '1',
      decidedOn: '2026-03-10',
    })
    .thenFails('FACT_KIND_MISMATCH', 'a disability fact does not correct an income');
});

t.test('dwelling ownership and consent', async (t) => {
  spec(t)
    .given([])
    .when({
      type: 'RecordDwellingOwnership',
      clientId,
      factId: f1,
      validFrom: '2026-01-01',
      ownsDwelling: false,
    })
    .then([
      {
        type: 'DwellingOwnershipRecorded',
        data: { clientId, factId: f1, validFrom: '2026-01-01', ownsDwelling: false },
      },
    ]);
  spec(t)
    .given([])
    .when({ type: 'RecordConsent', clientId, factId: f1, validFrom: '2026-11-23', status: 'withdrawn' })
    .then([
      {
        type: 'ConsentRecorded',
        data: { clientId, factId: f1, validFrom: '2026-11-23', status: 'withdrawn' },
      },
    ]);
});

t.test(
  'savings, dwelling disposals, client groups and school enrolments: facts like the others',
  async (t) => {
    const savings: FactEvent = {
      type: 'SavingsDeclared',
      data: {
        clientId,
        factId: f1,
        validFrom: '2025-10-01',
        amount: { amountMinor: 120_000, currency: 'BGN' },
      },
    };
    const declare = {
      type: 'DeclareSavings',
      clientId,
      factId: f1,
      validFrom: '2025-10-01',
      amount: { amountMinor: 120_000, currency: 'BGN' },
    } as const;
    spec(t).given([]).when(declare).then([savings], 'savings in leva, declared in 2025');
    spec(t).given([savings]).when(declare).then([], 'the same fact id twice is recorded once');
    spec(t)
      .given([])
      .when({ ...declare, validTo: '2025-09-30' })
      .thenFails('PERIOD_REVERSED');
    spec(t)
      .given([savings])
      .when({ ...declare, factId: f2, supersedes: f1, amount: eur(0), validFrom: '2026-02-01' })
      .then(
        [
          {
            type: 'SavingsDeclared',
            data: { clientId, factId: f2, validFrom: '2026-02-01', supersedes: f1, amount: eur(0) },
          },
        ],
        'corrected to none',
      );

    spec(t)
      .given([])
      .when({ type: 'RecordDwellingDisposal', clientId, factId: f1, validFrom: '2023-05-10', how: 'gifted' })
      .then(
        [
          {
            type: 'DwellingDisposed',
            data: { clientId, factId: f1, validFrom: '2023-05-10', how: 'gifted' },
          },
        ],
        'the day of the deed and how; nothing of the dwelling or the other party',
      );
    spec(t)
      .given([savings])
      .when({
        type: 'RecordDwellingDisposal',
        clientId,
        factId: f2,
        supersedes: f1,
        validFrom: '2023-05-10',
        how: 'sold',
      })
      .thenFails('FACT_KIND_MISMATCH', 'a disposal does not correct savings');

    const group = {
      type: 'RecordClientGroup',
      clientId,
      factId: f1,
      validFrom: '2026-03-10',
      validTo: '2029-03-31',
      group: 'intellectual_or_mental_disability',
    } as const;
    const grouped: FactEvent = {
      type: 'ClientGroupRecorded',
      data: {
        clientId,
        factId: f1,
        validFrom: '2026-03-10',
        validTo: '2029-03-31',
        group: 'intellectual_or_mental_disability',
      },
    };
    spec(t).given([]).when(group).then([grouped], 'only the group is published, no diagnosis');
    const retracted: FactEvent[] = [
      { type: 'FactRetracted', data: { clientId, factId: f1, kind: 'client_group' } },
      { type: 'FactRetractionReasonRecorded', data: { clientId, factId: f1, reason: 'wrong client' } },
    ];
    spec(t)
      .given([grouped])
      .when({ type: 'RetractFact', clientId, factId: f1, reason: 'wrong client' })
      .then(retracted, 'retracted with its kind');
    spec(t)
      .given([grouped, ...retracted])
      .when({ ...group, factId: f2, supersedes: f1 })
      .thenFails('FACT_RETRACTED');

    const school = {
      type: 'RecordSchoolEnrolment',
      clientId,
      factId: f1,
      validFrom: '2026-09-15',
      validTo: '2027-06-30',
    } as const;
    const enrolled: FactEvent = {
      type: 'SchoolEnrolmentRecorded',
      data: { clientId, factId: f1, validFrom: '2026-09-15', validTo: '2027-06-30' },
    };
    spec(t).given([]).when(school).then([enrolled], 'only the period; the school is not published');
    const leftEarly: FactEvent = {
      type: 'SchoolEnrolmentRecorded',
      data: { clientId, factId: f2, validFrom: '2026-09-15', validTo: '2027-02-28', supersedes: f1 },
    };
    spec(t)
      .given([enrolled])
      .when({ ...school, factId: f2, supersedes: f1, validTo: '2027-02-28' })
      .then([leftEarly], 'left school early: a correction of the period');
    spec(t)
      .given([enrolled, leftEarly])
      .when({ ...school, factId: f3, supersedes: f1 })
      .thenFails('FACT_ALREADY_CORRECTED');
    spec(t)
      .given([])
      .when({ ...school, factId: f2, supersedes: f1 })
      .thenFails('FACT_NOT_FOUND');
  },
);

t.test('RetractFact', async (t) => {
  const retracted: FactEvent[] = [
    { type: 'FactRetracted', data: { clientId, factId: f1, kind: 'income' } },
    { type: 'FactRetractionReasonRecorded', data: { clientId, factId: f1, reason: 'wrong client' } },
  ];
  spec(t)
    .given([income])
    .when({ type: 'RetractFact', clientId, factId: f1, reason: 'wrong client' })
    .then(retracted);
  spec(t)
    .given([income, ...retracted])
    .when({ type: 'RetractFact', clientId, factId: f1, reason: 'again' })
    .then([], 'retracting twice changes nothing');
  spec(t)
    .given([])
    .when({ type: 'RetractFact', clientId, factId: f1, reason: 'x' })
    .thenFails('FACT_NOT_FOUND');
  spec(t)
    .given([income, ...retracted])
    .when({
      type: 'DeclareIncome',
      clientId,
      factId: f2,
      supersedes: f1,
      validFrom: '2026-01-01',
      source: 'pension',
      monthlyAmount: eur(1),
    })
    .thenFails('FACT_RETRACTED');
});
