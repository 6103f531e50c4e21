import { randomUUID } from 'node:crypto';
import {
  type AssessmentLine,
  bgn,
  DomainError,
  eur,
  type FactKind,
  type Funding,
  type Money,
  type ServiceKind,
  type ServiceTypeCode,
  type TariffBody,
} from '@casework/contracts';
import { serviceType } from '@casework/reference-data';
import t from 'tap';
import { type AppliedTariff, assessMonth, type Lookups, type SiteCost } from '../src/domain/assessMonth.js';
import { type ClientFacts, foldInputs, type Input, type InputRow } from '../src/domain/clientFacts.js';

// Given a client's inputs folded into facts, a tariff and site costs, when a month is assessed, then
// each line is exactly as worked out by hand below (euro cents; half-up to the cent; DOMAIN §7).

const municipality = 'BLG01';

// ---------------------------------------------------------------- tariffs (as billing-tariffs.json)

const fullCostRule = { savingsOver: bgn(50_000), dwellingDisposedWithinYears: 5 };
const incomeShare = (basisPoints: number, stateShareBasisPoints = 10_000): TariffBody => ({
  fee: { kind: 'income_share', basisPoints },
  groupFees: [],
  absenceExemptAfterDays: 3,
  fullCostRule: null,
  stateShareBasisPoints,
});
const bodies: Record<string, TariffBody> = {
  protected_housing: {
    fee: { kind: 'income_share', basisPoints: 7000 },
    groupFees: [
      { group: 'intellectual_or_mental_disability', fee: { kind: 'income_share', basisPoints: 8000 } },
    ],
    absenceExemptAfterDays: 3,
    fullCostRule,
    stateShareBasisPoints: 10_000,
  },
  // charging 50% here, to tell the two stays of a transfer apart
  supervised_housing: incomeShare(5000),
  family_type_centre_children: incomeShare(7000),
  transitional_housing: incomeShare(7000),
  day_centre_elderly: incomeShare(3000, 0),
  // a mixed service: the state takes a quarter
  rehabilitation_centre: incomeShare(3000, 2500),
  social_housing_special_status: {
    fee: { kind: 'per_square_metre', ratePerSquareMetre: bgn(46) },
    groupFees: [],
    absenceExemptAfterDays: null,
    fullCostRule: null,
    stateShareBasisPoints: 0,
  },
  // warm_lunch: no tariff in force
};
const tariffOf = (serviceType: string): AppliedTariff | undefined => {
  const body = bodies[serviceType];
  return body && { tariffId: `${serviceType}:national`, version: 1, body };
};

// ---------------------------------------------------------------- sites and their costs

type Place = {
  placementId: string;
  siteId: string;
  serviceType: ServiceTypeCode;
  kind: ServiceKind;
  municipality: string;
};
const place = (serviceType: ServiceTypeCode, siteId: string, kind: ServiceKind = 'residential'): Place => ({
  placementId: randomUUID(),
  siteId,
  serviceType,
  kind,
  municipality,
});
const sites = {
  protected: randomUUID(),
  supervised: randomUUID(),
  children: randomUUID(),
  transitional: randomUUID(),
  dayCentre: randomUUID(),
  rehabilitation: randomUUID(),
  flat: randomUUID(),
  lunch: randomUUID(),
  noCost: randomUUID(),
  // protected housing the municipality runs on its own budget, beyond the map's places
  municipalHousing: randomUUID(),
  // a mixed rehabilitation centre whose cost setting gives the state 40% of its fees
  mixedOwnShare: randomUUID(),
};
/** Who funds each site; any other is funded as its service type is by default (DOMAIN §3). */
const fundings = new Map<string, Funding>([
  [sites.rehabilitation, 'mixed'],
  [sites.mixedOwnShare, 'mixed'],
  [sites.municipalHousing, 'municipal'],
]);
const costs = new Map<string, SiteCost>([
  [sites.protected, { monthlyCost: eur(150_000) }], // €1,500.00
  [sites.supervised, { monthlyCost: eur(120_000) }], // €1,200.00
  [sites.children, { monthlyCost: eur(180_000) }],
  [sites.transitional, { monthlyCost: eur(110_000) }],
  [sites.dayCentre, { monthlyCost: eur(40_000) }],
  [sites.rehabilitation, { monthlyCost: eur(50_000) }],
  [sites.flat, { monthlyCost: eur(25_000), floorAreaSquareMetres: 45.5 }], // €250.00, 45.50 m²
  [sites.municipalHousing, { monthlyCost: eur(150_000) }],
  [sites.mixedOwnShare, { monthlyCost: eur(50_000), stateShareBasisPoints: 4000 }],
]);

/** The lookups, recording the date each tariff was looked up on. */
function lookups() {
  const asked: string[] = [];
  const stub: Lookups = {
    tariff: (serviceType, m, on) => {
      asked.push(`${serviceType} ${m} ${on}`);
      return m === municipality ? tariffOf(serviceType) : undefined;
    },
    cost: (siteId) => costs.get(siteId),
    // the law's rule as billing-parameters.json has it
    respite: () => ({ freeDaysPerYear: 14, disabilityOverPercent: 90 }),
    funding: (siteId, type) => fundings.get(siteId) ?? serviceType(type).defaultFunding,
  };
  return { stub, asked };
}
const assess = (month: string, facts: ClientFacts) => assessMonth(month, municipality, facts, lookups().stub);

// ---------------------------------------------------------------- a client's inputs

/** A client's inputs, in the order billing learned them; each helper returns the ids it made. */
function client(birthDate = '1960-04-12') {
  const clientId = randomUUID();
  const rows: InputRow[] = [];
  const add = (input: Input): string => {
    const eventId = randomUUID();
    rows.push({ ...input, seq: rows.length + 1, eventId });
    return eventId;
  };
  const born = add({
    type: 'ClientRegistered',
    data: {
      clientId,
      birthDate,
      sex: 'female',
      municipality,
      identifierKind: 'egn',
      registeredOn: '2020-01-15',
    },
  });
  return {
    born,
    facts: (): ClientFacts => foldInputs(rows),
    admitted: (p: Place, on: string) =>
      add({ type: 'Admitted', data: { clientId, ...p, on, basis: 'offer' } }),
    transferred: (from: Place, to: Place, on: string) =>
      add({ type: 'Transferred', data: { clientId, on, from, to } }),
    discharged: (p: Place, on: string) =>
      add({
        type: 'Discharged',
        data: { clientId, ...p, on, reason: 'own_request', destination: { kind: 'family_home' } },
      }),
    away(p: Place, from: string, returnedOn: string, days: number) {
      const absenceId = randomUUID();
      const started = add({
        type: 'AbsenceStarted',
        data: { clientId, ...p, absenceId, from, kind: 'holiday' },
      });
      const ended = add({
        type: 'AbsenceEnded',
        data: { clientId, ...p, absenceId, from, returnedOn, kind: 'holiday', days },
      });
      return { absenceId, started, ended };
    },
    income(
      monthlyAmount: Money,
      validFrom: string,
      more: {
        source?: 'pension' | 'salary' | 'benefit' | 'outside_assistance_supplement';
        supersedes?: string;
      } = {},
    ) {
      const factId = randomUUID();
      const eventId = add({
        type: 'IncomeDeclared',
        data: { clientId, factId, validFrom, source: more.source ?? 'pension', monthlyAmount, ...more },
      });
      return { factId, eventId };
    },
    retracted: (factId: string, kind: FactKind = 'income') =>
      add({ type: 'FactRetracted', data: { clientId, factId, kind } }),
    savings(amount: Money, validFrom: string, supersedes?: string) {
      const factId = randomUUID();
      const eventId = add({
        type: 'SavingsDeclared',
        data: { clientId, factId, validFrom, amount, ...(supersedes ? { supersedes } : {}) },
      });
      return { factId, eventId };
    },
    disposed: (validFrom: string, how: 'sold' | 'gifted' = 'sold') =>
      add({ type: 'DwellingDisposed', data: { clientId, factId: randomUUID(), validFrom, how } }),
    group(validFrom: string) {
      const factId = randomUUID();
      const eventId = add({
        type: 'ClientGroupRecorded',
        data: { clientId, factId, validFrom, group: 'intellectual_or_mental_disability' },
      });
      return { factId, eventId };
    },
    school: (validFrom: string, validTo: string) =>
      add({ type: 'SchoolEnrolmentRecorded', data: { clientId, factId: randomUUID(), validFrom, validTo } }),
    respite: (p: Place, on: string) =>
      add({ type: 'Admitted', data: { clientId, ...p, on, basis: 'offer', respite: true } }),
    disability: (degreePercent: number, outsideAssistanceNeeded: boolean, validFrom: string) =>
      add({
        type: 'DisabilityAssessed',
        data: { clientId, factId: randomUUID(), validFrom, degreePercent, outsideAssistanceNeeded },
      }),
  };
}

/** The fields of a line that carry figures, for the cases that check only those. */
const figures = (l: AssessmentLine) => ({
  serviceType: l.serviceType,
  inService: l.inService,
  billable: l.billable,
  daysInMonth: l.daysInMonth,
  fullMonth: l.fullMonth,
  amount: l.amount,
});

// ---------------------------------------------------------------- the cases

t.test('(1) a mid-month admission: 22 of 31 days; with a 6-day absence 16 of 31', async (t) => {
  // admitted 10 March 2027: days 10–31 = 22 of 31. 70% of €600.00 = €420.00 (cost €1,500.00, not capped)
  // 420.00 × 22 ÷ 31 = 9,240 ÷ 31 = 298.0645… → €298.06
  const c = client();
  const stay = place('protected_housing', sites.protected);
  const admitted = c.admitted(stay, '2027-03-10');
  const pension = c.income(eur(60_000), '2027-01-01');
  const { stub, asked } = lookups();
  const [plain] = assessMonth('2027-03', municipality, c.facts(), stub);
  t.strictSame(
    asked,
    ['protected_housing BLG01 2027-03-10'],
    'the tariff in force on the first day in service',
  );
  t.strictSame(plain, {
    placementId: stay.placementId,
    siteId: sites.protected,
    serviceType: 'protected_housing',
    municipality,
    daysInMonth: 31,
    inService: 22,
    billable: 22,
    counted: [{ from: '2027-03-10', to: '2027-03-31' }],
    exempted: [],
    tariff: { tariffId: 'protected_housing:national', version: 1 },
    fee: { kind: 'income_share', basisPoints: 7000 },
    incomeFactIds: [pension.factId],
    exemption: null,
    fullCost: null,
    fullMonth: eur(42_000),
    amount: eur(29_806),
    stateShare: eur(29_806),
    capped: false,
    convertedFromBgn: false,
    events: [admitted, pension.eventId],
  });

  // away 15–20 March (back on the 21st): 6 days > 3, exempt whole. Counted 10–14 (5) + 21–31 (11) = 16
  // 420.00 × 16 ÷ 31 = 6,720 ÷ 31 = 216.7741… → €216.77
  const away = c.away(stay, '2027-03-15', '2027-03-21', 6);
  const [line] = assess('2027-03', c.facts());
  t.strictSame(
    [line?.inService, line?.billable, line?.counted, line?.exempted],
    [
      22,
      16,
      [
        { from: '2027-03-10', to: '2027-03-14' },
        { from: '2027-03-21', to: '2027-03-31' },
      ],
      [{ from: '2027-03-15', to: '2027-03-20', absenceId: away.absenceId }],
    ],
  );
  t.strictSame([line?.amount, line?.stateShare], [eur(21_677), eur(21_677)]);
  t.strictSame(line?.events, [admitted, away.started, away.ended, pension.eventId]);
});

t.test('(2) an absence of exactly 3 days is not exempt', async (t) => {
  // away 15, 16, 17 March (back on the 18th): 3 days, not more than 3: all 22 days of 10–31 bill
  // 420.00 × 22 ÷ 31 = 298.0645… → €298.06
  const c = client();
  const stay = place('protected_housing', sites.protected);
  c.admitted(stay, '2027-03-10');
  c.income(eur(60_000), '2027-01-01');
  c.away(stay, '2027-03-15', '2027-03-18', 3);
  const [line] = assess('2027-03', c.facts());
  t.strictSame([line?.billable, line?.exempted, line?.amount], [22, [], eur(29_806)]);

  // one day more (back on the 19th): 4 days > 3, exempt: 22 − 4 = 18; 420.00 × 18 ÷ 31 = 243.870… → €243.87
  const d = client();
  d.admitted(stay, '2027-03-10');
  d.income(eur(60_000), '2027-01-01');
  d.away(stay, '2027-03-15', '2027-03-19', 4);
  const [longer] = assess('2027-03', d.facts());
  t.strictSame([longer?.billable, longer?.amount], [18, eur(24_387)]);
});

t.test('(3) a transfer on the 15th between services with different tariffs', async (t) => {
  // sending (protected housing, 70%): 1–14 March = 14 days; 420.00 × 14 ÷ 31 = 5,880 ÷ 31 = 189.677… → €189.68
  // receiving (supervised housing, 50%): 15–31 March = 17 days; 50% of 600.00 = 300.00;
  //   300.00 × 17 ÷ 31 = 5,100 ÷ 31 = 164.516… → €164.52.   14 + 17 = 31: no day twice, none missed
  const c = client();
  const sending = place('protected_housing', sites.protected);
  const receiving = place('supervised_housing', sites.supervised);
  const admitted = c.admitted(sending, '2027-01-04');
  c.income(eur(60_000), '2027-01-01');
  const transfer = c.transferred(sending, receiving, '2027-03-15');
  const lines = assess('2027-03', c.facts());
  t.strictSame(lines.map(figures), [
    {
      serviceType: 'protected_housing',
      inService: 14,
      billable: 14,
      daysInMonth: 31,
      fullMonth: eur(42_000),
      amount: eur(18_968),
    },
    {
      serviceType: 'supervised_housing',
      inService: 17,
      billable: 17,
      daysInMonth: 31,
      fullMonth: eur(30_000),
      amount: eur(16_452),
    },
  ]);
  t.strictSame(
    lines.map((l) => [l.placementId, l.tariff?.tariffId, l.counted]),
    [
      [sending.placementId, 'protected_housing:national', [{ from: '2027-03-01', to: '2027-03-14' }]],
      [receiving.placementId, 'supervised_housing:national', [{ from: '2027-03-15', to: '2027-03-31' }]],
    ],
  );
  t.strictSame(lines[0]?.events.slice(0, 2), [admitted, transfer], 'the sending stay rests on both events');
  t.strictSame(lines[1]?.events[0], transfer, 'the receiving stay begins with the transfer');
});

t.test('(4) a discharge on the 1st: no line that month', async (t) => {
  // [4 Jan, 1 Mar): the discharge day does not count, so no day of March; February 2027 has all 28:
  // 420.00 × 28 ÷ 28 = €420.00
  const c = client();
  const stay = place('protected_housing', sites.protected);
  c.admitted(stay, '2027-01-04');
  c.income(eur(60_000), '2027-01-01');
  c.discharged(stay, '2027-03-01');
  t.strictSame(assess('2027-03', c.facts()), []);
  t.strictSame(assess('2027-02', c.facts()).map(figures), [
    {
      serviceType: 'protected_housing',
      inService: 28,
      billable: 28,
      daysInMonth: 28,
      fullMonth: eur(42_000),
      amount: eur(42_000),
    },
  ]);
});

t.test('(5) February of a leap year: 29 days', async (t) => {
  // 2028 is a leap year. Whole of February: 420.00 × 29 ÷ 29 = €420.00.
  // Admitted 10 February: 10–29 = 20 days; 420.00 × 20 ÷ 29 = 8,400 ÷ 29 = 289.655… → €289.66
  const whole = client();
  whole.admitted(place('protected_housing', sites.protected), '2027-11-01');
  whole.income(eur(60_000), '2027-01-01');
  const [all] = assess('2028-02', whole.facts());
  t.strictSame([all?.daysInMonth, all?.billable, all?.amount], [29, 29, eur(42_000)]);

  const late = client();
  late.admitted(place('protected_housing', sites.protected), '2028-02-10');
  late.income(eur(60_000), '2027-01-01');
  const [part] = assess('2028-02', late.facts());
  t.strictSame(
    [part?.daysInMonth, part?.billable, part?.counted, part?.amount],
    [29, 20, [{ from: '2028-02-10', to: '2028-02-29' }], eur(28_966)],
  );
});

t.test('(6) a child pays nothing: exemption child, resting on the birth', async (t) => {
  // born 1 June 2012: 14 on 1 March 2027. The tariff's figure stays visible (70% of a €200.00 benefit =
  // €140.00 for the whole month) but the amount is 0 and so is the state's share
  const c = client('2012-06-01');
  const stay = place('family_type_centre_children', sites.children);
  const admitted = c.admitted(stay, '2024-09-01');
  const benefit = c.income(eur(20_000), '2026-01-01', { source: 'benefit' });
  const [line] = assess('2027-03', c.facts());
  t.strictSame(line?.exemption, { reason: 'child', eventId: c.born });
  t.strictSame([line?.fullMonth, line?.amount, line?.stateShare], [eur(14_000), eur(0), eur(0)]);
  t.strictSame(line?.events, [admitted, benefit.eventId, c.born]);
});

t.test('(7) a care leaver of 19 who was in a family-type centre for children before 18', async (t) => {
  // born 20 January 2008: 18 on 20 January 2026, 19 on 1 March 2027. In the children's centre from
  // 1 September 2020 (aged 12) and transferred to transitional housing on 1 February 2026: exempt
  // until 21 as a care leaver; the exemption rests on the admission to the children's centre
  const c = client('2008-01-20');
  const children = place('family_type_centre_children', sites.children);
  const transitional = place('transitional_housing', sites.transitional);
  const inCare = c.admitted(children, '2020-09-01');
  c.transferred(children, transitional, '2026-02-01');
  c.income(eur(80_000), '2026-02-01', { source: 'salary' });
  const lines = assess('2027-03', c.facts());
  t.equal(lines.length, 1, "the children's stay ended before March");
  t.strictSame(lines[0]?.exemption, { reason: 'care_leaver', eventId: inCare });
  // 70% of €800.00 = €560.00 for the month, charged 0
  t.strictSame([lines[0]?.fullMonth, lines[0]?.amount], [eur(56_000), eur(0)]);
  t.ok(lines[0]?.events.includes(inCare));

  // the same 19-year-old without a childhood in care pays: 560.00 × 31 ÷ 31 = €560.00
  const other = client('2008-01-20');
  other.admitted(place('transitional_housing', sites.transitional), '2026-02-01');
  other.income(eur(80_000), '2026-02-01', { source: 'salary' });
  const [pays] = assess('2027-03', other.facts());
  t.strictSame([pays?.exemption, pays?.amount], [null, eur(56_000)]);
});

t.test('(8) a BGN income from 2025 used for a 2026 fee', async (t) => {
  // pension 1,000.01 лв from July 2025: 1,000.01 ÷ 1.95583 = 511.2994… → €511.30 (half-up; cut off it
  // would be 511.29). 70% = 357.91 → €357.91; all 31 days of March 2026
  const c = client();
  c.admitted(place('protected_housing', sites.protected), '2025-09-01');
  const pension = c.income(bgn(100_001), '2025-07-01');
  const [line] = assess('2026-03', c.facts());
  t.strictSame(
    [line?.fullMonth, line?.amount, line?.convertedFromBgn, line?.incomeFactIds],
    [eur(35_791), eur(35_791), true, [pension.factId]],
  );
});

t.test('(9) the outside-assistance supplement is not income', async (t) => {
  // pension €600.00 + supplement €150.00: only the pension counts; 70% of 600.00 = €420.00, 31 of 31
  // (counted, it would be 70% of 750.00 = €525.00)
  const c = client();
  c.admitted(place('protected_housing', sites.protected), '2027-01-04');
  const pension = c.income(eur(60_000), '2027-01-01');
  const supplement = c.income(eur(15_000), '2027-01-01', { source: 'outside_assistance_supplement' });
  const [line] = assess('2027-03', c.facts());
  t.strictSame([line?.amount, line?.incomeFactIds], [eur(42_000), [pension.factId]]);
  t.notOk(line?.events.includes(supplement.eventId), 'the supplement is not among the line’s events');
});

t.test('(10) never more than the site’s cost', async (t) => {
  // 70% of €2,500.00 = €1,750.00 > €1,500.00: capped at 1,500.00; admitted 10 March, 22 of 31 days:
  // 1,500.00 × 22 ÷ 31 = 33,000 ÷ 31 = 1,064.516… → €1,064.52
  const c = client();
  c.admitted(place('protected_housing', sites.protected), '2027-03-10');
  c.income(eur(250_000), '2027-01-01', { source: 'salary' });
  const [line] = assess('2027-03', c.facts());
  t.strictSame([line?.fullMonth, line?.amount, line?.capped], [eur(150_000), eur(106_452), true]);
});

t.test('(11) a corrected income replaces the first; a retracted one no longer counts', async (t) => {
  // declared €600.00, corrected to €500.00 (supersedes it): 70% of 500.00 = €350.00, 31 of 31
  const corrected = client();
  corrected.admitted(place('protected_housing', sites.protected), '2027-01-04');
  const first = corrected.income(eur(60_000), '2027-01-01');
  const second = corrected.income(eur(50_000), '2027-01-01', { supersedes: first.factId });
  const [a] = assess('2027-03', corrected.facts());
  t.strictSame([a?.amount, a?.incomeFactIds], [eur(35_000), [second.factId]]);
  t.notOk(a?.events.includes(first.eventId));

  // pension €600.00 and a benefit of €200.00 recorded in error and retracted: 70% of 600.00 = €420.00
  // (with the benefit it would be 70% of 800.00 = €560.00)
  const retracted = client();
  retracted.admitted(place('protected_housing', sites.protected), '2027-01-04');
  const pension = retracted.income(eur(60_000), '2027-01-01');
  const benefit = retracted.income(eur(20_000), '2027-01-01', { source: 'benefit' });
  retracted.retracted(benefit.factId);
  const [b] = assess('2027-03', retracted.facts());
  t.strictSame([b?.amount, b?.incomeFactIds], [eur(42_000), [pension.factId]]);
});

t.test('(12) no tariff in force: a line with tariff null and nothing to pay', async (t) => {
  // warm lunch has no tariff (and its site no cost: without a tariff no cost is needed); 10–31 March = 22
  const c = client();
  const lunch = place('warm_lunch', sites.lunch, 'community');
  const admitted = c.admitted(lunch, '2027-03-10');
  c.income(eur(60_000), '2027-01-01');
  t.strictSame(assess('2027-03', c.facts()), [
    {
      placementId: lunch.placementId,
      siteId: sites.lunch,
      serviceType: 'warm_lunch',
      municipality,
      daysInMonth: 31,
      inService: 22,
      billable: 22,
      counted: [{ from: '2027-03-10', to: '2027-03-31' }],
      exempted: [],
      tariff: null,
      fee: null,
      incomeFactIds: [],
      exemption: null,
      fullCost: null,
      fullMonth: eur(0),
      amount: eur(0),
      stateShare: eur(0),
      capped: false,
      convertedFromBgn: false,
      events: [admitted],
    },
  ]);
});

t.test('(13) a site with no cost for the month: SITE_COST_MISSING', async (t) => {
  const c = client();
  c.admitted(place('protected_housing', sites.noCost), '2027-03-10');
  c.income(eur(60_000), '2027-01-01');
  let thrown: unknown;
  try {
    assess('2027-03', c.facts());
  } catch (e) {
    thrown = e;
  }
  t.ok(thrown instanceof DomainError, 'a DomainError');
  t.strictSame(thrown instanceof DomainError ? [thrown.kind, thrown.code, thrown.extra] : thrown, [
    'rule',
    'SITE_COST_MISSING',
    { siteId: sites.noCost, month: '2027-03' },
  ]);
});

t.test('(14) rent by floor area at the default 0.46 лв/m²: absences never reduce it', async (t) => {
  // 0.46 лв × 45.50 m² = 20.93 лв; ÷ 1.95583 = 10.7013… → €10.70 a month (cost €250.00: not capped).
  // Away 5–14 March (10 days) changes nothing: absenceExemptAfterDays is null; 31 of 31 → €10.70
  const c = client('1999-05-05');
  const flat = place('social_housing_special_status', sites.flat);
  c.admitted(flat, '2026-11-01');
  c.income(eur(60_000), '2026-11-01', { source: 'salary' });
  c.away(flat, '2027-03-05', '2027-03-15', 10);
  const [line] = assess('2027-03', c.facts());
  t.strictSame(
    [line?.billable, line?.exempted, line?.fullMonth, line?.amount, line?.convertedFromBgn],
    [31, [], eur(1_070), eur(1_070), true],
  );
  t.strictSame(
    [line?.incomeFactIds, line?.stateShare],
    [[], eur(0)],
    'no income used; all the municipality’s',
  );

  // admitted 10 March instead: 22 of 31; 10.70 × 22 ÷ 31 = 235.4 ÷ 31 = 7.5935… → €7.59
  const late = client('1999-05-05');
  late.admitted(flat, '2027-03-10');
  const [part] = assess('2027-03', late.facts());
  t.strictSame([part?.billable, part?.amount], [22, eur(759)]);
});

t.test("(15) the state's share: all of it, none of it, a quarter", async (t) => {
  // one client in protected housing (state share 100%) and, alongside, a day centre for the elderly
  // (0%) and a rehabilitation centre (a mixed service, 25%), all for the whole of March (31 of 31):
  //   protected housing: 70% of 600.00 = €420.00, the state's 420.00
  //   day centre:        30% of 600.00 = €180.00, the state's 0
  //   rehabilitation:    30% of 600.00 = €180.00, the state's 180.00 × 2,500 ÷ 10,000 = €45.00
  const c = client();
  c.admitted(place('protected_housing', sites.protected), '2027-01-04');
  c.admitted(place('day_centre_elderly', sites.dayCentre, 'day'), '2027-01-05');
  c.admitted(place('rehabilitation_centre', sites.rehabilitation, 'day'), '2027-01-06');
  c.income(eur(60_000), '2027-01-01');
  t.strictSame(
    assess('2027-03', c.facts()).map((l) => [l.serviceType, l.amount, l.stateShare]),
    [
      ['protected_housing', eur(42_000), eur(42_000)],
      ['day_centre_elderly', eur(18_000), eur(0)],
      ['rehabilitation_centre', eur(18_000), eur(4_500)],
    ],
  );

  // a quarter of an odd amount rounds half-up: admitted 10 March to the rehabilitation centre,
  // 180.00 × 22 ÷ 31 = 127.741… → €127.74; × 2,500 ÷ 10,000 = 31.935 → €31.94
  const d = client();
  d.admitted(place('rehabilitation_centre', sites.rehabilitation, 'day'), '2027-03-10');
  d.income(eur(60_000), '2027-01-01');
  const [line] = assess('2027-03', d.facts());
  t.strictSame([line?.amount, line?.stateShare], [eur(12_774), eur(3_194)]);
});

t.test("the state's share follows who funds the site, not only the tariff", async (t) => {
  // protected housing the municipality funds itself: the national tariff still sets the fee, 70% of
  // 600.00 = €420.00, but none of it is the state's (the tariff's 100% is for the state-delegated places)
  const c = client();
  c.admitted(place('protected_housing', sites.municipalHousing), '2027-01-04');
  c.income(eur(60_000), '2027-01-01');
  t.strictSame(
    assess('2027-03', c.facts()).map((l) => [l.amount, l.stateShare]),
    [[eur(42_000), eur(0)]],
    'a municipal site: nothing to remit',
  );

  // a mixed centre whose cost setting gives the state 40% (the tariff says 25%): 30% of 600.00 =
  // €180.00 for the whole of March; the state's 180.00 × 4,000 ÷ 10,000 = €72.00
  const d = client();
  d.admitted(place('rehabilitation_centre', sites.mixedOwnShare, 'day'), '2027-01-06');
  d.income(eur(60_000), '2027-01-01');
  t.strictSame(
    assess('2027-03', d.facts()).map((l) => [l.amount, l.stateShare]),
    [[eur(18_000), eur(7_200)]],
    "a mixed site: its own part, in place of the tariff's",
  );
});

t.test('a stay in another municipality is not on this one’s assessment', async (t) => {
  const c = client();
  c.admitted({ ...place('protected_housing', sites.protected), municipality: 'MON29' }, '2027-01-04');
  c.income(eur(60_000), '2027-01-01');
  t.strictSame(assess('2027-03', c.facts()), []);
});

t.test('two BGN incomes are added in лева and converted once', async (t) => {
  // pension 500.00 лв and benefit 200.00 лв, both from 2025: 700.00 лв ÷ 1.95583 = 357.9043… → €357.90;
  // 70% = 250.53 → €250.53 for the whole of March 2026.
  // Converted one by one: 255.6459… → 255.65 and 102.2584… → 102.26, sum 357.91, 70% = 250.537 → €250.54
  const c = client();
  c.admitted(place('protected_housing', sites.protected), '2025-09-01');
  c.income(bgn(50_000), '2025-07-01');
  c.income(bgn(20_000), '2025-07-01', { source: 'benefit' });
  const [line] = assess('2026-03', c.facts());
  t.strictSame([line?.fullMonth, line?.amount], [eur(25_053), eur(25_053)]);
});

t.test('a pension from a later date replaces the earlier pension', async (t) => {
  // pension €600.00 from 2026-01-01 (no end), then €650.00 from 2027-01-01, declared as a new fact:
  // in force on 1 March 2027 is the later one: 70% of 650.00 = €455.00, 31 of 31.
  // Added up: 70% of 1,250.00 = €875.00
  const c = client();
  c.admitted(place('protected_housing', sites.protected), '2026-02-02');
  c.income(eur(60_000), '2026-01-01');
  const raised = c.income(eur(65_000), '2027-01-01');
  const [line] = assess('2027-03', c.facts());
  t.strictSame([line?.amount, line?.incomeFactIds], [eur(45_500), [raised.factId]]);
});

t.test('respite for over 90% disability with outside assistance is free up to 14 days a year', async (t) => {
  // respite 10–19 March 2027 (discharged on the 20th): 10 days, the first of the year; 95% with
  // outside assistance: free. Charged as it stands: 420.00 × 10 ÷ 31 = 135.483… → €135.48
  const c = client();
  const stay = place('protected_housing', sites.protected);
  const decision = c.disability(95, true, '2025-01-01');
  c.respite(stay, '2027-03-10');
  c.discharged(stay, '2027-03-20');
  c.income(eur(60_000), '2027-01-01');
  const [line] = assess('2027-03', c.facts());
  t.equal(line?.billable, 10);
  t.strictSame(
    [line?.exemption, line?.amount],
    [{ reason: 'respite_severe_disability', eventId: decision }, eur(0)],
  );
});

t.test('(16) a pupil of 19 in secondary school is exempt; after school, the fee', async (t) => {
  // born 20 January 2008: 19 on 1 March 2027, in secondary school 15 September 2026 – 30 June 2027.
  // Protected housing from 4 January 2027, a benefit of €200.00: the tariff's 70% = €140.00 stays visible,
  // charged 0 (and the state's share 0); the exemption rests on the school enrolment
  const c = client('2008-01-20');
  c.admitted(place('protected_housing', sites.protected), '2027-01-04');
  c.income(eur(20_000), '2026-01-01', { source: 'benefit' });
  const school = c.school('2026-09-15', '2027-06-30');
  const [march] = assess('2027-03', c.facts());
  t.strictSame(
    [march?.exemption, march?.fullMonth, march?.amount, march?.stateShare],
    [{ reason: 'pupil', eventId: school }, eur(14_000), eur(0), eur(0)],
  );
  t.ok(march?.events.includes(school));
  // July 2027, school over on 30 June: 140.00 × 31 ÷ 31 = €140.00
  const [july] = assess('2027-07', c.facts());
  t.strictSame([july?.exemption, july?.amount], [null, eur(14_000)]);

  // at 16 the same enrolment is not the reason: a child, by the birth date
  const young = client('2010-06-01');
  young.admitted(place('protected_housing', sites.protected), '2027-01-04');
  young.school('2026-09-15', '2027-06-30');
  const [child] = assess('2027-03', young.facts());
  t.strictSame(child?.exemption, { reason: 'child', eventId: young.born });
});

t.test('(17) no income and no savings: exempt only on a declaration of no savings', async (t) => {
  // rent of the special-status flat: 0.46 лв × 45.50 m² = 20.93 лв ÷ 1.95583 = 10.7013… → €10.70 a month
  // (as in (14)), all 31 days of March 2027.
  // Savings declared at zero, no income: exempt, the rent still shown, resting on the declaration
  const flat = place('social_housing_special_status', sites.flat);
  const none = client('1999-05-05');
  none.admitted(flat, '2026-11-01');
  const zero = none.savings(eur(0), '2026-11-01');
  const [exempt] = assess('2027-03', none.facts());
  t.strictSame(
    [exempt?.exemption, exempt?.fullMonth, exempt?.amount],
    [{ reason: 'no_income_no_savings', eventId: zero.eventId }, eur(1_070), eur(0)],
  );
  t.ok(exempt?.events.includes(zero.eventId));

  // nothing declared at all: not knowing of savings exempts nobody; the rent €10.70
  const unknown = client('1999-05-05');
  unknown.admitted(flat, '2026-11-01');
  const [pays] = assess('2027-03', unknown.facts());
  t.strictSame([pays?.exemption, pays?.amount], [null, eur(1_070)]);

  // no savings but a salary of €600.00: pays €10.70
  const earns = client('1999-05-05');
  earns.admitted(flat, '2026-11-01');
  earns.savings(eur(0), '2026-11-01');
  earns.income(eur(60_000), '2026-11-01', { source: 'salary' });
  const [salaried] = assess('2027-03', earns.facts());
  t.strictSame([salaried?.exemption, salaried?.amount], [null, eur(1_070)]);

  // no savings and only the outside-assistance supplement (€150.00), which is not income: exempt
  const supplement = client('1999-05-05');
  supplement.admitted(flat, '2026-11-01');
  const nothing = supplement.savings(eur(0), '2026-11-01');
  supplement.income(eur(15_000), '2026-11-01', { source: 'outside_assistance_supplement' });
  const [assisted] = assess('2027-03', supplement.facts());
  t.strictSame(
    [assisted?.exemption, assisted?.amount],
    [{ reason: 'no_income_no_savings', eventId: nothing.eventId }, eur(0)],
  );
});

t.test('(18) savings over 500 лв: the full actual cost instead of the fee', async (t) => {
  // savings 1,200.00 лв declared in 2025 against the rule's 500.00 лв: both in leva, compared as they are,
  // 1,200.00 > 500.00. Admitted 10 March 2027, 22 of 31 days: the place's €1,500.00 × 22 ÷ 31 =
  // 33,000 ÷ 31 = 1,064.516… → €1,064.52 (the fee would be 70% of €600.00 = €420.00 × 22 ÷ 31 = €298.06)
  const c = client();
  const stay = place('protected_housing', sites.protected);
  c.admitted(stay, '2027-03-10');
  c.income(eur(60_000), '2027-01-01');
  const savings = c.savings(bgn(120_000), '2025-06-01');
  const [line] = assess('2027-03', c.facts());
  t.strictSame(
    [line?.fullCost, line?.fullMonth, line?.amount, line?.stateShare, line?.capped],
    [{ reason: 'savings', eventId: savings.eventId }, eur(150_000), eur(106_452), eur(106_452), false],
  );
  t.strictSame([line?.incomeFactIds, line?.exemption], [[], null], 'no income used');
  t.ok(line?.events.includes(savings.eventId));

  // corrected to 400.00 лв: not over 500.00 лв, the fee again: €298.06
  c.savings(bgn(40_000), '2025-06-01', savings.factId);
  const [corrected] = assess('2027-03', c.facts());
  t.strictSame([corrected?.fullCost, corrected?.amount], [null, eur(29_806)]);

  // the edge, in leva: 500.00 лв is not over 500.00 лв (fee 70% of 600.00 = €420.00, whole March);
  // 500.01 лв is (€1,500.00). In euro both would be €255.65 (500.00 ÷ 1.95583 = 255.6459…,
  // 500.01 ÷ 1.95583 = 255.6510…), so leva meet leva unconverted
  const edge = (amount: ReturnType<typeof bgn>) => {
    const d = client();
    d.admitted(place('protected_housing', sites.protected), '2027-01-04');
    d.income(eur(60_000), '2027-01-01');
    d.savings(amount, '2025-06-01');
    const [l] = assess('2027-03', d.facts());
    return [l?.fullCost?.reason ?? null, l?.amount];
  };
  t.strictSame(edge(bgn(50_000)), [null, eur(42_000)]);
  t.strictSame(edge(bgn(50_001)), ['savings', eur(150_000)]);

  // euro savings of 2026 against the rule's leva: 500.00 лв ÷ 1.95583 = 255.6459… → €255.65 (half-up).
  // €255.65 is not over it (€420.00); €255.66 is (€1,500.00, and the line says a BGN figure was converted)
  const inEuro = (cents: number) => {
    const d = client();
    d.admitted(place('protected_housing', sites.protected), '2027-01-04');
    d.income(eur(60_000), '2027-01-01');
    d.savings(eur(cents), '2026-02-01');
    const [l] = assess('2027-03', d.facts());
    return [l?.fullCost?.reason ?? null, l?.amount, l?.convertedFromBgn];
  };
  t.strictSame(inEuro(25_565), [null, eur(42_000), false]);
  t.strictSame(inEuro(25_566), ['savings', eur(150_000), true]);

  // an exemption comes first: a pupil of 19 with the same 1,200.00 лв pays nothing
  const pupil = client('2008-01-20');
  pupil.admitted(place('protected_housing', sites.protected), '2027-01-04');
  pupil.savings(bgn(120_000), '2025-06-01');
  const school = pupil.school('2026-09-15', '2027-06-30');
  const [exempt] = assess('2027-03', pupil.facts());
  t.strictSame(
    [exempt?.exemption, exempt?.fullCost, exempt?.amount],
    [{ reason: 'pupil', eventId: school }, null, eur(0)],
  );

  // a tariff without the rule (supervised housing here): 50% of 600.00 = €300.00, whole March
  const other = client();
  other.admitted(place('supervised_housing', sites.supervised), '2027-01-04');
  other.income(eur(60_000), '2027-01-01');
  other.savings(bgn(120_000), '2025-06-01');
  const [plain] = assess('2027-03', other.facts());
  t.strictSame([plain?.fullCost, plain?.amount], [null, eur(30_000)]);
});

t.test('(19) a dwelling sold or given away in the last 5 years: the full actual cost', async (t) => {
  // given away on 15 March 2022: counts while the first day in service is before 15 March 2027.
  // March 2027 (first day 1 March): €1,500.00 × 31 ÷ 31 = €1,500.00. April (first day 1 April, past the
  // 5 years): the fee, 70% of 600.00 = €420.00 × 30 ÷ 30 = €420.00
  const c = client();
  c.admitted(place('protected_housing', sites.protected), '2027-01-04');
  c.income(eur(60_000), '2027-01-01');
  const gift = c.disposed('2022-03-15', 'gifted');
  const [march] = assess('2027-03', c.facts());
  t.strictSame(
    [march?.fullCost, march?.amount],
    [{ reason: 'dwelling_disposed', eventId: gift }, eur(150_000)],
  );
  const [april] = assess('2027-04', c.facts());
  t.strictSame([april?.fullCost, april?.amount], [null, eur(42_000)]);

  // sold on 10 March 2027: not yet on 1 March (the fee, €420.00), the full cost from April (€1,500.00)
  const d = client();
  d.admitted(place('protected_housing', sites.protected), '2027-01-04');
  d.income(eur(60_000), '2027-01-01');
  const sale = d.disposed('2027-03-10');
  t.strictSame(
    [assess('2027-03', d.facts())[0]?.amount, assess('2027-04', d.facts())[0]?.fullCost],
    [eur(42_000), { reason: 'dwelling_disposed', eventId: sale }],
  );
  // recorded in error and retracted: the fee again, €420.00
  d.retracted(d.facts().dwellingDisposals[0]!.factId, 'dwelling_disposal');
  t.strictSame(assess('2027-04', d.facts())[0]?.amount, eur(42_000));
});

t.test('(20) adults with intellectual disabilities or mental disorders: the group fee, 80%', async (t) => {
  // in the group from 10 March 2026: 80% of €600.00 = €480.00, the whole of March 2027
  const c = client();
  c.admitted(place('protected_housing', sites.protected), '2027-01-04');
  const pension = c.income(eur(60_000), '2027-01-01');
  const group = c.group('2026-03-10');
  const [line] = assess('2027-03', c.facts());
  t.strictSame(
    [line?.fee, line?.fullMonth, line?.amount, line?.incomeFactIds],
    [{ kind: 'income_share', basisPoints: 8000 }, eur(48_000), eur(48_000), [pension.factId]],
  );
  t.ok(line?.events.includes(group.eventId), 'the line rests on the group');
  // retracted: 70% again, €420.00
  c.retracted(group.factId, 'client_group');
  const [after] = assess('2027-03', c.facts());
  t.strictSame([after?.fee, after?.amount], [{ kind: 'income_share', basisPoints: 7000 }, eur(42_000)]);

  // in the group only from 15 March: on the first day in service (1 March) not yet, 70%: €420.00
  const later = client();
  later.admitted(place('protected_housing', sites.protected), '2027-01-04');
  later.income(eur(60_000), '2027-01-01');
  later.group('2027-03-15');
  t.strictSame(assess('2027-03', later.facts())[0]?.amount, eur(42_000));

  // a tariff with no group fees (supervised housing here, 50%): €300.00
  const other = client();
  other.admitted(place('supervised_housing', sites.supervised), '2027-01-04');
  other.income(eur(60_000), '2027-01-01');
  other.group('2026-03-10');
  t.strictSame(assess('2027-03', other.facts())[0]?.amount, eur(30_000));
});
