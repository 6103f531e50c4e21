import type { Criterion } from '@casework/contracts';
import t from 'tap';
import { evaluate } from '../src/domain/evaluate.js';
import { knownFacts } from '../src/domain/facts.js';
import { at, born, disability, id, income, row } from './facts.js';

const q = { serviceType: 'protected_housing', municipality: 'BLG01', asOf: '2026-11-23' };
const rules = (...criteria: Criterion[]) => ({ criteria, validityMonths: 12 });
const one = (c: Criterion, rows: Parameters<typeof knownFacts>[0], asOf = q.asOf) =>
  evaluate(rules(c), knownFacts(rows), { ...q, asOf }).criteria[0]!;

t.test('age: bands, and the day an upper bound ends', async (t) => {
  t.match(one({ kind: 'age', min: 18 }, [born('2008-11-24')]), { result: 'not_met', reason: /age 17/ });
  t.match(one({ kind: 'age', min: 18 }, [born('2008-11-23')]), { result: 'met', reason: /age 18/ });
  t.match(one({ kind: 'age', min: 18 }, []), { result: 'unknown', missing: ['birth_date'] });
  const child = evaluate(rules({ kind: 'age', below: 18 }), knownFacts([born('2015-02-02')]), q);
  t.equal(child.validUntil, '2027-11-22', 'the rule set’s year, sooner than the 18th birthday');
  const nearly = evaluate(rules({ kind: 'age', below: 18 }), knownFacts([born('2009-03-10')]), q);
  t.equal(nearly.validUntil, '2027-03-09', 'valid until the day before the 18th birthday');
});

t.test('disability: valid on the date, degree and outside assistance', async (t) => {
  const c: Criterion = { kind: 'disability_degree', minPercent: 50 };
  t.match(one(c, []), {
    result: 'unknown',
    missing: ['disability'],
    reason: 'no disability decision recorded',
  });
  t.match(one(c, [disability(1, 72, '2020-01-01', { validTo: '2025-12-31' })]), {
    result: 'unknown',
    reason: /expired/,
  });
  t.match(one(c, [disability(1, 49.5, '2026-01-01')]), { result: 'not_met', reason: /49.5%, below 50%/ });
  t.match(one(c, [disability(1, 50, '2026-01-01')]), { result: 'met' });
  t.match(one({ ...c, outsideAssistance: true }, [disability(1, 95, '2026-01-01')]), { result: 'not_met' });
  const until = evaluate(
    rules(c),
    knownFacts([disability(1, 80, '2026-01-01', { validTo: '2027-03-31' })]),
    q,
  );
  t.equal(until.validUntil, '2027-03-31', 'a determination ends with the decision it rests on');
});

t.test(
  'corrections and retractions drop the old fact; later knowledge is invisible to earlier times',
  async (t) => {
    const c: Criterion = { kind: 'disability_degree', minPercent: 50 };
    const rows = [
      disability(1, 72, '2026-01-01', {}, 1),
      disability(2, 40, '2026-01-01', { supersedes: id(1) }, 2),
      row('FactRetracted', { factId: id(2), kind: 'disability' }, 3),
    ];
    const on = (minute: number) => evaluate(rules(c), knownFacts(rows, at(minute)), q).criteria[0]!.result;
    t.equal(on(1), 'met', 'as first recorded');
    t.equal(on(2), 'not_met', 'after the correction');
    t.equal(on(3), 'unknown', 'after the correction was retracted nothing is left');
  },
);

t.test('residence: the unbroken run in the municipality', async (t) => {
  const c: Criterion = { kind: 'residence', address: 'permanent', minYears: 5 };
  const lives = (municipality: string, validFrom: string) =>
    row('ResidenceRecorded', { kind: 'permanent', municipality, validFrom });
  t.match(one(c, []), { result: 'unknown', missing: ['residence'] });
  t.match(one(c, [lives('BLG01', '2019-01-01'), lives('SOF46', '2024-01-01')]), {
    result: 'not_met',
    reason: /in SOF46, not BLG01/,
  });
  t.match(one(c, [lives('SOF46', '2010-01-01'), lives('BLG01', '2023-01-01')]), {
    result: 'not_met',
    reason: /since 2023-01-01, short of 5 years/,
  });
  t.match(one(c, [lives('BLG01', '2015-01-01'), lives('BLG01', '2022-06-01')]), {
    result: 'met',
    reason: /since 2015-01-01/,
    facts: [{}, {}],
  });
});

t.test('income per household member: members who belong on the date count', async (t) => {
  const c: Criterion = {
    kind: 'household_income_per_member',
    ceiling: { amountMinor: 40_000, currency: 'EUR' },
  };
  const member = (m: string, from: string) =>
    row('HouseholdMemberAdded', { memberId: m, relation: 'child', from });
  const left = (m: string, from: string) => row('HouseholdMemberLeft', { memberId: m, from });
  t.match(one(c, [member(id(9), '2026-01-01')]), { result: 'unknown', missing: ['income'] });
  t.match(one(c, [income(1, 60_000)]), { result: 'not_met', reason: /€600.00 a month for 1 person/ });
  const two = [
    income(1, 60_000),
    member(id(9), '2026-01-01'),
    income(2, 10_000, { memberId: id(9), source: 'benefit' }),
  ];
  t.match(one(c, two), { result: 'met', reason: /€700.00 a month for 2 people: €350.00 each/ });
  t.match(one(c, [...two, left(id(9), '2026-06-01')]), { result: 'not_met', reason: /for 1 person/ });
  t.match(one(c, [income(1, 60_000), income(3, 20_000, { source: 'salary' })]), { reason: /€800.00/ });
});

t.test('needs assessment: recent enough and recommending the service', async (t) => {
  const c: Criterion = { kind: 'needs_assessment', maxAgeMonths: 12, recommends: ['protected_housing'] };
  const assessed = (assessedOn: string, recommendedServiceType?: string) =>
    row('NeedsAssessed', {
      assessmentId: id(7),
      assessedOn,
      ...(recommendedServiceType ? { recommendedServiceType } : {}),
    });
  t.match(one(c, []), { result: 'unknown', missing: ['needs_assessment'] });
  t.match(one(c, [assessed('2025-11-22', 'protected_housing')]), {
    result: 'unknown',
    reason: /older than 12 months/,
  });
  t.match(one(c, [assessed('2026-10-01', 'day_centre_adults_disabilities')]), { result: 'not_met' });
  const met = evaluate(rules(c), knownFacts([assessed('2026-10-01', 'protected_housing')]), q);
  t.match(met, { outcome: 'eligible', validUntil: '2027-09-30' });
});

t.test('referral, placement history and any_of', async (t) => {
  const referral = row('ReferralRecorded', {
    applicationId: id(3),
    serviceType: 'protected_housing',
    issuedOn: '2026-11-01',
  });
  t.match(one({ kind: 'referral' }, [referral]), { result: 'met' });
  t.match(
    evaluate(rules({ kind: 'referral' }), knownFacts([referral]), { ...q, applicationId: id(4) }).criteria[0],
    { result: 'unknown' },
    'a referral of another application does not count',
  );
  t.match(
    one({ kind: 'placement_history', serviceTypes: ['protected_housing'], dischargedWithinDays: 90 }, []),
    {
      result: 'not_met',
    },
  );
  const either: Criterion = {
    kind: 'any_of',
    criteria: [
      { kind: 'disability_degree', minPercent: 50 },
      { kind: 'age', min: 65 },
    ],
  };
  t.match(one(either, [born('1950-01-01')]), { result: 'met' });
  t.match(one(either, [born('1990-01-01')]), { result: 'unknown', missing: ['disability'] });
  t.match(one(either, [born('1990-01-01'), disability(1, 20, '2026-01-01')]), { result: 'not_met' });
});

t.test('outcome: a failed criterion is final; a missing fact makes it incomplete and named', async (t) => {
  const all = rules(
    { kind: 'age', min: 18 },
    { kind: 'disability_degree', minPercent: 50 },
    { kind: 'referral' },
  );
  const young = evaluate(all, knownFacts([born('2010-01-01')]), q);
  t.equal(young.outcome, 'ineligible');
  t.same(young.missing.sort(), ['disability', 'referral'], 'still says what is missing');
  const adult = evaluate(all, knownFacts([born('1980-01-01'), disability(1, 60, '2026-01-01')]), q);
  t.match(adult, { outcome: 'incomplete', missing: ['referral'] });
  t.equal(adult.factsUsed.length, 2);
  const dead = evaluate(
    all,
    knownFacts([born('1980-01-01'), row('ClientDied', { diedOn: '2026-11-01' })]),
    q,
  );
  t.match(dead, { outcome: 'ineligible', criteria: [{ kind: 'alive', result: 'not_met' }] });
});
