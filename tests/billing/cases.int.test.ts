import { billing } from '@casework/billing';
import { eventually, requestsAs } from '@casework/testkit';
import { sql } from 'kysely';
import t, { type Test } from 'tap';
import { setUp } from '../placement/harness.js';
import { billingLearned, listedStatement } from './waits.js';

// Hand-computed billing cases over HTTP, with real PostgreSQL and JetStream: an absence of exactly 3
// days, a transfer on the 15th between services with different tariffs, a discharge on the 1st, February
// of a leap year, incomes corrected after their month closed (the amount, and the date it starts), and a
// 2025 income in leva used for a 2026 fee. One platform for all of them, each case its own client in Bansko (BLG01); the platform's clock
// moves forward from month to month as a billing officer's would. Every figure is worked out by hand in
// the comment above its assertion; money is euro cents.

let now = Date.parse('2026-10-25T08:00:00Z');
const offset = () => now - Date.now();
const setToday = (day: string) => {
  now = Date.parse(`${day}T08:00:00Z`);
};
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });
const bgn = (amountMinor: number) => ({ amountMinor, currency: 'BGN' });

type Range = { from: string; to: string; absenceId?: string };
type Line = Record<string, unknown> & { counted: Range[]; exempted: Range[]; incomeFactIds: string[] };
type Statement = {
  statementId: string;
  lines: Line[];
  adjustments: { correctsMonth: string; causedBy: string[] }[];
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

t.test('billing cases computed by hand', async (t) => {
  const p = await setUp(t, { clock: () => new Date(Date.now() + offset()), also: [billing] });
  const officer = await p.as(['billing_officer'], { municipality: 'BLG01' }, 'billing-bansko');
  const bill = requestsAs(p.app, officer);

  /** Waits until billing has consumed at least `count` events of the type about the client. */
  const learned = async (clientId: string, type: string, count = 1) =>
    t.ok(await billingLearned(p.database.db, clientId, type, count), `billing learned of ${count} ${type}`);
  /** Runs a month's statements for Bansko (the platform's today is after the month). */
  const run = async (month: string) => {
    const r = await bill.post(`/v1/billing/periods/BLG01/${month}/statements`, {});
    t.equal(r.statusCode, 200, `${month} is stated: ${r.body}`);
    return r.json();
  };
  /** A client's statement of a month, read in full; undefined when there is none. */
  const statementOf = async (clientId: string, month: string) => {
    const listed = await listedStatement(bill, clientId, month);
    if (!listed) return undefined;
    const r = await bill.get(`/v1/billing/statements/${listed.statementId}`);
    return { body: r.body, json: r.json() as Statement };
  };
  const income = async (clientId: string, body: object) => {
    const r = await p.post(`/v1/clients/${clientId}/facts/incomes`, body);
    t.equal(r.statusCode, 201, `income declared: ${r.body}`);
    return r.json().factId as string;
  };
  const admit = async (clientId: string, siteId: string, on: string) => {
    const r = await p.admit(clientId, siteId, on);
    t.equal(r.statusCode, 201, `admitted on ${on}: ${r.body}`);
    return r.json().placementId as string;
  };
  const absence = async (placementId: string, from: string, returnedOn: string) => {
    const away = await p.post(`/v1/placements/${placementId}/absences`, { from, kind: 'holiday' });
    t.equal(away.statusCode, 201, `away from ${from}: ${away.body}`);
    const { absenceId } = (away.json().absences as { absenceId: string; from: string }[]).find(
      (a) => a.from === from,
    )!;
    const back = await p.post(`/v1/placements/${placementId}/absences/${absenceId}/end`, { returnedOn });
    t.equal(back.statusCode, 200, `back on ${returnedOn}: ${back.body}`);
    return absenceId;
  };

  // Today is 25 October 2026. A protected housing of 8 places costing €1,500.00 a month, and a flat of
  // social housing with special status, 45.00 m², costing €300.00 a month, both from January 2026.
  const housing = await p.openSite('protected_housing', 8);
  const flat = await p.openSite('social_housing_special_status', 2);
  for (const [siteId, body] of [
    [housing, { monthlyCost: eur(150_000) }],
    [flat, { monthlyCost: eur(30_000), floorAreaSquareMetres: 45 }],
  ] as const) {
    const cost = await eventually(async () => {
      const r = await bill.put(`/v1/billing/sites/${siteId}/costs/2026-01`, body);
      return r.statusCode === 200 ? r : undefined;
    });
    t.equal(cost?.statusCode, 200, 'the site cost is set');
  }

  // One client a case: A absent exactly 3 days, B transferred on the 15th, C discharged on the 1st, D in
  // February 2028, E and G whose incomes are corrected after October closed, F with a pension in leva
  // from 2025.
  const [a, b, c, d, e, f, g] = (await p.registerMany([61, 62, 63, 64, 65, 66, 67])) as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const incomeOf = {
    a: await income(a, { validFrom: '2026-01-01', source: 'pension', monthlyAmount: eur(60_000) }),
    b: await income(b, { validFrom: '2026-01-01', source: 'pension', monthlyAmount: eur(64_000) }),
    c: await income(c, { validFrom: '2026-01-01', source: 'pension', monthlyAmount: eur(61_300) }),
    d: await income(d, { validFrom: '2026-01-01', source: 'pension', monthlyAmount: eur(60_000) }),
    e: await income(e, { validFrom: '2026-01-01', source: 'pension', monthlyAmount: eur(60_000) }),
    f: await income(f, { validFrom: '2025-06-01', source: 'pension', monthlyAmount: bgn(100_000) }),
    g: await income(g, { validFrom: '2026-01-01', source: 'pension', monthlyAmount: eur(60_000) }),
  };
  await Promise.all([a, b, c, d, e, f, g].map((id) => p.makeEligible(id, 'protected_housing')));
  const placed = {
    a: await admit(a, housing, '2026-10-01'),
    b: await admit(b, housing, '2026-10-01'),
    c: await admit(c, housing, '2026-11-09'),
    d: await admit(d, housing, '2026-10-01'),
    e: await admit(e, housing, '2026-10-01'),
    f: await admit(f, housing, '2026-10-20'),
    g: await admit(g, housing, '2026-10-01'),
  };
  // A: away 5–7 October, back on the 8th (3 days), and away 19–22 October, back on the 23rd (4 days)
  const shortAbsence = await absence(placed.a, '2026-10-05', '2026-10-08');
  const longAbsence = await absence(placed.a, '2026-10-19', '2026-10-23');

  // 3 November: October is stated, then closed
  setToday('2026-11-03');
  for (const id of [a, b, d, e, f, g]) await learned(id, 'Admitted');
  await learned(a, 'AbsenceEnded', 2);
  await learned(f, 'IncomeDeclared');
  await run('2026-10');

  await t.test('1. an absence of exactly 3 days is billed; one of 4 days is exempt', async (t) => {
    // October has 31 days; A is in service 1–31 = 31 days. Away 5–7 (3 days): not longer than 3, billed.
    // Away 19–22 (4 days): longer than 3, exempt whole: 31 − 4 = 27 billable.
    // 70% of €600.00 = €420.00; × 27 ÷ 31 = 365.806… → €365.81
    const s = await statementOf(a, '2026-10');
    linesAre(t, s, [
      {
        line: {
          placementId: placed.a,
          serviceType: 'protected_housing',
          daysInMonth: 31,
          inService: 31,
          billable: 27,
          tariff: { tariffId: 'protected_housing:national', version: 1 },
          fee: { kind: 'income_share', basisPoints: 7000 },
          fullMonth: eur(42_000),
          amount: eur(36_581),
        },
        counted: [
          { from: '2026-10-01', to: '2026-10-18' },
          { from: '2026-10-23', to: '2026-10-31' },
        ],
        exempted: [{ from: '2026-10-19', to: '2026-10-22', absenceId: longAbsence }],
        incomeFactIds: [incomeOf.a],
      },
    ]);
    t.notMatch(s?.body, shortAbsence, 'the 3-day absence exempts nothing');
    t.match(s?.json, { assessed: eur(36_581), totalDue: eur(36_581) });
  });

  await t.test('6. a 2025 pension in leva for a 2026 fee is converted at 1.95583, half-up', async (t) => {
    // 70% of 1,000.00 лв = 700.00 лв; ÷ 1.95583 = 357.9043… → €357.90 (one conversion, one rounding: the
    // share is taken of the leva, then converted).
    // Admitted 20 October: 20–31 = 12 days of 31; €357.90 × 12 ÷ 31 = 138.541… → €138.54
    const s = await statementOf(f, '2026-10');
    linesAre(t, s, [
      {
        line: {
          placementId: placed.f,
          daysInMonth: 31,
          inService: 12,
          billable: 12,
          fullMonth: eur(35_790),
          amount: eur(13_854),
          convertedFromBgn: true,
        },
        counted: [{ from: '2026-10-20', to: '2026-10-31' }],
        exempted: [],
        incomeFactIds: [incomeOf.f],
      },
    ]);
    t.match(s?.json, { assessed: eur(13_854), totalDue: eur(13_854) });
  });

  // E's and G's October as stated: 70% of €600.00 = €420.00 for the whole month (31 of 31 days)
  const before = { e: await statementOf(e, '2026-10'), g: await statementOf(g, '2026-10') };
  for (const [who, placementId] of [
    ['e', placed.e],
    ['g', placed.g],
  ] as const)
    t.match(before[who]?.json.lines, [{ placementId, billable: 31, amount: eur(42_000) }], `${who}: €420.00`);
  const closed = await bill.post('/v1/billing/periods/BLG01/2026-10/close', {});
  t.match(closed.json(), { status: 'closed', closedOn: '2026-11-03' }, 'October is closed');

  // then E's pension turns out to have been €700.00 since January, and G's to have been granted only
  // from 1 December: corrections of the declared facts
  const corrected = {
    e: await income(e, {
      validFrom: '2026-01-01',
      source: 'pension',
      monthlyAmount: eur(70_000),
      supersedes: incomeOf.e,
    }),
    g: await income(g, {
      validFrom: '2026-12-01',
      source: 'pension',
      monthlyAmount: eur(60_000),
      supersedes: incomeOf.g,
    }),
  };

  // 20 November: B steps out into the flat on the 15th
  setToday('2026-11-20');
  await p.makeEligible(b, 'social_housing_special_status', { assessedOn: '2026-11-02' });
  const moved = await p.post(`/v1/placements/${placed.b}/transfer`, { toSiteId: flat, on: '2026-11-15' });
  t.equal(moved.statusCode, 201, `transferred on 15 November: ${moved.body}`);
  const inFlat = moved.json().placementId as string;

  // 3 December: C, admitted on 9 November, is recorded as discharged on 1 December; November is stated
  setToday('2026-12-03');
  const discharged = await p.post(
    `/v1/placements/${placed.c}/discharge`,
    { on: '2026-12-01', reason: 'returned_to_family', destination: { kind: 'family_home' } },
    p.supervisor,
  );
  t.equal(discharged.statusCode, 200, `discharged on 1 December: ${discharged.body}`);
  await learned(b, 'Transferred');
  await learned(c, 'Admitted');
  await learned(c, 'Discharged');
  await learned(e, 'IncomeDeclared', 2);
  await learned(g, 'IncomeDeclared', 2);
  await run('2026-11');

  await t.test(
    '2. a transfer on the 15th: each service bills its own days, the receiving one the 15th',
    async (t) => {
      // November has 30 days. Protected housing 1–14 = 14 days (the transfer day is not the sender's):
      // 70% of €640.00 = €448.00; × 14 ÷ 30 = 209.066… → €209.07.
      // The flat from the 15th: 15–30 = 16 days; rent 0.46 лв/m² × 45.00 m² = 20.70 лв ÷ 1.95583 =
      // 10.5837… → €10.58 (under the €300.00 cost: not capped); × 16 ÷ 30 = 5.642… → €5.64; no income
      // counts for rent. Total 209.07 + 5.64 = €214.71
      const s = await statementOf(b, '2026-11');
      linesAre(t, s, [
        {
          line: {
            placementId: placed.b,
            siteId: housing,
            serviceType: 'protected_housing',
            daysInMonth: 30,
            inService: 14,
            billable: 14,
            tariff: { tariffId: 'protected_housing:national', version: 1 },
            fee: { kind: 'income_share', basisPoints: 7000 },
            fullMonth: eur(44_800),
            amount: eur(20_907),
            capped: false,
            convertedFromBgn: false,
          },
          counted: [{ from: '2026-11-01', to: '2026-11-14' }],
          exempted: [],
          incomeFactIds: [incomeOf.b],
        },
        {
          line: {
            placementId: inFlat,
            siteId: flat,
            serviceType: 'social_housing_special_status',
            daysInMonth: 30,
            inService: 16,
            billable: 16,
            tariff: { tariffId: 'social_housing_special_status:national', version: 1 },
            fee: { kind: 'per_square_metre', ratePerSquareMetre: bgn(46) },
            fullMonth: eur(1_058),
            amount: eur(564),
            stateShare: eur(0),
            capped: false,
            convertedFromBgn: true,
          },
          counted: [{ from: '2026-11-15', to: '2026-11-30' }],
          exempted: [],
          incomeFactIds: [],
        },
      ]);
      t.match(s?.json, { assessed: eur(21_471), adjusted: eur(0), totalDue: eur(21_471) });
    },
  );

  await t.test('5. incomes corrected after October closed: adjustments on November', async (t) => {
    const correctingEvent = async (clientId: string, factId: string) => {
      const { rows } = await sql<{ event_id: string }>`SELECT event_id FROM billing.inputs
        WHERE client_id = ${clientId}::uuid AND type = 'IncomeDeclared' AND data->>'factId' = ${factId}`.execute(
        p.database.db,
      );
      return rows[0]?.event_id ?? 'none';
    };

    // E: October with everything known now: 70% of €700.00 = €490.00, 31 of 31 days; it was charged
    // €420.00: +€70.00 on November's statement. November itself: €490.00 (30 of 30 days).
    // Due 490.00 + 70.00 = €560.00
    const s = await statementOf(e, '2026-11');
    linesAre(t, s, [
      {
        line: { placementId: placed.e, daysInMonth: 30, billable: 30, amount: eur(49_000) },
        counted: [{ from: '2026-11-01', to: '2026-11-30' }],
        exempted: [],
        incomeFactIds: [corrected.e],
      },
    ]);
    t.match(s?.json.adjustments, [
      {
        correctsMonth: '2026-10',
        placementId: placed.e,
        serviceType: 'protected_housing',
        billed: eur(42_000),
        corrected: eur(49_000),
        amount: eur(7_000),
        causedBy: [await correctingEvent(e, corrected.e)],
      },
    ]);
    t.equal(s?.json.adjustments.length, 1, 'one adjustment');
    t.same(
      s?.json.adjustments[0]?.causedBy,
      [await correctingEvent(e, corrected.e)],
      'it points to the correcting event',
    );
    t.match(s?.json, { assessed: eur(49_000), adjusted: eur(7_000), totalDue: eur(56_000) });

    // G: the corrected pension starts on 1 December, so nothing is in force in October (nor November):
    // no income, 70% of €0.00 = €0.00. October was charged €420.00: −€420.00 on November's statement.
    const gs = await statementOf(g, '2026-11');
    linesAre(t, gs, [
      {
        line: { placementId: placed.g, billable: 30, fullMonth: eur(0), amount: eur(0) },
        counted: [{ from: '2026-11-01', to: '2026-11-30' }],
        exempted: [],
        incomeFactIds: [],
      },
    ]);
    t.match(
      gs?.json.adjustments,
      [
        {
          correctsMonth: '2026-10',
          placementId: placed.g,
          billed: eur(42_000),
          corrected: eur(0),
          amount: eur(-42_000),
          causedBy: [await correctingEvent(g, corrected.g)],
        },
      ],
      'October of G is adjusted by −€420.00',
    );
    t.equal(gs?.json.adjustments.length, 1, 'one adjustment for G');

    for (const who of ['e', 'g'] as const) {
      const october = await bill.get(`/v1/billing/statements/${before[who]?.json.statementId}`);
      t.equal(
        october.body,
        before[who]?.body,
        `${who}: the closed October statement is unchanged, byte for byte`,
      );
    }
    t.equal(
      (await bill.post('/v1/billing/periods/BLG01/2026-10/statements', {})).statusCode,
      409,
      'the closed month issues nothing',
    );
  });

  // 5 January 2027: December is stated
  setToday('2027-01-05');
  const december = await run('2026-12');

  await t.test('3. a discharge on the 1st: that day is not billed, the month bills nothing', async (t) => {
    // November: admitted on the 9th, 9–30 = 22 days of 30; 70% of €613.00 = €429.10; × 22 ÷ 30 =
    // 314.673… → €314.67. The discharge on 1 December ends the stay: 30 November is its last day.
    const november = await statementOf(c, '2026-11');
    linesAre(t, november, [
      {
        line: {
          placementId: placed.c,
          daysInMonth: 30,
          inService: 22,
          billable: 22,
          fullMonth: eur(42_910),
          amount: eur(31_467),
        },
        counted: [{ from: '2026-11-09', to: '2026-11-30' }],
        exempted: [],
        incomeFactIds: [incomeOf.c],
      },
    ]);
    // December: in service from 1 December up to the discharge day, which does not count: 0 days, €0.00.
    // With nothing else to state, C gets no December statement at all (while those in service do).
    t.ok(december.statements >= 5, 'the clients still in service are stated for December');
    t.ok(await statementOf(a, '2026-12'), 'A, still in service, has a December statement');
    const r = await bill.get(`/v1/billing/statements?month=2026-12&clientId=${c}`);
    t.same(r.json().items, [], 'no December statement for C: the discharge day bills nothing');
    const all = (await bill.get(`/v1/billing/statements?clientId=${c}`)).json().items;
    t.match(all, [{ month: '2026-11', totalDue: eur(31_467) }], "C's only statement is November's");
    t.equal(all.length, 1);
  });

  // 2 March 2028: D was away from 10 to 15 February, back on the 16th; February is stated
  setToday('2028-03-02');
  const away = await absence(placed.d, '2028-02-10', '2028-02-16');
  await learned(d, 'AbsenceEnded');
  await run('2028-02');

  await t.test('4. February of a leap year has 29 days', async (t) => {
    // D, in protected housing since October 2026, was away 10–15 February 2028 (back on the 16th: 6
    // days, longer than 3, exempt). February 2028 has 29 days: 29 − 6 = 23 billable.
    // 70% of €600.00 = €420.00; × 23 ÷ 29 = 333.103… → €333.10 (÷ 28 would have made it €345.00)
    const s = await statementOf(d, '2028-02');
    linesAre(t, s, [
      {
        line: {
          placementId: placed.d,
          daysInMonth: 29,
          inService: 29,
          billable: 23,
          fullMonth: eur(42_000),
          amount: eur(33_310),
        },
        counted: [
          { from: '2028-02-01', to: '2028-02-09' },
          { from: '2028-02-16', to: '2028-02-29' },
        ],
        exempted: [{ from: '2028-02-10', to: '2028-02-15', absenceId: away }],
        incomeFactIds: [incomeOf.d],
      },
    ]);
    t.match(s?.json, { month: '2028-02', assessed: eur(33_310), dueOn: '2028-03-20' });
  });
});
