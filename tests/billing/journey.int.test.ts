import { billing } from '@casework/billing';
import { composeEgn } from '@casework/contracts';
import { eventually, requestsAs } from '@casework/testkit';
import { sql } from 'kysely';
import t, { type Test } from 'tap';
import { setUp } from '../placement/harness.js';
import { billingLearned, listedStatement } from './waits.js';

// The placement journey (tests/placement/journey.int.test.ts) carried through to its statements, over
// HTTP with real PostgreSQL and JetStream: one woman born in 1970 with a pension of €613.00 a month,
// in protected housing from 16 November 2026, a day centre alongside from the 17th (Monday, Wednesday,
// Friday), a holiday from 20 December back on 4 January, the step out into social housing with
// special status on 15 January 2027, and in February a late record that she left the day centre on
// 20 December. The platform's clock moves as a billing officer's would; every figure is worked out by
// hand in the comment above its assertion; money is euro cents.

let now = Date.parse('2026-11-16T08:00:00Z');
const offset = () => now - Date.now();
const setToday = (day: string) => {
  now = Date.parse(`${day}T08:00:00Z`);
};
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });
const bgn = (amountMinor: number) => ({ amountMinor, currency: 'BGN' });

type Money = { amountMinor: number; currency: string };
type Range = { from: string; to: string; absenceId?: string };
type Line = Record<string, unknown> & {
  amount: Money;
  counted: Range[];
  exempted: Range[];
  incomeFactIds: string[];
};
type Adjustment = Record<string, unknown> & { correctsMonth: string; amount: Money; causedBy: string[] };
type Statement = Record<string, unknown> & {
  statementId: string;
  month: string;
  lines: Line[];
  adjustments: Adjustment[];
};
type Read = { body: string; json: Statement } | undefined;

/**
 * A statement's lines, exactly: as many as expected, each matching its figures, with exactly the day
 * ranges counted and exempted and the incomes used (`t.match` alone lets an array hold more).
 */
function linesAre(
  t: Test,
  s: Read,
  expected: { line: object; counted: Range[]; exempted: Range[]; incomeFactIds: string[] }[],
) {
  t.ok(s, 'the statement is issued');
  t.equal(s?.json.lines.length, expected.length, `${expected.length} line(s)`);
  expected.forEach((x, i) => {
    const line = s?.json.lines[i];
    t.match(line, x.line, `line ${i + 1}: its figures`);
    t.same(line?.counted, x.counted, `line ${i + 1}: the days counted`);
    t.same(line?.exempted, x.exempted, `line ${i + 1}: the days exempted`);
    t.same(line?.incomeFactIds, x.incomeFactIds, `line ${i + 1}: the incomes used`);
  });
}

t.test('the journey from protected housing to social housing with special status, billed', async (t) => {
  const p = await setUp(t, { clock: () => new Date(Date.now() + offset()), also: [billing] });
  const officer = await p.as(['billing_officer'], { municipality: 'BLG01' }, 'billing-bansko');
  const bill = requestsAs(p.app, officer);

  // Today is 16 November 2026. Protected housing of 8 places costing €1,500.00 a month, a day centre for
  // adults with disabilities of 20 places costing €400.00 a month, and a flat of social housing with
  // special status, 41.30 m², costing €300.00 a month, all from January 2026.
  const housing = await p.openSite('protected_housing', 8);
  const dayCentre = await p.openSite('day_centre_adults_disabilities', 20);
  const flat = await p.openSite('social_housing_special_status', 2);
  for (const [siteId, body] of [
    [housing, { monthlyCost: eur(150_000) }],
    [dayCentre, { monthlyCost: eur(40_000) }],
    [flat, { monthlyCost: eur(30_000), floorAreaSquareMetres: 41.3 }],
  ] as const) {
    const cost = await eventually(async () => {
      const r = await bill.put(`/v1/billing/sites/${siteId}/costs/2026-01`, body);
      return r.statusCode === 200 ? r : undefined;
    });
    t.equal(cost?.statusCode, 200, 'the site cost is set');
  }

  // Elena, born on 14 May 1970 (56 years old: no exemption by age), registered in intake
  const registered = await p.post('/v1/clients', {
    identifier: { kind: 'egn', value: composeEgn('1970-05-14', 91) },
    givenName: 'Елена',
    familyName: 'Примерова',
    municipality: 'BLG01',
  });
  t.equal(registered.statusCode, 201, `registered: ${registered.body}`);
  const elena = registered.json().clientId as string;
  t.ok(
    await eventually(async () =>
      (await p.get(`/v1/placement/clients/${elena}`)).statusCode === 200 ? true : undefined,
    ),
    'placement knows her',
  );
  // her pension, declared as an income fact in intake: €613.00 a month since January 2026
  const pension = await p.post(`/v1/clients/${elena}/facts/incomes`, {
    validFrom: '2026-01-01',
    source: 'pension',
    monthlyAmount: eur(61_300),
  });
  t.equal(pension.statusCode, 201, `a pension of €613.00 a month: ${pension.body}`);
  const pensionId = pension.json().factId as string;

  /** Waits until billing has consumed at least `count` events of the type about her. */
  const learned = async (type: string, count = 1) =>
    t.ok(await billingLearned(p.database.db, elena, type, count), `billing learned of ${count} ${type}`);
  /** Runs a month's statements for Bansko (the platform's today is after the month). */
  const run = async (month: string) => {
    const r = await bill.post(`/v1/billing/periods/BLG01/${month}/statements`, {});
    t.equal(r.statusCode, 200, `${month} is stated: ${r.body}`);
    return r.json();
  };
  /** Her statement of a month, read in full; undefined when there is none. */
  const statementOf = async (month: string): Promise<Read> => {
    const listed = await listedStatement(bill, elena, month);
    if (!listed) return undefined;
    const r = await bill.get(`/v1/billing/statements/${listed.statementId}`);
    return { body: r.body, json: r.json() as Statement };
  };

  // 16 November: eligible for protected housing and for the day centre (intake's facts, an application,
  // an assessment, a referral); a supervisor admits her to protected housing in an emergency today
  await p.makeEligible(elena, 'protected_housing');
  await p.makeEligible(elena, 'day_centre_adults_disabilities');
  const inHousing = await p.admit(elena, housing, '2026-11-16');
  t.equal(inHousing.statusCode, 201, `in protected housing from 16 November: ${inHousing.body}`);
  const housingStay = inHousing.json().placementId as string;

  // 17 November: the day centre alongside, Monday, Wednesday and Friday
  setToday('2026-11-17');
  const inDayCentre = await p.admit(elena, dayCentre, '2026-11-17', { weekdays: [1, 3, 5] });
  t.equal(inDayCentre.statusCode, 201, `in the day centre from 17 November: ${inDayCentre.body}`);
  const dayStay = inDayCentre.json().placementId as string;

  // 23 November: a reassessment recommends the step out (she lives in protected housing now)
  setToday('2026-11-23');
  await p.makeEligible(elena, 'social_housing_special_status', { assessedOn: '2026-11-23' });

  // 2 December: November is stated
  setToday('2026-12-02');
  await learned('Admitted', 2);
  await learned('IncomeDeclared');
  await learned('DisabilityAssessed', 3);
  const novemberRun = await run('2026-11');
  // 214.55 + 85.82 = €300.37 (worked out below)
  t.match(
    novemberRun,
    { statements: 1, adjustments: 0, assessed: eur(30_037), totalDue: eur(30_037) },
    'the run: one statement',
  );
  const november = await statementOf('2026-11');

  await t.test('November 2026: protected housing from the 16th, the day centre from the 17th', async (t) => {
    // November has 30 days. Protected housing 16–30 = 15 days: 70% of €613.00 = €429.10;
    // × 15 ÷ 30 = €214.55 exactly. The day centre 17–30 = 14 days (billed by the days of the stay, not
    // by the days of her weekly pattern): 30% of €613.00 = €183.90; × 14 ÷ 30 = 2,574.60 ÷ 30 = €85.82
    // exactly. Both under their sites' costs (€1,500.00, €400.00). Total €300.37.
    linesAre(t, november, [
      {
        line: {
          placementId: housingStay,
          siteId: housing,
          serviceType: 'protected_housing',
          daysInMonth: 30,
          inService: 15,
          billable: 15,
          tariff: { tariffId: 'protected_housing:national', version: 1 },
          fee: { kind: 'income_share', basisPoints: 7000 },
          exemption: null,
          fullMonth: eur(42_910),
          amount: eur(21_455),
          stateShare: eur(21_455),
          capped: false,
          convertedFromBgn: false,
        },
        counted: [{ from: '2026-11-16', to: '2026-11-30' }],
        exempted: [],
        incomeFactIds: [pensionId],
      },
      {
        line: {
          placementId: dayStay,
          siteId: dayCentre,
          serviceType: 'day_centre_adults_disabilities',
          daysInMonth: 30,
          inService: 14,
          billable: 14,
          tariff: { tariffId: 'day_centre_adults_disabilities:national', version: 1 },
          fee: { kind: 'income_share', basisPoints: 3000 },
          exemption: null,
          fullMonth: eur(18_390),
          amount: eur(8_582),
          capped: false,
        },
        counted: [{ from: '2026-11-17', to: '2026-11-30' }],
        exempted: [],
        incomeFactIds: [pensionId],
      },
    ]);
    t.same(november?.json.adjustments, [], 'nothing to adjust');
    t.match(
      november?.json,
      {
        month: '2026-11',
        assessed: eur(30_037),
        adjusted: eur(0),
        totalDue: eur(30_037),
        dueOn: '2026-12-20',
      },
      'November: €300.37 due by 20 December',
    );
  });

  // 20 December: away on holiday from protected housing; 4 January: back (20 December – 3 January, 15
  // days: longer than 3, so the whole absence is exempt, in each month it touches)
  setToday('2026-12-20');
  const away = await p.post(`/v1/placements/${housingStay}/absences`, {
    from: '2026-12-20',
    kind: 'holiday',
  });
  t.equal(away.statusCode, 201, `away from 20 December: ${away.body}`);
  const holiday = (away.json().absences as { absenceId: string }[])[0]!.absenceId;
  setToday('2027-01-04');
  const back = await p.post(`/v1/placements/${housingStay}/absences/${holiday}/end`, {
    returnedOn: '2027-01-04',
  });
  t.equal(back.statusCode, 200, `back on 4 January: ${back.body}`);

  // 5 January: December is stated, then closed
  setToday('2027-01-05');
  await learned('AbsenceEnded');
  const decemberRun = await run('2026-12');
  // 263.00 + 183.90 = €446.90 (worked out below)
  t.match(
    decemberRun,
    { statements: 1, adjustments: 0, assessed: eur(44_690), totalDue: eur(44_690) },
    'the run: one statement',
  );
  const december = await statementOf('2026-12');

  await t.test('December 2026: the holiday from the 20th is exempt in protected housing', async (t) => {
    // December has 31 days. Protected housing 1–31 = 31 days in service; away 20–31 (12 days of an
    // absence of 15): exempt, 31 − 12 = 19 billable. €429.10 × 19 ÷ 31 = 8,152.90 ÷ 31 = 262.996… →
    // €263.00. The day centre, 1–31, no absence there: €183.90 × 31 ÷ 31 = €183.90. Total €446.90.
    linesAre(t, december, [
      {
        line: {
          placementId: housingStay,
          serviceType: 'protected_housing',
          daysInMonth: 31,
          inService: 31,
          billable: 19,
          fullMonth: eur(42_910),
          amount: eur(26_300),
        },
        counted: [{ from: '2026-12-01', to: '2026-12-19' }],
        exempted: [{ from: '2026-12-20', to: '2026-12-31', absenceId: holiday }],
        incomeFactIds: [pensionId],
      },
      {
        line: {
          placementId: dayStay,
          serviceType: 'day_centre_adults_disabilities',
          daysInMonth: 31,
          inService: 31,
          billable: 31,
          fullMonth: eur(18_390),
          amount: eur(18_390),
        },
        counted: [{ from: '2026-12-01', to: '2026-12-31' }],
        exempted: [],
        incomeFactIds: [pensionId],
      },
    ]);
    t.same(december?.json.adjustments, [], 'nothing to adjust');
    t.match(
      december?.json,
      { assessed: eur(44_690), adjusted: eur(0), totalDue: eur(44_690) },
      'December: €446.90',
    );
  });
  const closed = await bill.post('/v1/billing/periods/BLG01/2026-12/close', {});
  t.match(closed.json(), { status: 'closed', closedOn: '2027-01-05' }, 'December is closed');

  // 15 January: the step out, a transfer into the flat (the receiving service bills the 15th)
  setToday('2027-01-15');
  const moved = await p.post(`/v1/placements/${housingStay}/transfer`, { toSiteId: flat, on: '2027-01-15' });
  t.equal(moved.statusCode, 201, `transferred on 15 January: ${moved.body}`);
  const flatStay = moved.json().placementId as string;

  // 2 February: January is stated
  setToday('2027-02-02');
  await learned('Transferred');
  const januaryRun = await run('2027-01');
  // 152.26 + 183.90 + 5.32 = €341.48 (worked out below)
  t.match(
    januaryRun,
    { statements: 1, adjustments: 0, assessed: eur(34_148), totalDue: eur(34_148) },
    'the run: one statement',
  );
  const january = await statementOf('2027-01');

  await t.test('January 2027: back from holiday on the 4th, into the flat on the 15th', async (t) => {
    // January has 31 days. Protected housing 1–14 = 14 days (the transfer day is the flat's); away
    // 1–3 January, the end of the 15-day absence: exempt, 14 − 3 = 11 billable. €429.10 × 11 ÷ 31 =
    // 4,720.10 ÷ 31 = 152.261… → €152.26.
    // The day centre 1–31: €183.90.
    // The flat 15–31 = 17 days: rent 0.46 лв/m² × 41.30 m² = 18.998 лв → 19.00 лв (rounded once, in
    // leva) ÷ 1.95583 = 9.7145… → €9.71 (under the €300.00 cost); × 17 ÷ 31 = 165.07 ÷ 31 = 5.324… →
    // €5.32; no income counts for rent. Total 152.26 + 183.90 + 5.32 = €341.48
    linesAre(t, january, [
      {
        line: {
          placementId: housingStay,
          serviceType: 'protected_housing',
          daysInMonth: 31,
          inService: 14,
          billable: 11,
          fullMonth: eur(42_910),
          amount: eur(15_226),
        },
        counted: [{ from: '2027-01-04', to: '2027-01-14' }],
        exempted: [{ from: '2027-01-01', to: '2027-01-03', absenceId: holiday }],
        incomeFactIds: [pensionId],
      },
      {
        line: {
          placementId: dayStay,
          serviceType: 'day_centre_adults_disabilities',
          daysInMonth: 31,
          inService: 31,
          billable: 31,
          fullMonth: eur(18_390),
          amount: eur(18_390),
        },
        counted: [{ from: '2027-01-01', to: '2027-01-31' }],
        exempted: [],
        incomeFactIds: [pensionId],
      },
      {
        line: {
          placementId: flatStay,
          siteId: flat,
          serviceType: 'social_housing_special_status',
          daysInMonth: 31,
          inService: 17,
          billable: 17,
          tariff: { tariffId: 'social_housing_special_status:national', version: 1 },
          fee: { kind: 'per_square_metre', ratePerSquareMetre: bgn(46) },
          exemption: null,
          fullMonth: eur(971),
          amount: eur(532),
          stateShare: eur(0),
          capped: false,
          convertedFromBgn: true,
        },
        counted: [{ from: '2027-01-15', to: '2027-01-31' }],
        exempted: [],
        incomeFactIds: [],
      },
    ]);
    t.same(january?.json.adjustments, [], 'nothing to adjust: the transfer does not touch December');
    t.match(
      january?.json,
      { assessed: eur(34_148), adjusted: eur(0), totalDue: eur(34_148) },
      'January: €341.48',
    );
  });

  // 10 February: the day centre reports, late, that she stopped coming after 19 December: her stay
  // there is ended on 20 December (the discharge day is not billed)
  setToday('2027-02-10');
  const left = await p.post(`/v1/placements/${dayStay}/discharge`, {
    on: '2026-12-20',
    reason: 'own_request',
    destination: { kind: 'unknown' },
  });
  t.equal(left.statusCode, 200, `discharged from the day centre on 20 December: ${left.body}`);
  const { rows: dischargedRows } = await sql<{ event_id: string }>`SELECT event_id::text FROM placement.events
    WHERE stream_id = ${`placements-${elena}`} AND type = 'Discharged'`.execute(p.database.db);
  t.equal(dischargedRows.length, 1, 'one Discharged event in placement');
  const dischargedEvent = dischargedRows[0]?.event_id ?? 'none';

  // 2 March: February is stated
  setToday('2027-03-02');
  await learned('Discharged');
  const februaryRun = await run('2027-02');
  // €9.71 assessed, −71.19 − 183.90 = −€255.09 adjusted: below zero, nothing due
  t.match(
    februaryRun,
    { statements: 1, adjustments: 2, assessed: eur(971), totalDue: eur(0) },
    'the run: one statement',
  );
  const february = await statementOf('2027-02');

  await t.test('February 2027: the late discharge adjusts December and January', async (t) => {
    // February has 28 days: the flat 1–28, €9.71 × 28 ÷ 28 = €9.71.
    linesAre(t, february, [
      {
        line: {
          placementId: flatStay,
          serviceType: 'social_housing_special_status',
          daysInMonth: 28,
          inService: 28,
          billable: 28,
          fullMonth: eur(971),
          amount: eur(971),
        },
        counted: [{ from: '2027-02-01', to: '2027-02-28' }],
        exempted: [],
        incomeFactIds: [],
      },
    ]);
    // December, the day centre: in service 1–19 = 19 days now: €183.90 × 19 ÷ 31 = 3,494.10 ÷ 31 =
    // 112.712… → €112.71; it was charged €183.90: −€71.19, what the 12 days 20–31 had cost
    // (€183.90 × 12 ÷ 31 = 2,206.80 ÷ 31 = 71.187… → €71.19).
    // January, the day centre: no day in service now, €0.00; it was charged €183.90 (all 31 days after
    // the discharge): −€183.90. Protected housing and the flat are untouched: no adjustment for them.
    const adjustments = february?.json.adjustments ?? [];
    t.equal(adjustments.length, 2, 'two adjustments, both for the day centre');
    t.match(
      adjustments,
      [
        {
          correctsMonth: '2026-12',
          placementId: dayStay,
          serviceType: 'day_centre_adults_disabilities',
          billed: eur(18_390),
          corrected: eur(11_271),
          amount: eur(-7_119),
        },
        {
          correctsMonth: '2027-01',
          placementId: dayStay,
          serviceType: 'day_centre_adults_disabilities',
          billed: eur(18_390),
          corrected: eur(0),
          amount: eur(-18_390),
        },
      ],
      'December −€71.19, January −€183.90',
    );
    t.same(
      adjustments.map((a) => a.causedBy),
      [[dischargedEvent], [dischargedEvent]],
      'each points to the Discharged event, and to nothing else',
    );
    // 9.71 − 71.19 − 183.90 = −245.38: below zero, nothing due (the difference is the client's credit)
    t.match(
      february?.json,
      {
        month: '2027-02',
        assessed: eur(971),
        adjusted: eur(-25_509),
        creditApplied: eur(0),
        totalDue: eur(0),
        dueOn: '2027-03-20',
      },
      'February: €9.71 less €255.09, nothing due',
    );

    const decemberNow = await bill.get(`/v1/billing/statements/${december?.json.statementId}`);
    t.equal(decemberNow.body, december?.body, "December's closed statement is unchanged, byte for byte");
    const januaryNow = await bill.get(`/v1/billing/statements/${january?.json.statementId}`);
    t.equal(januaryNow.body, january?.body, "January's statement is not edited either");
    t.equal(
      (await bill.post('/v1/billing/periods/BLG01/2026-12/statements', {})).statusCode,
      409,
      'the closed December issues nothing',
    );
  });

  await t.test('each month, its lines plus its adjustments, is its fee with everything known', async (t) => {
    // With the discharge known from the start:
    // November: 214.55 + 85.82 = €300.37 (unchanged).
    // December: protected housing €263.00 + the day centre 1–19 €112.71 = €375.71
    //   (stated 446.90, adjusted −71.19: 446.90 − 71.19 = 375.71).
    // January: protected housing €152.26 + the flat €5.32 = €157.58, no day centre
    //   (stated 341.48, adjusted −183.90: 341.48 − 183.90 = 157.58).
    // February: the flat €9.71.
    const statements = [november, december, january, february].map((s) => s?.json);
    const net = (month: string) =>
      statements
        .filter((s) => s?.month === month)
        .flatMap((s) => s?.lines ?? [])
        .reduce((n, l) => n + l.amount.amountMinor, 0) +
      statements
        .flatMap((s) => s?.adjustments ?? [])
        .filter((a) => a.correctsMonth === month)
        .reduce((n, a) => n + a.amount.amountMinor, 0);
    t.same(
      ['2026-11', '2026-12', '2027-01', '2027-02'].map((m) => [m, net(m)]),
      [
        ['2026-11', 30_037],
        ['2026-12', 37_571],
        ['2027-01', 15_758],
        ['2027-02', 971],
      ],
      'November €300.37, December €375.71, January €157.58, February €9.71',
    );
  });
});
