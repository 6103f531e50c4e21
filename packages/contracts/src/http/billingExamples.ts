// Synthetic examples for billing's OpenAPI document: ids, figures and references made up.
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' as const });

export const exampleTariffBody = {
  fee: { kind: 'income_share' as const, basisPoints: 7000 },
  groupFees: [
    {
      group: 'intellectual_or_mental_disability' as const,
      fee: { kind: 'income_share' as const, basisPoints: 8000 },
    },
  ],
  absenceExemptAfterDays: 3,
  fullCostRule: {
    savingsOver: { amountMinor: 50_000, currency: 'BGN' as const },
    dwellingDisposedWithinYears: 5,
  },
  stateShareBasisPoints: 10_000,
};

export const exampleTariffVersion = {
  version: 1,
  status: 'published' as const,
  ...exampleTariffBody,
  effectiveFrom: '2020-07-01',
};

export const exampleSiteCost = {
  siteId: '0190a3c2-7b3c-7d4e-9f50-2b3c4d5e6f70',
  municipality: 'BLG01',
  serviceType: 'protected_housing',
  settings: [{ from: '2026-01', monthlyCost: eur(150_000) }],
  version: 1,
};

export const examplePeriod = {
  municipality: 'BLG01',
  month: '2026-12',
  statements: 42,
  status: 'closed' as const,
  closedOn: '2027-01-25',
  totalDue: eur(912_345),
};

export const exampleStatementSummary = {
  statementId: '0190a3c2-9d5e-7f60-b172-4d5e6f708192',
  statementNumber: 'BLG01-202612-000001',
  clientId: '0190a3c2-6a2b-7c3d-8e4f-1a2b3c4d5e6f',
  municipality: 'BLG01',
  month: '2026-12',
  issuedOn: '2027-01-04',
  dueOn: '2027-01-20',
  paymentReference: 'RF45BLG01202612000001',
  assessed: eur(21_677),
  adjusted: eur(0),
  creditApplied: eur(0),
  totalDue: eur(21_677),
  outstanding: eur(0),
};

/** 22 days in service, a 6-day absence exempt: 70% of €600.00 × 16 ÷ 31 = €216.77. */
export const exampleAssessmentLine = {
  placementId: '0190a3c2-8c4d-7e5f-a061-3c4d5e6f7081',
  siteId: exampleSiteCost.siteId,
  serviceType: 'protected_housing',
  municipality: 'BLG01',
  daysInMonth: 31,
  inService: 22,
  billable: 16,
  counted: [
    { from: '2026-12-10', to: '2026-12-14' },
    { from: '2026-12-21', to: '2026-12-31' },
  ],
  exempted: [{ from: '2026-12-15', to: '2026-12-20', absenceId: '0190a3c2-af70-7182-93a4-6f708192a3b4' }],
  tariff: { tariffId: 'protected_housing:national', version: 1 },
  fee: { kind: 'income_share', basisPoints: 7000 },
  incomeFactIds: ['0190a3c2-b081-7293-a4b5-708192a3b4c5'],
  exemption: null,
  fullCost: null,
  fullMonth: eur(42_000),
  amount: eur(21_677),
  stateShare: eur(21_677),
  capped: false,
  convertedFromBgn: false,
  events: ['0190a3c2-c192-73a4-b5c6-8192a3b4c5d6'],
};
