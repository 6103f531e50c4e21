import {
  addDays,
  addMonths,
  ageOn,
  byCodePoint,
  type Criterion,
  type CriterionOutcome,
  type EligibilityFactKind,
  earliest,
  type LocalDate,
  latest,
  type Outcome,
  type SimpleCriterion,
} from '@casework/contracts';
import { type Dated, inForce, type KnownFacts } from './facts.js';

/** The question: this client, this service type, in this municipality, on this date. */
export type Question = {
  serviceType: string;
  municipality: string;
  asOf: LocalDate;
  applicationId?: string | undefined;
};

/** A rule-set version as evaluation needs it. */
export type Rules = { criteria: readonly Criterion[]; validityMonths: number };

export type Evaluation = {
  outcome: Outcome;
  criteria: CriterionOutcome[];
  factsUsed: { kind: EligibilityFactKind; eventId: string }[];
  missing: EligibilityFactKind[];
  validUntil: LocalDate;
};

type Result = CriterionOutcome & { until?: LocalDate };

const met = (kind: string, reason: string, facts: Result['facts'], until?: LocalDate): Result => ({
  kind,
  result: 'met',
  reason,
  facts,
  missing: [],
  ...(until ? { until } : {}),
});
const notMet = (kind: string, reason: string, facts: Result['facts']): Result => ({
  kind,
  result: 'not_met',
  reason,
  facts,
  missing: [],
});
const unknown = (
  kind: string,
  reason: string,
  missing: EligibilityFactKind[],
  facts: Result['facts'] = [],
) => ({
  kind,
  result: 'unknown' as const,
  reason,
  facts,
  missing,
});

const euros = (cents: number) => `€${(cents / 100).toFixed(2)}`;
const dayBefore = (d: LocalDate) => addDays(d, -1);
const minDate = (dates: (LocalDate | undefined)[]): LocalDate | undefined => {
  const [first, ...rest] = dates.filter((d): d is LocalDate => d !== undefined);
  return first === undefined ? undefined : earliest(first, ...rest);
};
const validTo = (x: Dated) => x.validTo;

function evaluateSimple(c: SimpleCriterion, f: KnownFacts, q: Question): Result {
  switch (c.kind) {
    case 'age': {
      if (!f.birthDate) return unknown(c.kind, 'no birth date recorded', ['birth_date']);
      const age = ageOn(f.birthDate.value, q.asOf);
      const used = [{ kind: 'birth_date' as const, eventId: f.birthDate.eventId }];
      const band = [
        c.min !== undefined ? `at least ${c.min}` : '',
        c.below !== undefined ? `under ${c.below}` : '',
      ]
        .filter(Boolean)
        .join(' and ');
      if ((c.min !== undefined && age < c.min) || (c.below !== undefined && age >= c.below))
        return notMet(c.kind, `age ${age} on ${q.asOf}; the service is for people ${band}`, used);
      // an upper bound ends on the day before the birthday that reaches it
      const until = c.below !== undefined ? dayBefore(addMonths(f.birthDate.value, 12 * c.below)) : undefined;
      return met(c.kind, `age ${age} on ${q.asOf} (${band})`, used, until);
    }
    case 'disability_degree':
    case 'disability_assessed': {
      const [d] = inForce(f.disabilities, q.asOf);
      if (!d)
        return unknown(
          c.kind,
          f.disabilities.length
            ? `no disability decision valid on ${q.asOf} (the last one has expired)`
            : 'no disability decision recorded',
          ['disability'],
        );
      const used = [{ kind: 'disability' as const, eventId: d.eventId }];
      const validity = d.validTo ? `, valid until ${d.validTo}` : '';
      if (c.kind === 'disability_assessed')
        return met(c.kind, `disability decision of ${d.degreePercent}%${validity}`, used, validTo(d));
      if (d.degreePercent < c.minPercent)
        return notMet(c.kind, `disability degree ${d.degreePercent}%, below ${c.minPercent}%`, used);
      if (c.outsideAssistance && !d.outsideAssistanceNeeded)
        return notMet(c.kind, `degree ${d.degreePercent}% but no need of outside assistance found`, used);
      return met(
        c.kind,
        `disability degree ${d.degreePercent}% ≥ ${c.minPercent}%${validity}`,
        used,
        validTo(d),
      );
    }
    case 'residence': {
      const periods = f.residences
        .filter((r) => r.kind === c.address && r.validFrom <= q.asOf)
        .sort((a, b) => byCodePoint(a.validFrom, b.validFrom));
      if (periods.length === 0) return unknown(c.kind, `no ${c.address} address recorded`, ['residence']);
      // the unbroken run of addresses in the municipality that reaches the date
      let i = periods.length - 1;
      if (periods[i]!.municipality !== q.municipality)
        return notMet(c.kind, `${c.address} address in ${periods[i]!.municipality}, not ${q.municipality}`, [
          { kind: 'residence', eventId: periods[i]!.eventId },
        ]);
      while (i > 0 && periods[i - 1]!.municipality === q.municipality) i--;
      const since = periods[i]!.validFrom;
      const used = periods.slice(i).map((r) => ({ kind: 'residence' as const, eventId: r.eventId }));
      const needed = addMonths(since, Math.round(c.minYears * 12));
      if (needed > q.asOf)
        return notMet(
          c.kind,
          `${c.address} address in ${q.municipality} since ${since}, short of ${c.minYears} years`,
          used,
        );
      return met(c.kind, `${c.address} address in ${q.municipality} since ${since}`, used);
    }
    case 'household_income_per_member': {
      // the client's own declaration is required (it may be zero); members without one count as zero
      if (
        inForce(
          f.incomes.filter((x) => !x.memberId),
          q.asOf,
        ).length === 0
      )
        return unknown(c.kind, `no income of the client declared for ${q.asOf}`, ['income']);
      const members = f.members.filter((m) => m.from <= q.asOf && (!m.leftOn || m.leftOn > q.asOf));
      const present = new Set([undefined, ...members.map((m) => m.memberId)]);
      const incomes = inForce(
        f.incomes.filter((x) => present.has(x.memberId)),
        q.asOf,
        (x) => `${x.memberId ?? 'client'}:${x.source}`,
      );
      if (incomes.some((x) => x.monthlyAmount.currency !== c.ceiling.currency))
        return unknown(c.kind, `an income is declared in another currency than ${c.ceiling.currency}`, [
          'income',
        ]);
      const total = incomes.reduce((s, x) => s + x.monthlyAmount.amountMinor, 0);
      const size = 1 + members.length;
      const perMember = Math.floor(total / size);
      const used = [
        ...incomes.map((x) => ({ kind: 'income' as const, eventId: x.eventId })),
        ...members.map((m) => ({ kind: 'household' as const, eventId: m.eventId })),
      ];
      const text = `household income ${euros(total)} a month for ${size} ${size === 1 ? 'person' : 'people'}: ${euros(perMember)} each`;
      if (perMember > c.ceiling.amountMinor)
        return notMet(c.kind, `${text}, above the ceiling of ${euros(c.ceiling.amountMinor)}`, used);
      return met(
        c.kind,
        `${text}, within the ceiling of ${euros(c.ceiling.amountMinor)}`,
        used,
        minDate(incomes.map(validTo)),
      );
    }
    case 'no_dwelling_owned': {
      const [o] = inForce(f.ownership, q.asOf);
      if (!o) return unknown(c.kind, `dwelling ownership not recorded for ${q.asOf}`, ['dwelling_ownership']);
      const used = [{ kind: 'dwelling_ownership' as const, eventId: o.eventId }];
      return o.ownsDwelling
        ? notMet(c.kind, 'owns a dwelling', used)
        : met(c.kind, 'owns no dwelling', used, validTo(o));
    }
    case 'needs_assessment': {
      const latest = f.assessments
        .filter((a) => a.assessedOn <= q.asOf)
        .sort((a, b) => byCodePoint(b.assessedOn, a.assessedOn))[0];
      if (!latest) return unknown(c.kind, 'no needs assessment recorded', ['needs_assessment']);
      const expires = dayBefore(addMonths(latest.assessedOn, c.maxAgeMonths));
      const used = [{ kind: 'needs_assessment' as const, eventId: latest.eventId }];
      if (expires < q.asOf)
        return unknown(
          c.kind,
          `the latest needs assessment (${latest.assessedOn}) is older than ${c.maxAgeMonths} months`,
          ['needs_assessment'],
          used,
        );
      const rec = latest.recommendedServiceType;
      if (c.recommends && (!rec || !c.recommends.includes(rec)))
        return notMet(
          c.kind,
          `the needs assessment of ${latest.assessedOn} recommends ${rec ?? 'no service'}, not ${c.recommends.join(' or ')}`,
          used,
        );
      return met(
        c.kind,
        `needs assessment of ${latest.assessedOn}${rec ? ` recommending ${rec}` : ''}`,
        used,
        expires,
      );
    }
    case 'referral': {
      const r = f.referrals.find(
        (x) =>
          x.serviceType === q.serviceType &&
          x.issuedOn <= q.asOf &&
          (!q.applicationId || x.applicationId === q.applicationId),
      );
      if (!r) return unknown(c.kind, `no referral for ${q.serviceType} recorded`, ['referral']);
      return met(c.kind, `referral issued on ${r.issuedOn}`, [{ kind: 'referral', eventId: r.eventId }]);
    }
    case 'placement_history': {
      const types = new Set<string>(c.serviceTypes);
      const relevant = f.placements.filter((p) => types.has(p.serviceType) && p.from <= q.asOf);
      const current = relevant.find((p) => !p.to || p.to > q.asOf);
      if (current)
        return met(c.kind, `placed in ${current.serviceType} since ${current.from}`, [
          { kind: 'placement', eventId: current.eventId },
        ]);
      const recent = relevant
        .filter((p) => p.to && addDays(p.to, c.dischargedWithinDays) >= q.asOf)
        .sort((a, b) => byCodePoint(b.to ?? '', a.to ?? ''))[0];
      if (recent)
        return met(
          c.kind,
          `left ${recent.serviceType} on ${recent.to}, within ${c.dischargedWithinDays} days`,
          [{ kind: 'placement', eventId: recent.eventId }],
          addDays(recent.to!, c.dischargedWithinDays),
        );
      return notMet(
        c.kind,
        `not placed in ${c.serviceTypes.join(' or ')} nor discharged from one in the last ${c.dischargedWithinDays} days`,
        [],
      );
    }
  }
}

function evaluateCriterion(c: Criterion, f: KnownFacts, q: Question): Result {
  if (c.kind !== 'any_of') return evaluateSimple(c, f, q);
  const parts = c.criteria.map((x) => evaluateSimple(x, f, q));
  const reason = parts.map((p) => `${p.kind}: ${p.reason}`).join('; ');
  const firstMet = parts.find((p) => p.result === 'met');
  if (firstMet) return met('any_of', `one is enough — ${reason}`, firstMet.facts, firstMet.until);
  const facts = parts.flatMap((p) => p.facts);
  if (parts.some((p) => p.result === 'unknown'))
    return unknown(
      'any_of',
      `none met yet — ${reason}`,
      [...new Set(parts.flatMap((p) => p.missing))],
      facts,
    );
  return notMet('any_of', `none met — ${reason}`, facts);
}

/**
 * Evaluates a rule-set version on known facts. Pure: the same facts, rules and question always give the
 * same result. A missing fact makes its criterion `unknown`, never met or not met; any unmet criterion
 * makes the outcome `ineligible`, else any unknown one `incomplete`.
 */
export function evaluate(rules: Rules, facts: KnownFacts, q: Question): Evaluation {
  const results: Result[] = [];
  if (facts.diedOn && facts.diedOn.value <= q.asOf)
    results.push(
      notMet('alive', `died on ${facts.diedOn.value}`, [{ kind: 'death', eventId: facts.diedOn.eventId }]),
    );
  for (const c of rules.criteria) results.push(evaluateCriterion(c, facts, q));
  const outcome: Outcome = results.some((r) => r.result === 'not_met')
    ? 'ineligible'
    : results.some((r) => r.result === 'unknown')
      ? 'incomplete'
      : 'eligible';
  const factsUsed = [...new Map(results.flatMap((r) => r.facts).map((x) => [x.eventId, x])).values()];
  // the earliest of the rule set's validity and the end of any fact a met criterion rests on
  const validUntil = minDate([
    dayBefore(addMonths(q.asOf, rules.validityMonths)),
    ...results.map((r) => (r.result === 'met' ? r.until : undefined)),
  ])!;
  return {
    outcome,
    criteria: results.map(({ until: _, ...r }) => r),
    factsUsed,
    missing: [...new Set(results.flatMap((r) => r.missing))],
    validUntil: latest(validUntil, q.asOf),
  };
}
