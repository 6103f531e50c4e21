import { billing } from '@casework/billing';
import { composeEgn } from '@casework/contracts';
import { eventually, requestsAs } from '@casework/testkit';
import t from 'tap';
import { setUp } from '../placement/harness.js';
import { billingLearned, listedStatement } from './waits.js';

// The fees, remittance and place-days reports of December 2026 over HTTP with real PostgreSQL and
// JetStream, every figure worked out by hand above its assertion (money in euro cents). Bansko (BLG01,
// oblast BG-01): a state-delegated protected housing of 4 places from 5 January 2026, 6 from 16 December,
// its place costing €1,500.00 a month; a municipal day centre for older people. Three residents on 70% of
// their pensions (national tariff version 1, the state's share all of it), one day-centre client on 30%
// (municipal, no state share). December is stated on 3 February 2027.
const offset = Date.parse('2027-02-03T08:00:00Z') - Date.now();
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

t.test('fees due and collected, the state share to remit, place-days against capacity', async (t) => {
  const p = await setUp(t, { clock: () => new Date(Date.now() + offset), also: [billing] });
  const officer = await p.as(['billing_officer'], { municipality: 'BLG01' }, 'billing-bansko');
  const bill = requestsAs(p.app, officer);
  const analyst = requestsAs(p.app, await p.as(['directorate_analyst'], { oblast: 'BG-01' }, 'rdsa-blg'));

  const open = async (serviceType: string, funding: string, places: number) => {
    const siteId = await p.openSite(serviceType, places, '2026-01-05', funding);
    const cost = await eventually(async () => {
      const c = await bill.put(`/v1/billing/sites/${siteId}/costs/2026-01`, { monthlyCost: eur(150_000) });
      return c.statusCode === 200 ? c : undefined;
    });
    t.equal(cost?.statusCode, 200, `${serviceType}: the place costs €1,500.00 a month`);
    return siteId;
  };
  const housing = await open('protected_housing', 'state_delegated', 4);
  const leva = await bill.put(`/v1/billing/sites/${housing}/costs/2026-12`, {
    monthlyCost: { amountMinor: 293_375, currency: 'BGN' },
  });
  t.match(
    [leva.statusCode, leva.json().errors],
    [400, [{ field: 'body.monthlyCost.currency' }]],
    'a cost from January 2026 on is set in euro',
  );
  const share = await bill.put(`/v1/billing/sites/${housing}/costs/2026-01`, {
    monthlyCost: eur(150_000),
    stateShareBasisPoints: 5000,
  });
  t.match(
    [share.statusCode, share.json().code],
    [422, 'STATE_SHARE_NOT_MIXED'],
    "only a mixed site sets the state's part of its fees: a state-delegated one remits the tariff's",
  );
  const dayCentre = await open('day_centre_elderly', 'municipal', 20);
  const grown = await p.post(
    `/v1/sites/${housing}/capacity`,
    { from: '2026-12-16', places: 6 },
    p.supervisor,
  );
  t.equal(grown.statusCode, 200, grown.body);

  const [first, second, third] = (await p.registerMany([81, 82, 83])) as [string, string, string];
  // the day centre is for older people: born in 1950
  const older = await p.post('/v1/clients', {
    identifier: { kind: 'egn', value: composeEgn('1950-03-04', 84) },
    givenName: 'Мария',
    familyName: 'Примерова',
    municipality: 'BLG01',
  });
  t.equal(older.statusCode, 201, older.body);
  const visitor = older.json().clientId as string;
  t.ok(
    await eventually(async () =>
      (await p.get(`/v1/placement/clients/${visitor}`)).statusCode === 200 ? true : undefined,
    ),
    'placement knows the older client',
  );
  const stay = async (clientId: string, pension: number, siteId: string, serviceType: string, on: string) => {
    const income = await p.post(`/v1/clients/${clientId}/facts/incomes`, {
      validFrom: '2026-01-01',
      source: 'pension',
      monthlyAmount: eur(pension),
    });
    t.equal(income.statusCode, 201, income.body);
    // the older client's day centre keeps no waiting list to wait on: admitted straight after deciding
    await p.makeEligible(clientId, serviceType, { listed: serviceType !== 'day_centre_elderly' });
    const r = await eventually(async () => {
      const admitted = await p.admit(clientId, siteId, on);
      return admitted.statusCode === 201 ? admitted : undefined;
    });
    t.equal(r?.statusCode, 201, `admitted on ${on}`);
    t.ok(await billingLearned(p.database.db, clientId, 'Admitted'), 'billing learned of the admission');
  };
  await stay(first, 60_000, housing, 'protected_housing', '2026-12-01');
  await stay(second, 50_000, housing, 'protected_housing', '2026-12-10');
  await stay(third, 40_000, housing, 'protected_housing', '2026-12-01');
  await stay(visitor, 30_000, dayCentre, 'day_centre_elderly', '2026-12-01');

  // protected housing: 70% of €600.00 = €420.00 (all 31 days); 70% of €500.00 = €350.00 × 22 ÷ 31 =
  // 248.387… → €248.39 (from the 10th); 70% of €400.00 = €280.00. Day centre: 30% of €300.00 = €90.00.
  // 420.00 + 248.39 + 280.00 + 90.00 = €1,038.39
  const run = await bill.post('/v1/billing/periods/BLG01/2026-12/statements', {});
  t.match([run.statusCode, run.json()], [200, { statements: 4, assessed: eur(103_839) }], run.body);
  const statementOf = async (clientId: string) =>
    (await listedStatement(bill, clientId, '2026-12')) as { statementId: string };
  const pay = async (clientId: string, amount: number) => {
    const r = await bill.post(
      `/v1/billing/statements/${(await statementOf(clientId)).statementId}/payments`,
      {
        amount: eur(amount),
        receivedOn: '2027-02-03',
        method: 'cash',
      },
    );
    t.equal(r.statusCode, 201, r.body);
    return r.json().paymentId as string;
  };
  // the first pays in full, the second €100.00 of €248.39, the third nothing; the day-centre client pays
  // €90.00 and the bank returns it the same day
  const tomorrow = await bill.post(
    `/v1/billing/statements/${(await statementOf(third)).statementId}/payments`,
    {
      amount: eur(28_000),
      receivedOn: '2027-02-04',
      method: 'cash',
    },
  );
  t.match(
    [tomorrow.statusCode, tomorrow.json().code],
    [422, 'RECEIVED_IN_FUTURE'],
    'not recorded before it is received (the reports below show nothing of it)',
  );
  await pay(first, 42_000);
  await pay(second, 10_000);
  const returned = await pay(visitor, 9_000);
  // the payment is found once the payments read model has it
  const reversal = await eventually(async () => {
    const r = await bill.post(`/v1/billing/payments/${returned}/reversal`, {
      reversedOn: '2027-02-03',
      reason: 'returned_by_bank',
    });
    return r.statusCode === 404 ? undefined : r;
  });
  t.equal(reversal?.statusCode, 200, reversal?.body ?? 'no answer');

  const settled = async (url: string, ready: (body: Record<string, unknown>) => boolean) =>
    eventually(async () => {
      const r = await bill.get(url);
      return r.statusCode === 200 && ready(r.json()) ? r.json() : undefined;
    });

  await t.test('fees due, collected and uncollected on the month statements', async (t) => {
    // protected housing: due 420.00 + 248.39 + 280.00 = €948.39; collected 420.00 + 100.00 = €520.00;
    // uncollected 948.39 − 520.00 = €428.39, not yet overdue on 3 February (due by the 20th).
    // Day centre: due €90.00, collected 90.00 − 90.00 returned = 0. Total: 1,038.39 due, 520.00 collected.
    const fees = await settled(
      '/v1/billing/reports/fees?month=2026-12&municipality=BLG01',
      (b) => (b.total as { collected: { amountMinor: number } }).collected.amountMinor === 52_000,
    );
    t.same(fees, {
      month: '2026-12',
      area: { municipality: 'BLG01' },
      asOf: '2027-02-03',
      minimumClients: null,
      rows: [
        {
          serviceType: 'day_centre_elderly',
          clients: 1,
          suppressed: false,
          assessed: eur(9_000),
          adjusted: eur(0),
          due: eur(9_000),
          collected: eur(0),
          uncollected: eur(9_000),
          overdue: eur(0),
        },
        {
          serviceType: 'protected_housing',
          clients: 3,
          suppressed: false,
          assessed: eur(94_839),
          adjusted: eur(0),
          due: eur(94_839),
          collected: eur(52_000),
          uncollected: eur(42_839),
          overdue: eur(0),
        },
      ],
      total: {
        clients: 4,
        suppressed: false,
        assessed: eur(103_839),
        adjusted: eur(0),
        due: eur(103_839),
        collected: eur(52_000),
        uncollected: eur(51_839),
        overdue: eur(0),
      },
    });
    // after the 20th the uncollected is overdue; as of 2 February nothing had been paid (paid on the 3rd)
    const late = (
      await bill.get('/v1/billing/reports/fees?month=2026-12&municipality=BLG01&asOf=2027-02-25')
    ).json();
    t.same(late.total.overdue, eur(51_839), 'overdue after the due date: 428.39 + 90.00');
    const before = (
      await bill.get('/v1/billing/reports/fees?month=2026-12&municipality=BLG01&asOf=2027-02-02')
    ).json();
    t.same(before.total.collected, eur(0), 'as of the day before the payments, nothing collected');

    const empty = (await bill.get('/v1/billing/reports/fees?month=2026-11&municipality=BLG01')).json();
    t.match(
      empty,
      { rows: [], total: { clients: 0, due: eur(0), collected: eur(0) } },
      'a month never stated: zeros',
    );

    const csv = await bill.get('/v1/billing/reports/fees?month=2026-12&municipality=BLG01&format=csv');
    t.equal(csv.statusCode, 200);
    t.match(csv.headers['content-type'], /^text\/csv/);
    t.equal(
      csv.body.trim().split('\n').at(-1),
      'total,4,false,1038.39,0.00,1038.39,520.00,518.39,0.00,EUR',
      'the spreadsheet total, in euros',
    );
  });

  await t.test('the state share of what was collected in February, to remit by 25 March', async (t) => {
    // collected in February: protected housing 420.00 + 100.00 = €520.00, all of it the state's (the
    // national tariff's share is 100%); the day centre 90.00 − 90.00 = 0, none of it the state's
    const remittance = await settled(
      '/v1/billing/reports/remittance?month=2027-02&municipality=BLG01',
      (b) => (b.total as { collected: { amountMinor: number } }).collected.amountMinor === 52_000,
    );
    t.same(remittance, {
      month: '2027-02',
      area: { municipality: 'BLG01' },
      remitBy: '2027-03-25',
      minimumClients: null,
      rows: [
        {
          serviceType: 'day_centre_elderly',
          clients: 1,
          suppressed: false,
          collected: eur(0),
          stateShare: eur(0),
          municipalShare: eur(0),
        },
        {
          serviceType: 'protected_housing',
          clients: 2,
          suppressed: false,
          collected: eur(52_000),
          stateShare: eur(52_000),
          municipalShare: eur(0),
        },
      ],
      total: {
        clients: 3,
        suppressed: false,
        collected: eur(52_000),
        stateShare: eur(52_000),
        municipalShare: eur(0),
      },
    });
    const january = (
      await bill.get('/v1/billing/reports/remittance?month=2027-01&municipality=BLG01')
    ).json();
    t.same(january.total.collected, eur(0), 'nothing was collected in January');

    // €10.00 the third resident paid on 31 December, recorded only today (3 February), after December's
    // remittance day (25 January): December's report has gone, so it is remitted with January's (whose
    // day, 25 February, is to come), once; February's is as before
    const late = await bill.post(
      `/v1/billing/statements/${(await statementOf(third)).statementId}/payments`,
      { amount: eur(1_000), receivedOn: '2026-12-31', method: 'cash' },
    );
    t.equal(late.statusCode, 201, late.body);
    const carried = await settled(
      '/v1/billing/reports/remittance?month=2027-01&municipality=BLG01',
      (b) => (b.total as { collected: { amountMinor: number } }).collected.amountMinor === 1_000,
    );
    t.match(
      (carried as { rows: unknown[] } | undefined)?.rows,
      [{ serviceType: 'protected_housing', clients: 1, collected: eur(1_000), stateShare: eur(1_000) }],
      "January's remittance carries the payment recorded after December's was due",
    );
    const december = (
      await bill.get('/v1/billing/reports/remittance?month=2026-12&municipality=BLG01')
    ).json();
    t.same(december.total.collected, eur(0), 'December, already remitted, is not changed by it');
    const again = (await bill.get('/v1/billing/reports/remittance?month=2027-02&municipality=BLG01')).json();
    t.same(again.total.collected, eur(52_000), 'nor is February');
  });

  await t.test('place-days used against capacity, and the delegated funding figure', async (t) => {
    // the protected housing in December: 4 places 1–15 December (15 days) and 6 from the 16th (16 days):
    // 4 × 15 + 6 × 16 = 60 + 96 = 156 place-days; used: 31 + 22 + 31 = 84 (admission days count);
    // 84 ÷ 156 = 53.846…% → 53.85; the funding figure: 6 places × €8,100.00 (2026 standard) = €48,600.00.
    // The municipal day centre is not state-delegated: not in the report.
    const report = await settled(
      '/v1/billing/reports/place-days?month=2026-12&municipality=BLG01',
      (b) => (b.rows as { places: number }[])[0]?.places === 6,
    );
    t.same(report, {
      month: '2026-12',
      area: { municipality: 'BLG01' },
      rows: [
        {
          serviceType: 'protected_housing',
          sites: 1,
          places: 6,
          capacityPlaceDays: 156,
          usedPlaceDays: 84,
          occupancyPercent: 53.85,
          standardPerPlace: eur(810_000),
          fundingFigure: eur(4_860_000),
        },
      ],
    });
    // November: 4 places × 30 days = 120, nobody in service
    const november = (
      await bill.get('/v1/billing/reports/place-days?month=2026-11&municipality=BLG01')
    ).json();
    t.match(november.rows, [
      { places: 4, capacityPlaceDays: 120, usedPlaceDays: 0, fundingFigure: eur(3_240_000) },
    ]);
  });

  await t.test(
    'the directorate sees its oblast, figures of groups too small withheld, never a person',
    async (t) => {
      // the day centre is one client (under 3): withheld; protected housing alone would then be the total
      // less nothing hidden, so it is withheld with it; the oblast's total of 4 clients is shown, as of the
      // fixed cut-off of the end of January, before anyone paid (on 3 February)
      const fees = (await analyst.get('/v1/billing/reports/fees?month=2026-12&oblast=BG-01')).json();
      t.match(fees, {
        area: { oblast: 'BG-01' },
        minimumClients: 3,
        rows: [
          { serviceType: 'day_centre_elderly', clients: 1, suppressed: true, due: null, collected: null },
          { serviceType: 'protected_housing', clients: 3, suppressed: true, due: null, collected: null },
        ],
        asOf: '2027-01-31',
        total: { clients: 4, suppressed: false, due: eur(103_839), collected: eur(0) },
      });
      // no other day outside the municipality, and no month not yet final: two days' figures subtracted
      // would give one person's payment
      const otherDay = await analyst.get(
        '/v1/billing/reports/fees?month=2026-12&oblast=BG-01&asOf=2027-02-03',
      );
      t.match([otherDay.statusCode, otherDay.json().errors], [400, [{ field: 'query.asOf' }]]);
      const january = await analyst.get('/v1/billing/reports/fees?month=2027-01&oblast=BG-01');
      t.match(
        [january.statusCode, january.json().code],
        [422, 'REPORT_NOT_FINAL'],
        'January is final after February',
      );
      const february = await analyst.get('/v1/billing/reports/remittance?month=2027-02&oblast=BG-01');
      t.match(
        [february.statusCode, february.json().code],
        [422, 'REPORT_NOT_FINAL'],
        'February has not ended',
      );
      for (const path of ['fees', 'remittance', 'place-days']) {
        const r = await analyst.get(`/v1/billing/reports/${path}?month=2026-12&oblast=BG-01`);
        t.equal(r.statusCode, 200, path);
        t.notMatch(r.body, /[0-9a-f]{8}-[0-9a-f]{4}-/, `${path}: no identifier of anyone or anything`);
        const csv = await analyst.get(`/v1/billing/reports/${path}?month=2026-12&oblast=BG-01&format=csv`);
        t.notMatch(csv.body, /[0-9a-f]{8}-[0-9a-f]{4}-/, `${path} as CSV: no identifier`);
      }
    },
  );

  await t.test('jurisdiction: 403 outside it, 400 for a place that is not one', async (t) => {
    const other = requestsAs(p.app, await p.as(['directorate_analyst'], { oblast: 'BG-02' }, 'rdsa-bgs'));
    const caseManager = requestsAs(p.app, p.cm);
    // a case manager reads a client's statements and payments, not the municipality's books
    t.equal((await caseManager.get('/v1/billing/statements?month=2026-12')).statusCode, 400);
    t.equal((await caseManager.get('/v1/billing/payments')).statusCode, 400);
    const own = await caseManager.get(`/v1/billing/statements?clientId=${first}`);
    t.match([own.statusCode, own.json().items.length], [200, 1], "a client's own statements");
    for (const [who, caller, url, status] of [
      [
        'an officer of Bansko, for the oblast',
        bill,
        '/v1/billing/reports/fees?month=2026-12&oblast=BG-01',
        403,
      ],
      [
        'an officer of Bansko, for Sofia',
        bill,
        '/v1/billing/reports/fees?month=2026-12&municipality=SOF46',
        403,
      ],
      [
        'an analyst of Burgas, for Blagoevgrad',
        other,
        '/v1/billing/reports/remittance?month=2026-12&oblast=BG-01',
        403,
      ],
      [
        'an analyst of Blagoevgrad, for one of its municipalities (reports outside are by oblast)',
        analyst,
        '/v1/billing/reports/fees?month=2026-12&municipality=BLG01',
        400,
      ],
      [
        'an analyst of Burgas, for Bansko',
        other,
        '/v1/billing/reports/place-days?month=2026-12&municipality=BLG01',
        403,
      ],
      ['a case manager', caseManager, '/v1/billing/reports/fees?month=2026-12&municipality=BLG01', 403],
      ['no such municipality', bill, '/v1/billing/reports/fees?month=2026-12&municipality=XXX99', 400],
      [
        'both a municipality and an oblast',
        bill,
        '/v1/billing/reports/fees?month=2026-12&municipality=BLG01&oblast=BG-01',
        400,
      ],
      ['neither', bill, '/v1/billing/reports/fees?month=2026-12', 400],
      ['no month', bill, '/v1/billing/reports/fees?municipality=BLG01', 400],
    ] as const) {
      const r = await caller.get(url);
      t.equal(r.statusCode, status, `${who}: ${r.body}`);
      t.match(r.headers['content-type'], /application\/problem\+json/);
    }
  });
});
