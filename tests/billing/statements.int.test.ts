import { billing } from '@casework/billing';
import { eventually, requestsAs } from '@casework/testkit';
import t from 'tap';
import { setUp } from '../placement/harness.js';
import { billingLearned } from './waits.js';

// A month billed from placement's and intake's events over HTTP, with real PostgreSQL and JetStream, and
// a late discharge after the month closed. Today is 2027-02-03 for the whole platform.
const offset = Date.parse('2027-02-03T08:00:00Z') - Date.now();

t.test(
  'a mid-month admission with a 6-day absence, then a backdated discharge after the month closed',
  async (t) => {
    const p = await setUp(t, { clock: () => new Date(Date.now() + offset), also: [billing] });
    const officer = await p.as(['billing_officer'], { municipality: 'BLG01' }, 'billing-bansko');
    const elsewhere = await p.as(['billing_officer'], { municipality: 'SOF46' }, 'billing-sofia');
    const bill = requestsAs(p.app, officer);

    const siteId = await p.openSite('protected_housing', 8);
    // billing learns of the site from placement's events; its cost is €1,500.00 a month from January 2026
    const cost = await eventually(async () => {
      const r = await bill.put(`/v1/billing/sites/${siteId}/costs/2026-01`, {
        monthlyCost: { amountMinor: 150_000, currency: 'EUR' },
      });
      return r.statusCode === 200 ? r : undefined;
    });
    t.equal(cost?.statusCode, 200, 'the site cost is set');
    const costs = await bill.get(`/v1/billing/sites/${siteId}/costs`);
    t.match(
      [costs.statusCode, costs.headers.etag, costs.json()],
      [
        200,
        '"1"',
        {
          siteId,
          municipality: 'BLG01',
          settings: [{ from: '2026-01', monthlyCost: { amountMinor: 150_000 } }],
        },
      ],
    );
    t.equal(costs.json().settings.length, 1, 'read back as set');
    t.equal(
      (await requestsAs(p.app, elsewhere).get(`/v1/billing/sites/${siteId}/costs`)).statusCode,
      404,
      "another municipality's site reads as absent",
    );

    const clientId = await p.register(41);
    /** Waits until billing has consumed an event of the type about the client. */
    const learned = async (type: string, client = clientId) =>
      t.ok(await billingLearned(p.database.db, client, type), `billing learned of the ${type}`);
    const income = await p.post(`/v1/clients/${clientId}/facts/incomes`, {
      validFrom: '2026-01-01',
      source: 'pension',
      monthlyAmount: { amountMinor: 60_000, currency: 'EUR' },
    });
    t.equal(income.statusCode, 201, 'an income of €600.00 a month');
    const incomeFactId = income.json().factId as string;
    await p.makeEligible(clientId, 'protected_housing');
    const admitted = await p.admit(clientId, siteId, '2026-12-10');
    t.equal(admitted.statusCode, 201, 'admitted on 10 December');
    const placementId = admitted.json().placementId as string;
    const away = await p.post(`/v1/placements/${placementId}/absences`, {
      from: '2026-12-15',
      kind: 'holiday',
    });
    t.equal(away.statusCode, 201, 'away from 15 December');
    const back = await p.post(
      `/v1/placements/${placementId}/absences/${away.json().absences[0].absenceId}/end`,
      {
        returnedOn: '2026-12-21',
      },
    );
    t.equal(back.statusCode, 200, `back on 21 December: 15–20 away, 6 days ${back.body}`);

    await learned('AbsenceEnded');
    // December has 31 days; in service 10–31 = 22 days; the 6-day absence (more than 3) is exempt whole:
    // 16 billable. 70% of €600.00 = €420.00; × 16 ÷ 31 = 216.774… → €216.77
    const run = await eventually(async () => {
      const r = await bill.post('/v1/billing/periods/BLG01/2026-12/statements', {});
      return r.statusCode === 200 && r.json().statements === 1 ? r.json() : undefined;
    });
    t.match(run, {
      statements: 1,
      adjustments: 0,
      assessed: { amountMinor: 21_677 },
      totalDue: { amountMinor: 21_677 },
    });

    const listed = await eventually(async () => {
      const r = await bill.get(`/v1/billing/statements?month=2026-12&clientId=${clientId}`);
      return r.statusCode === 200 && r.json().items.length === 1 ? r.json().items[0] : undefined;
    });
    t.match(listed, {
      clientId,
      municipality: 'BLG01',
      month: '2026-12',
      statementNumber: 'BLG01-202612-000001',
      // issued on 3 February, after the nominal 20 January: due by the next 20th, never before it is issued
      dueOn: '2027-02-20',
      totalDue: { amountMinor: 21_677, currency: 'EUR' },
    });
    t.match(
      listed.paymentReference,
      /^RF\d{2}BLG01202612000001$/,
      'an RF reference from the statement number',
    );
    const december = await bill.get(`/v1/billing/statements/${listed.statementId}`);
    t.equal(december.statusCode, 200);
    const [line] = december.json().lines;
    t.match(line, {
      placementId,
      siteId,
      serviceType: 'protected_housing',
      daysInMonth: 31,
      inService: 22,
      billable: 16,
      counted: [
        { from: '2026-12-10', to: '2026-12-14' },
        { from: '2026-12-21', to: '2026-12-31' },
      ],
      exempted: [{ from: '2026-12-15', to: '2026-12-20' }],
      tariff: { tariffId: 'protected_housing:national', version: 1 },
      fee: { kind: 'income_share', basisPoints: 7000 },
      incomeFactIds: [incomeFactId],
      exemption: null,
      fullMonth: { amountMinor: 42_000 },
      amount: { amountMinor: 21_677 },
      stateShare: { amountMinor: 21_677 },
    });

    const pdf = await bill.get(`/v1/billing/statements/${listed.statementId}/document`);
    t.equal(pdf.statusCode, 200, 'the statement as a document');
    t.equal(pdf.headers['content-type'], 'application/pdf');
    t.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');

    // another municipality's officer: cannot run Bansko's month, and Bansko's statement reads as absent
    t.equal(
      (await requestsAs(p.app, elsewhere).post('/v1/billing/periods/BLG01/2026-12/statements', {}))
        .statusCode,
      403,
    );
    t.equal(
      (await requestsAs(p.app, elsewhere).get(`/v1/billing/statements/${listed.statementId}`)).statusCode,
      404,
    );
    t.equal(
      (await requestsAs(p.app, elsewhere).get(`/v1/billing/statements/${listed.statementId}/document`))
        .statusCode,
      404,
      'nor its document',
    );

    const closed = await bill.post('/v1/billing/periods/BLG01/2026-12/close', {});
    t.match(closed.json(), { status: 'closed', statements: 1, closedOn: '2027-02-03' });
    t.equal(
      (await bill.post('/v1/billing/periods/BLG01/2026-12/statements', {})).statusCode,
      409,
      'a closed month issues nothing',
    );

    // learned after the close: the client left on 25 December. In service 10–24 = 15 days, less 6 = 9:
    // €420.00 × 9 ÷ 31 = 121.935… → €121.94; December was charged €216.77: −€94.83 on January's statement
    const discharged = await p.post(
      `/v1/placements/${placementId}/discharge`,
      { on: '2026-12-25', reason: 'returned_to_family', destination: { kind: 'family_home' } },
      p.supervisor,
    );
    t.equal(discharged.statusCode, 200, 'discharged on 25 December, recorded in February');
    await learned('Discharged');

    // a whole stay learned after the close: admitted 1 December and discharged 20 December, both recorded
    // in February, for a client with no statement and no stay in January. In service 1–19 = 19 days;
    // 70% of €500.00 = €350.00 × 19 ÷ 31 = 214.516… → €214.52 for December, on January's statement
    const late = await p.register(42);
    const lateIncome = await p.post(`/v1/clients/${late}/facts/incomes`, {
      validFrom: '2026-01-01',
      source: 'pension',
      monthlyAmount: { amountMinor: 50_000, currency: 'EUR' },
    });
    t.equal(lateIncome.statusCode, 201, lateIncome.body);
    await p.makeEligible(late, 'protected_housing', { assessedOn: '2026-11-20' });
    const lateStay = await p.admit(late, siteId, '2026-12-01');
    t.equal(lateStay.statusCode, 201, `admitted on 1 December, recorded in February: ${lateStay.body}`);
    const left = await p.post(
      `/v1/placements/${lateStay.json().placementId}/discharge`,
      { on: '2026-12-20', reason: 'returned_to_family', destination: { kind: 'family_home' } },
      p.supervisor,
    );
    t.equal(left.statusCode, 200, left.body);
    await learned('Discharged', late);

    const january = await eventually(async () => {
      const r = await bill.post('/v1/billing/periods/BLG01/2027-01/statements', {});
      return r.statusCode === 200 && r.json().statements === 2 ? r.json() : undefined;
    });
    t.match(january, {
      statements: 2,
      adjustments: 2,
      assessed: { amountMinor: 0 },
      totalDue: { amountMinor: 21_452 },
    });
    const lateStatement = await eventually(async () => {
      const r = await bill.get(`/v1/billing/statements?month=2027-01&clientId=${late}`);
      return r.json().items?.[0];
    });
    const lateDetail = (await bill.get(`/v1/billing/statements/${lateStatement.statementId}`)).json();
    t.match(lateDetail, {
      lines: [],
      adjustments: [
        {
          correctsMonth: '2026-12',
          placementId: lateStay.json().placementId,
          billed: { amountMinor: 0 },
          corrected: { amountMinor: 21_452 },
          amount: { amountMinor: 21_452 },
        },
      ],
      totalDue: { amountMinor: 21_452 },
    });
    const janStatement = await eventually(async () => {
      const r = await bill.get(`/v1/billing/statements?month=2027-01&clientId=${clientId}`);
      return r.json().items?.[0];
    });
    const detail = (await bill.get(`/v1/billing/statements/${janStatement.statementId}`)).json();
    t.same(detail.lines, [], 'no stay in January');
    t.match(detail.adjustments, [
      {
        correctsMonth: '2026-12',
        placementId,
        billed: { amountMinor: 21_677 },
        corrected: { amountMinor: 12_194 },
        amount: { amountMinor: -9_483 },
      },
    ]);
    t.ok(detail.adjustments[0].causedBy.length > 0, 'the adjustment points to the events behind it');
    t.match(detail, { adjusted: { amountMinor: -9_483 }, totalDue: { amountMinor: 0 } });
    t.equal(
      (await bill.get(`/v1/billing/statements/${listed.statementId}`)).body,
      december.body,
      'the closed December statement is unchanged, byte for byte',
    );
    const again = await bill.post('/v1/billing/periods/BLG01/2027-01/statements', {});
    t.match(again.json(), { statements: 0 }, 'a second run states nothing twice');

    // tariffs: a state-funded service follows the national tariff only; a municipal one may have its own
    const body = {
      fee: { kind: 'income_share', basisPoints: 2500 },
      groupFees: [],
      absenceExemptAfterDays: 3,
      fullCostRule: null,
      stateShareBasisPoints: 0,
    };
    const own = await bill.post('/v1/billing/tariffs/protected_housing:BLG01/versions', body);
    t.match([own.statusCode, own.json().code], [422, 'NATIONAL_TARIFF_ONLY']);
    const elderly = await bill.post('/v1/billing/tariffs/day_centre_elderly:BLG01/versions', body);
    t.match([elderly.statusCode, elderly.json().versions], [201, [{ version: 1, status: 'draft' }]]);
    const national = await bill.post('/v1/billing/tariffs/day_centre_elderly:national/versions', body);
    t.equal(national.statusCode, 403, 'national tariffs are changed by administrators');
  },
);
