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
  type FeeBasis,
  type Funding,
  type LocalDate,
  latest,
  type Money,
  type Month,
  prorate,
  type ServiceTypeCode,
  type TariffBody,
  toEur,
} from '@casework/contracts';
import { billableDays, monthEnd, monthStart } from './billableDays.js';
import type { ClientFacts, Fact, Income, Stay } from './clientFacts.js';
import { monthlyFee } from './monthlyFee.js';

/** A tariff version as an assessment applies it. */
export type AppliedTariff = { tariffId: string; version: number; body: TariffBody };
/**
 * A site's actual monthly cost of a place, its floor area when it is a dwelling, and a mixed site's
 * state part of its fees.
 */
export type SiteCost = { monthlyCost: Money; floorAreaSquareMetres?: number; stateShareBasisPoints?: number };

/** The law's respite rule: free days a year for a disability over the percentage with outside assistance. */
export type RespiteRule = { freeDaysPerYear: number; disabilityOverPercent: number };

/** What an assessment looks up beside the client's facts: tariffs, site costs and rules in force. */
export type Lookups = {
  tariff(serviceType: string, municipality: string, on: LocalDate): AppliedTariff | undefined;
  cost(siteId: string, month: Month): SiteCost | undefined;
  /** Who funds the site (placement's record of it, else its service type's default). */
  funding(siteId: string, serviceType: ServiceTypeCode): Funding;
  respite(on: LocalDate): RespiteRule;
};

/**
 * The state's part of a line's fee, in basis points: at a state-delegated site what the tariff gives it,
 * at a mixed site the part set with the site's cost (the tariff's until one is set), at a municipal or
 * programme site none: the municipality keeps what it funds.
 */
export function stateShareBasisPoints(funding: Funding, tariff: TariffBody, cost: SiteCost): number {
  if (funding === 'state_delegated') return tariff.stateShareBasisPoints;
  if (funding === 'mixed') return cost.stateShareBasisPoints ?? tariff.stateShareBasisPoints;
  return 0;
}

/** Residential services for children: a young person who was in one before 18 is exempt until 21. */
const CHILDREN_RESIDENTIAL = new Set(['family_type_centre_children']);

const inForce = (f: { validFrom: LocalDate; validTo?: LocalDate }, on: LocalDate) =>
  f.validFrom <= on && (f.validTo === undefined || f.validTo >= on);

/** Inclusive day ranges from the half-open runs billableDays returns. */
const inclusive = (r: { from: LocalDate; to: LocalDate }) => ({ from: r.from, to: addDays(r.to, -1) });

/**
 * Of facts of one kind, in the order billing learned them, the one in force on a date that started last
 * (of two from the same day, the later learned), as intake shows them: a new declaration replaces an
 * open-ended older one.
 */
function latestOn<F extends Fact>(facts: readonly F[], on: LocalDate): F | undefined {
  return facts
    .filter((f) => inForce(f, on))
    .reduce<F | undefined>((last, f) => (!last || f.validFrom >= last.validFrom ? f : last), undefined);
}

/**
 * Why the law exempts the client on a date, and the event that shows it: a child (under 18, by the birth
 * date); a pupil (a secondary-school enrolment in force); a young person under 21 who was in a
 * children's residential service before 18; or no income and no savings. The last rests on knowledge,
 * never on its absence: savings declared in force that day at zero (an undeclared client is not exempt)
 * and no own income in force above zero (the outside-assistance supplement is not income); the savings
 * declaration is the event it rests on.
 */
function exemptionOn(
  facts: ClientFacts,
  on: LocalDate,
  incomes: readonly Income[],
): AssessmentLine['exemption'] {
  const birth = facts.birthDate;
  if (birth && ageOn(birth.value, on) < 18) return { reason: 'child', eventId: birth.eventId };
  const school = latestOn(facts.schooling, on);
  if (school) return { reason: 'pupil', eventId: school.eventId };
  if (birth && ageOn(birth.value, on) < 21) {
    const eighteen = addMonths(birth.value, 18 * 12);
    const inCare = facts.stays.find((s) => CHILDREN_RESIDENTIAL.has(s.serviceType) && s.from < eighteen);
    if (inCare) return { reason: 'care_leaver', eventId: inCare.events[0]! };
  }
  const savings = latestOn(facts.savings, on);
  if (savings?.amount.amountMinor === 0 && incomes.every((i) => i.monthlyAmount.amountMinor === 0))
    return { reason: 'no_income_no_savings', eventId: savings.eventId };
  return null;
}

/** Whether `a` is more than `b`: in their currency when they share it, else in euro (leva at 1.95583, half-up). */
function exceeds(a: Money, b: Money): { over: boolean; converted: boolean } {
  if (a.currency === b.currency) return { over: a.amountMinor > b.amountMinor, converted: false };
  return { over: toEur(a).amountMinor > toEur(b).amountMinor, converted: true };
}

/**
 * Why the tariff's full-cost rule charges the place's actual cost instead of the fee on a date, and the
 * fact it rests on: the savings in force that day over the rule's amount, else a dwelling sold or given
 * away on or before the day and less than the rule's years before it (the latest such disposal).
 */
function fullCostOn(
  rule: TariffBody['fullCostRule'],
  facts: ClientFacts,
  on: LocalDate,
): { fullCost: NonNullable<AssessmentLine['fullCost']>; convertedFromBgn: boolean } | undefined {
  if (!rule) return undefined;
  const savings = latestOn(facts.savings, on);
  const compared = savings && exceeds(savings.amount, rule.savingsOver);
  if (savings && compared?.over)
    return {
      fullCost: { reason: 'savings', eventId: savings.eventId },
      convertedFromBgn: compared.converted,
    };
  const within = facts.dwellingDisposals.filter(
    (d) => on < addMonths(d.validFrom, 12 * rule.dwellingDisposedWithinYears),
  );
  const disposal = latestOn(within, on);
  return disposal
    ? { fullCost: { reason: 'dwelling_disposed', eventId: disposal.eventId }, convertedFromBgn: false }
    : undefined;
}

/** The tariff's fee for the client on a date: the first group fee whose group the client is in, else its fee. */
function feeFor(body: TariffBody, facts: ClientFacts, on: LocalDate): { fee: FeeBasis; eventId?: string } {
  for (const g of body.groupFees) {
    const member = latestOn(
      facts.groups.filter((m) => m.group === g.group),
      on,
    );
    if (member) return { fee: g.fee, eventId: member.eventId };
  }
  return { fee: body.fee };
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
 * day in service that month and its fee for the client's group that day, the client's own income in
 * force that day (the outside-assistance supplement is not income), the legal exemptions, and the fee ×
 * billable days ÷ days in the month, never above the place's actual cost, rounded half-up to the cent.
 * Where the tariff's full-cost rule holds (and no exemption), the place's actual cost × billable days ÷
 * days in the month instead.
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
  // written out in full below, not spread: a line is made for every client and month of a run, and an
  // object literal built at once is far cheaper than one grown from a spread
  const counted = days.lines.filter((l) => l.billed).map(inclusive);
  const exempted = days.lines
    .filter((l) => !l.billed)
    .map((l) => Object.assign(inclusive(l), { absenceId: l.absenceId! }));
  const events = [...stay.events, ...absences.flatMap((a) => a.events)];
  if (!tariff)
    return {
      placementId: stay.placementId,
      siteId: stay.siteId,
      serviceType: stay.serviceType,
      municipality: stay.municipality,
      daysInMonth: days.daysInMonth,
      inService,
      billable: days.billable,
      counted,
      exempted,
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
  const applied = feeFor(tariff.body, facts, first);
  const fee = monthlyFee(applied.fee, charged, {
    monthlyIncome: monthlyIncome ?? eur(0),
    actualMonthlyCost: cost.monthlyCost,
    ...(cost.floorAreaSquareMetres !== undefined
      ? { floorAreaSquareMetres: cost.floorAreaSquareMetres }
      : {}),
  });
  const legal = exemptionOn(facts, first, incomes);
  const exemption =
    legal ?? (respite ? { reason: 'respite_severe_disability' as const, eventId: respite.eventId } : null);
  // the full actual cost instead of the fee, for the days the fee would have charged
  const full = legal ? undefined : fullCostOn(tariff.body.fullCostRule, facts, first);
  const fullMonth = full ? toEur(cost.monthlyCost) : fee.fullMonth;
  const amount = legal ? eur(0) : full ? prorate(fullMonth, charged.billable, charged.daysInMonth) : fee.due;
  const incomeUsed = applied.fee.kind === 'income_share' && !full ? incomes : [];
  return {
    placementId: stay.placementId,
    siteId: stay.siteId,
    serviceType: stay.serviceType,
    municipality: stay.municipality,
    daysInMonth: days.daysInMonth,
    inService,
    billable: days.billable,
    counted,
    exempted,
    tariff: { tariffId: tariff.tariffId, version: tariff.version },
    fee: applied.fee,
    incomeFactIds: incomeUsed.map((i) => i.factId),
    exemption,
    fullCost: full?.fullCost ?? null,
    fullMonth,
    amount,
    stateShare: prorate(
      amount,
      stateShareBasisPoints(lookups.funding(stay.siteId, stay.serviceType), tariff.body, cost),
      10_000,
    ),
    capped: !full && fee.capped,
    convertedFromBgn: full
      ? cost.monthlyCost.currency === 'BGN' || full.convertedFromBgn
      : fee.convertedFromBgn || incomeUsed.some((i) => i.monthlyAmount.currency === 'BGN'),
    events: [
      ...events,
      ...incomeUsed.map((i) => i.eventId),
      ...(applied.eventId ? [applied.eventId] : []),
      ...(exemption ? [exemption.eventId] : []),
      ...(full ? [full.fullCost.eventId] : []),
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
