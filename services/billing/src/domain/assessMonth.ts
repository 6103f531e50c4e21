import {
  type AssessmentLine,
  addDays,
  addMoney,
  addMonths,
  ageOn,
  breaksRule,
  daysBetween,
  earliest,
  eur,
  type LocalDate,
  latest,
  type Money,
  type Month,
  prorate,
  type TariffBody,
} from '@casework/contracts';
import { billableDays, monthEnd, monthStart } from './billableDays.js';
import type { ClientFacts, Income, Stay } from './clientFacts.js';
import { monthlyFee } from './monthlyFee.js';

/** A tariff version as an assessment applies it. */
export type AppliedTariff = { tariffId: string; version: number; body: TariffBody };
/** A site's actual monthly cost of a place, and its floor area when it is a dwelling. */
export type SiteCost = { monthlyCost: Money; floorAreaSquareMetres?: number };

/** The law's respite rule: free days a year for a disability over the percentage with outside assistance. */
export type RespiteRule = { freeDaysPerYear: number; disabilityOverPercent: number };

/** What an assessment looks up beside the client's facts: tariffs, site costs and rules in force. */
export type Lookups = {
  tariff(serviceType: string, municipality: string, on: LocalDate): AppliedTariff | undefined;
  cost(siteId: string, month: Month): SiteCost | undefined;
  respite(on: LocalDate): RespiteRule;
};

/** Residential services for children: a young person who was in one before 18 is exempt until 21. */
const CHILDREN_RESIDENTIAL = new Set(['family_type_centre_children']);

const inForce = (f: { validFrom: LocalDate; validTo?: LocalDate }, on: LocalDate) =>
  f.validFrom <= on && (f.validTo === undefined || f.validTo >= on);

/** Inclusive day ranges from the half-open runs billableDays returns. */
const inclusive = (r: { from: LocalDate; to: LocalDate }) => ({ from: r.from, to: addDays(r.to, -1) });

/** Why the law exempts the client on a date, and the event that shows it. */
function exemptionOn(facts: ClientFacts, on: LocalDate): AssessmentLine['exemption'] {
  const birth = facts.birthDate;
  if (!birth) return null;
  const age = ageOn(birth.value, on);
  if (age < 18) return { reason: 'child', eventId: birth.eventId };
  if (age < 21) {
    const eighteen = addMonths(birth.value, 18 * 12);
    const inCare = facts.stays.find((s) => CHILDREN_RESIDENTIAL.has(s.serviceType) && s.from < eighteen);
    if (inCare) return { reason: 'care_leaver', eventId: inCare.events[0]! };
  }
  return null;
}

/**
 * The client's own incomes counted on a date: of each source the one in force that started last (a new
 * declaration replaces an open-ended older one, as intake shows them); the outside-assistance
 * supplement is never income.
 */
function incomesOn(facts: ClientFacts, on: LocalDate): Income[] {
  const bySource = new Map<string, Income>();
  for (const i of facts.incomes) {
    if (i.source === 'outside_assistance_supplement' || !inForce(i, on)) continue;
    const before = bySource.get(i.source);
    if (!before || i.validFrom > before.validFrom) bySource.set(i.source, i);
  }
  return [...bySource.values()];
}

/**
 * Respite care is free for a disability over the rule's percentage with outside assistance, up to the
 * rule's days a calendar year: the days still free after the respite days of the year's earlier months
 * (taken off the month's billable days, which the line still shows), and the decision that grants them.
 */
function respiteFree(
  facts: ClientFacts,
  month: Month,
  first: LocalDate,
  rule: RespiteRule,
): { days: number; eventId: string } | undefined {
  const decision = facts.disabilities.find(
    (d) => inForce(d, first) && d.degreePercent > rule.disabilityOverPercent && d.outsideAssistanceNeeded,
  );
  if (!decision) return undefined;
  const yearStart = `${month.slice(0, 4)}-01-01`;
  const used = facts.stays
    .filter((s) => s.respite)
    .reduce((n, s) => {
      const from = latest(s.from, yearStart);
      const to = earliest(s.to ?? monthStart(month), monthStart(month));
      return from < to ? n + daysBetween(from, to) : n;
    }, 0);
  const days = Math.max(rule.freeDaysPerYear - used, 0);
  return days > 0 ? { days, eventId: decision.eventId } : undefined;
}

/**
 * One stay's line for a month: the days it bills (the admission day counts, the discharge day does
 * not, whole days of absences longer than the tariff allows are exempt), the tariff in force on its first
 * day in service that month, the client's own income in force that day (the outside-assistance
 * supplement is not income), the legal exemptions, and the fee × billable days ÷ days in the month,
 * never above the place's actual cost, rounded half-up to the cent.
 */
function lineOf(month: Month, stay: Stay, facts: ClientFacts, lookups: Lookups): AssessmentLine | undefined {
  const first = latest(stay.from, monthStart(month));
  if (first >= monthEnd(month) || (stay.to !== undefined && stay.to <= first)) return undefined;
  const tariff = lookups.tariff(stay.serviceType, stay.municipality, first);
  const absences = facts.absences.filter((a) => a.placementId === stay.placementId);
  const rule = tariff?.body.absenceExemptAfterDays;
  const days = billableDays(month, stay, rule === null || rule === undefined ? [] : absences, {
    exemptAbsenceOverDays: rule ?? 0,
  });
  const inService = days.lines.reduce((n, l) => n + l.days, 0);
  const base = {
    placementId: stay.placementId,
    siteId: stay.siteId,
    serviceType: stay.serviceType,
    municipality: stay.municipality,
    daysInMonth: days.daysInMonth,
    inService,
    billable: days.billable,
    counted: days.lines.filter((l) => l.billed).map(inclusive),
    exempted: days.lines.filter((l) => !l.billed).map((l) => ({ ...inclusive(l), absenceId: l.absenceId! })),
  };
  const events = [...stay.events, ...absences.flatMap((a) => a.events)];
  if (!tariff)
    return {
      ...base,
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
      events,
    };
  const cost = lookups.cost(stay.siteId, month);
  if (!cost)
    throw breaksRule('SITE_COST_MISSING', `the site has no actual monthly cost for ${month}`, {
      siteId: stay.siteId,
      month,
    });
  const incomes = incomesOn(facts, first);
  // added in their own currency, so leva are converted once, when they meet euro
  const monthlyIncome = incomes.reduce<Money | undefined>(
    (sum, i) => (sum ? addMoney(sum, i.monthlyAmount) : i.monthlyAmount),
    undefined,
  );
  const respite = stay.respite ? respiteFree(facts, month, first, lookups.respite(first)) : undefined;
  const charged = respite
    ? { ...days, billable: days.billable - Math.min(respite.days, days.billable) }
    : days;
  const fee = monthlyFee(tariff.body.fee, charged, {
    monthlyIncome: monthlyIncome ?? eur(0),
    actualMonthlyCost: cost.monthlyCost,
    ...(cost.floorAreaSquareMetres !== undefined
      ? { floorAreaSquareMetres: cost.floorAreaSquareMetres }
      : {}),
  });
  const legal = exemptionOn(facts, first);
  const exemption =
    legal ?? (respite ? { reason: 'respite_severe_disability' as const, eventId: respite.eventId } : null);
  const amount = legal ? eur(0) : fee.due;
  return {
    ...base,
    tariff: { tariffId: tariff.tariffId, version: tariff.version },
    fee: tariff.body.fee,
    incomeFactIds: tariff.body.fee.kind === 'income_share' ? incomes.map((i) => i.factId) : [],
    exemption,
    fullCost: null,
    fullMonth: fee.fullMonth,
    amount,
    stateShare: prorate(amount, tariff.body.stateShareBasisPoints, 10_000),
    capped: fee.capped,
    convertedFromBgn:
      fee.convertedFromBgn ||
      (tariff.body.fee.kind === 'income_share' && incomes.some((i) => i.monthlyAmount.currency === 'BGN')),
    events: [
      ...events,
      ...(tariff.body.fee.kind === 'income_share' ? incomes.map((i) => i.eventId) : []),
      ...(exemption ? [exemption.eventId] : []),
    ],
  };
}

/** A client's month in one municipality's services: a line per stay in service that month. */
export function assessMonth(
  month: Month,
  municipality: string,
  facts: ClientFacts,
  lookups: Lookups,
): AssessmentLine[] {
  return facts.stays
    .filter((s) => s.municipality === municipality)
    .sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.placementId < b.placementId ? -1 : 1))
    .flatMap((s) => lineOf(month, s, facts, lookups) ?? []);
}

/** The sum of a month's lines, in euro. */
export const totalOf = (lines: readonly { amount: Money }[]): Money =>
  lines.reduce<Money>((sum, l) => addMoney(sum, l.amount), eur(0));
