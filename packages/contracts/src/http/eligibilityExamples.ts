/** Example payloads of eligibility's API (synthetic ids; a test parses each against its schema). */
const clientId = '01900000-0000-7000-8000-000000000001';
const determinationId = '01900000-0000-7000-8000-0000000000d1';
const eventIds = ['01900000-0000-7000-8000-0000000000e1', '01900000-0000-7000-8000-0000000000e2'];

export const exampleCriteria = [
  { kind: 'age', min: 18 },
  { kind: 'disability_degree', minPercent: 50 },
  { kind: 'needs_assessment', maxAgeMonths: 12, recommends: ['protected_housing'] },
  { kind: 'referral' },
] as const;

export const exampleRuleSetRecord = {
  ruleSetId: 'protected_housing:BLG01',
  serviceType: 'protected_housing',
  municipality: 'BLG01',
  versions: [
    {
      version: 1,
      status: 'published',
      criteria: exampleCriteria,
      validityMonths: 12,
      effectiveFrom: '2027-01-01',
    },
  ],
  inForce: { ruleSetId: 'protected_housing:national', version: 1 },
  version: 2,
} as const;

export const exampleDetermination = {
  determinationId,
  clientId,
  serviceType: 'protected_housing',
  municipality: 'BLG01',
  asOf: '2026-11-23',
  knownAt: '2026-11-23T09:15:00.000Z',
  ruleSet: { ruleSetId: 'protected_housing:national', version: 1 },
  outcome: 'incomplete',
  criteria: [
    {
      kind: 'age',
      result: 'met',
      reason: 'age 46 on 2026-11-23 (at least 18)',
      facts: [{ kind: 'birth_date', eventId: eventIds[0] }],
      missing: [],
    },
    {
      kind: 'disability_degree',
      result: 'met',
      reason: 'disability degree 72% ≥ 50%, valid until 2029-03-31',
      facts: [{ kind: 'disability', eventId: eventIds[1] }],
      missing: [],
    },
    {
      kind: 'referral',
      result: 'unknown',
      reason: 'no referral for protected_housing recorded',
      facts: [],
      missing: ['referral'],
    },
  ],
  factsUsed: [
    { kind: 'birth_date', eventId: eventIds[0] },
    { kind: 'disability', eventId: eventIds[1] },
  ],
  missing: ['referral'],
  validUntil: '2027-11-22',
  trigger: { kind: 'request' },
} as const;

export const exampleServiceEligibility = {
  serviceType: 'protected_housing',
  effectiveOutcome: 'incomplete',
  current: exampleDetermination,
  appeals: [],
} as const;
