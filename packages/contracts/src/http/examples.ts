/**
 * Example payloads for the OpenAPI document: synthetic people only (the ЕГН below is generated, its
 * check digit valid, and belongs to no one). A test parses each against its schema.
 */
const clientId = '01900000-0000-7000-8000-000000000001';
const applicationId = '01900000-0000-7000-8000-0000000000a1';
const assessmentId = '01900000-0000-7000-8000-0000000000b1';

export const exampleClientRecord = {
  clientId,
  caseNumber: 'BLG01-2026-000017',
  status: 'active',
  identifier: { kind: 'egn', value: '8001010008' },
  identifierKind: 'egn',
  givenName: 'Иван',
  familyName: 'Тестов',
  birthDate: '1980-01-01',
  sex: 'male',
  municipality: 'BLG01',
  registeredOn: '2026-11-23',
  mergedClients: [],
  contact: { phone: '+359 888 000 000' },
  addresses: [
    {
      kind: 'current',
      municipality: 'BLG01',
      settlement: 'Банско',
      line: 'ул. Примерна 1',
      validFrom: '2026-01-15',
    },
  ],
  caseManager: 'cm-bansko-1',
  household: [],
  version: 5,
} as const;

export const exampleClientSummary = {
  clientId,
  caseNumber: 'BLG01-2026-000017',
  status: 'active',
  givenName: 'Иван',
  familyName: 'Тестов',
  birthDate: '1980-01-01',
  municipality: 'BLG01',
  caseManager: 'cm-bansko-1',
} as const;

export const exampleDirectoryEntry = {
  clientId,
  birthDate: '1980-01-01',
  sex: 'male',
  municipality: 'BLG01',
  registeredOn: '2026-11-23',
} as const;

export const exampleFact = {
  factId: '01900000-0000-7000-8000-0000000000f1',
  clientId,
  kind: 'disability',
  validFrom: '2026-03-10',
  validTo: '2029-03-31',
  data: {
    degreePercent: 71,
    outsideAssistanceNeeded: false,
    commission: 'TELK',
    decisionNumber: '1234/2026',
  },
  recordedAt: '2026-11-23T08:15:00.000Z',
  retracted: false,
} as const;

export const exampleApplication = {
  applicationId,
  clientId,
  serviceType: 'protected_housing',
  municipality: 'BLG01',
  status: 'open',
  submittedOn: '2026-11-23',
  assessmentDueBy: '2026-12-13',
  referralRequired: true,
  referral: {
    issuer: 'municipality',
    issuedBy: 'BLG01',
    referralNumber: 'НС-2026-017',
    issuedOn: '2026-11-25',
  },
  documents: [
    {
      documentId: '01900000-0000-7000-8000-0000000000d1',
      kind: 'medical_expert_decision',
      number: '1234/2026',
      issuedOn: '2026-03-10',
    },
  ],
  version: 3,
} as const;

export const exampleAssessment = {
  assessmentId,
  clientId,
  applicationId,
  assessedOn: '2026-11-30',
  recommendedServiceType: 'protected_housing',
  reassessmentDue: '2027-11-30',
  findings: [{ domain: 'housing', level: 'high', finding: 'Has to leave the family home' }],
  plan: {
    planId: '01900000-0000-7000-8000-0000000000c1',
    agreedOn: '2026-12-02',
    reviewOn: '2027-06-02',
    goals: [{ domain: 'daily_living', goal: 'Cooks a simple meal on their own', by: '2027-03-01' }],
  },
} as const;

export const exampleOverdue = {
  clientId,
  municipality: 'BLG01',
  caseManager: 'cm-bansko-1',
  lastAssessedOn: '2025-06-30',
  reassessmentDue: '2026-06-30',
  daysOverdue: 146,
} as const;

export const exampleAccess = {
  at: '2026-11-23T08:16:02.000Z',
  actor: 'cm-bansko-1',
  role: 'case_manager',
  clientId,
  municipality: 'BLG01',
  action: 'read',
  route: '/v1/clients/:clientId',
  correlationId: 'req-7',
} as const;
