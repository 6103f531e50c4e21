import { randomUUID } from 'node:crypto';
import { DomainError, eur, type TariffBody } from '@casework/contracts';
import { deciderSpec } from '@casework/testkit';
import t from 'tap';
import { costFor, type SetSiteCost, type SiteCostEvent, siteCostDecider } from '../src/domain/siteCost.js';
import {
  type TariffCommand,
  type TariffEvent,
  type TariffScope,
  tariffDecider,
  tariffInForce,
} from '../src/domain/tariff.js';

// Given a tariff's (or a site cost's) events, when a command comes, then these events, or a
// DomainError with its code.

const spec = deciderSpec(tariffDecider);
const national: TariffScope = {
  tariffId: 'protected_housing:national',
  serviceType: 'protected_housing',
  municipality: null,
};
const municipal: TariffScope = {
  tariffId: 'day_centre_elderly:BLG01',
  serviceType: 'day_centre_elderly',
  municipality: 'BLG01',
};
/** Protected housing as in billing-tariffs.json, at `basisPoints` of the income. */
const body = (basisPoints = 7000): TariffBody => ({
  fee: { kind: 'income_share', basisPoints },
  groupFees: [
    { group: 'intellectual_or_mental_disability', fee: { kind: 'income_share', basisPoints: 8000 } },
  ],
  absenceExemptAfterDays: 3,
  fullCostRule: { savingsOver: { amountMinor: 50_000, currency: 'BGN' }, dwellingDisposedWithinYears: 5 },
  stateShareBasisPoints: 10_000,
});

const drafted = (scope: TariffScope, version: number, b = body()): TariffEvent => ({
  type: 'TariffDrafted',
  data: { ...scope, version, ...b },
});
const published = (scope: TariffScope, version: number, effectiveFrom: string, b = body()): TariffEvent => ({
  type: 'TariffPublished',
  data: { ...scope, version, ...b, effectiveFrom },
});
const retired = (scope: TariffScope, version: number, retiredFrom: string): TariffEvent => ({
  type: 'TariffRetired',
  data: { ...scope, version, retiredFrom },
});
const publish = (version: number, effectiveFrom: string, today = '2027-05-01'): TariffCommand => ({
  type: 'Publish',
  version,
  effectiveFrom,
  today,
});
const retire = (version: number, retiredFrom: string, today = '2027-05-01'): TariffCommand => ({
  type: 'Retire',
  version,
  retiredFrom,
  today,
});

/** The DomainError deciding the command on the given events throws, as [kind, code]. */
function refusal(given: TariffEvent[], command: TariffCommand) {
  try {
    tariffDecider.decide(command, given.reduce(tariffDecider.evolve, tariffDecider.initialState));
  } catch (e) {
    return e instanceof DomainError ? [e.kind, e.code] : e;
  }
  return 'no error';
}
const stateOf = (events: TariffEvent[]) => events.reduce(tariffDecider.evolve, tariffDecider.initialState);

// version 1 as adopted from the reference data in 2020, in force since
const adopted = [drafted(national, 1), published(national, 1, '2020-07-01')];

t.test('a draft, then published from today or later', async (t) => {
  // the next version is 1 + 1 = 2; at 80% it charges nothing until published
  spec(t)
    .given(adopted)
    .when({ type: 'Draft', scope: national, body: body(8000) })
    .then([drafted(national, 2, body(8000))]);
  const withDraft = [...adopted, drafted(national, 2, body(8000))];
  spec(t)
    .given(withDraft)
    .when(publish(2, '2027-05-01'))
    .then([published(national, 2, '2027-05-01', body(8000))], 'from today');
  spec(t)
    .given(withDraft)
    .when(publish(2, '2027-07-01'))
    .then([published(national, 2, '2027-07-01', body(8000))], 'from a later day');
  t.strictSame(
    refusal(withDraft, publish(2, '2027-04-30')),
    ['rule', 'EFFECTIVE_DATE_PAST'],
    'not before today',
  );
});

t.test('only a draft is published', async (t) => {
  // version 1 is already published (from 2020-07-01): again from that date is a retry, from another is refused
  spec(t).given(adopted).when(publish(1, '2020-07-01')).then([], 'the same publication again: nothing');
  t.strictSame(refusal(adopted, publish(1, '2027-07-01')), ['conflict', 'NOT_A_DRAFT']);
  t.strictSame(refusal([...adopted, retired(national, 1, '2027-06-01')], publish(1, '2027-07-01')), [
    'conflict',
    'NOT_A_DRAFT',
  ]);
  t.strictSame(refusal(adopted, publish(3, '2027-07-01')), ['conflict', 'VERSION_NOT_FOUND']);
});

t.test('retiring: a national version only while another is published; a municipal one always', async (t) => {
  const two = [
    ...adopted,
    drafted(national, 2, body(8000)),
    published(national, 2, '2027-01-01', body(8000)),
  ];
  spec(t)
    .given(two)
    .when(retire(2, '2027-06-01'))
    .then([retired(national, 2, '2027-06-01')]);
  t.strictSame(
    refusal(adopted, retire(1, '2027-06-01')),
    ['rule', 'NATIONAL_TARIFF_REQUIRED'],
    'the last one',
  );
  t.strictSame(
    refusal([...two, retired(national, 2, '2027-06-01')], retire(1, '2027-06-01')),
    ['rule', 'NATIONAL_TARIFF_REQUIRED'],
    'the last published one, the other retired',
  );
  const own = [drafted(municipal, 1), published(municipal, 1, '2026-01-01')];
  spec(t)
    .given(own)
    .when(retire(1, '2027-06-01'))
    .then([retired(municipal, 1, '2027-06-01')], 'a municipal tariff falls back on the national one');
  spec(t)
    .given([...own, retired(municipal, 1, '2027-06-01')])
    .when(retire(1, '2027-06-01'))
    .then([], 'retired twice: nothing');
  t.strictSame(refusal(own, retire(1, '2027-04-30')), ['rule', 'RETIREMENT_DATE_PAST']);
  t.strictSame(refusal([...own, drafted(municipal, 2)], retire(2, '2027-06-01')), [
    'conflict',
    'NOT_PUBLISHED',
  ]);
});

t.test('the default is adopted only into an empty tariff', async (t) => {
  const adopt: TariffCommand = {
    type: 'AdoptDefault',
    scope: national,
    body: body(),
    effectiveFrom: '2020-07-01',
  };
  spec(t).given([]).when(adopt).then(adopted);
  spec(t).given(adopted).when(adopt).then([], 'already adopted: nothing');
  spec(t)
    .given([drafted(national, 1)])
    .when(adopt)
    .then([], 'a tariff with a draft is not empty either');
});

t.test('the version in force: the latest effective, and the one before after a retirement', async (t) => {
  // v1 from 2020-07-01, v2 from 2027-01-01 retired from 2027-06-01, v3 a draft (never in force)
  const state = stateOf([
    ...adopted,
    drafted(national, 2, body(8000)),
    published(national, 2, '2027-01-01', body(8000)),
    retired(national, 2, '2027-06-01'),
    drafted(national, 3, body(6000)),
  ]);
  const on = (d: string) => tariffInForce(state, d)?.version;
  t.equal(on('2020-06-30'), undefined, 'before any');
  t.equal(on('2026-12-31'), 1);
  t.equal(on('2027-01-01'), 2, 'the later effective date wins from its first day');
  t.equal(on('2027-05-31'), 2, 'until the day before its retirement');
  t.equal(on('2027-06-01'), 1, 'then the one before applies again');
  t.equal(on('2030-01-01'), 1, 'the draft never charges');
});

t.test('a national version is not retired before its successor takes effect', async (t) => {
  // v1 in force since 2020, v2 published to start on 1 January 2028; retiring v1 from 1 June 2027
  // would leave 2027-06-01…2027-12-31 with no national tariff (nothing charged, no fallback)
  const later = [
    ...adopted,
    drafted(national, 2, body(8000)),
    published(national, 2, '2028-01-01', body(8000)),
  ];
  t.strictSame(refusal(later, retire(1, '2027-06-01')), ['rule', 'NATIONAL_TARIFF_REQUIRED']);
  // from the day the successor takes effect, the retirement leaves no gap
  t.equal(tariffDecider.decide(retire(1, '2028-01-01'), stateOf(later))[0]?.type, 'TariffRetired');
});

// ---------------------------------------------------------------- site costs

const siteId = randomUUID();
const setting = { siteId, municipality: 'BLG01', serviceType: 'protected_housing' } as const;
const set = (from: string, cents: number, floorAreaSquareMetres?: number): SetSiteCost => ({
  type: 'SetCost',
  ...setting,
  from,
  monthlyCost: eur(cents),
  ...(floorAreaSquareMetres === undefined ? {} : { floorAreaSquareMetres }),
});
const costSet = (from: string, cents: number, floorAreaSquareMetres?: number): SiteCostEvent => {
  const { type: _, ...data } = set(from, cents, floorAreaSquareMetres);
  return { type: 'SiteCostSet', data };
};
const costs = deciderSpec(siteCostDecider);

t.test('a site cost: set once; the same setting again changes nothing', async (t) => {
  costs(t)
    .given([])
    .when(set('2027-01', 150_000))
    .then([costSet('2027-01', 150_000)]);
  costs(t)
    .given([costSet('2027-01', 150_000)])
    .when(set('2027-01', 150_000))
    .then([], 'the same value: nothing');
  costs(t)
    .given([costSet('2027-01', 150_000)])
    .when(set('2027-01', 155_000))
    .then([costSet('2027-01', 155_000)], 'another value for the month');
  costs(t)
    .given([costSet('2027-01', 25_000, 45.5)])
    .when(set('2027-01', 25_000, 48))
    .then([costSet('2027-01', 25_000, 48)], 'another floor area');
});

t.test('the cost of a month: the latest setting that starts by then', async (t) => {
  // €1,400.00 from January 2026, €1,500.00 from January 2027, €1,600.00 from July 2027 (set first, out of order)
  const state = [
    costSet('2027-07', 160_000),
    costSet('2026-01', 140_000),
    costSet('2027-01', 150_000),
  ].reduce(siteCostDecider.evolve, siteCostDecider.initialState);
  const of = (month: string) => costFor(state, month)?.monthlyCost.amountMinor;
  t.equal(of('2025-12'), undefined, 'nothing before the first setting');
  t.equal(of('2026-01'), 140_000);
  t.equal(of('2026-12'), 140_000);
  t.equal(of('2027-01'), 150_000, 'from the month it starts');
  t.equal(of('2027-06'), 150_000);
  t.equal(of('2027-07'), 160_000);
  t.equal(of('2031-03'), 160_000);
});
