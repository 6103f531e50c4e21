import { billing } from '@casework/billing';
import { eventually, requestsAs } from '@casework/testkit';
import t from 'tap';
import { setUp } from '../placement/harness.js';
import { billingLearned, listedStatement } from './waits.js';

// A municipality's own tariff over HTTP, with real PostgreSQL and JetStream: drafted, published from a
// date, retired from a later one, and the months billed by the version in force in each (the national
// tariff before and after). Another municipality's officer finds no such tariff. The platform's clock
// moves from 20 January 2027 to 2 April 2027; money is euro cents, each figure worked out by hand.

let now = Date.parse('2027-01-20T08:00:00Z');
const setToday = (day: string) => {
  now = Date.parse(`${day}T08:00:00Z`);
};
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

t.test('a municipal tariff published from February and retired from March bills February only', async (t) => {
  const offset = () => now - Date.now();
  const p = await setUp(t, { clock: () => new Date(Date.now() + offset()), also: [billing] });
  const bill = requestsAs(
    p.app,
    await p.as(['billing_officer'], { municipality: 'BLG01' }, 'billing-bansko'),
  );
  const sofia = requestsAs(
    p.app,
    await p.as(['billing_officer'], { municipality: 'SOF46' }, 'billing-sofia'),
  );

  // social housing (a municipal service): a flat of 40.00 m² costing €300.00 a month from January 2026
  const siteId = await p.openSite('social_housing', 2);
  const cost = await eventually(async () => {
    const r = await bill.put(`/v1/billing/sites/${siteId}/costs/2026-01`, {
      monthlyCost: eur(30_000),
      floorAreaSquareMetres: 40,
    });
    return r.statusCode === 200 ? r : undefined;
  });
  t.equal(cost?.statusCode, 200, 'the site cost is set');
  // eligible for social housing: €350.00 a month alone (under the €400.00 ceiling), no dwelling of her
  // own, living in Bansko for more than 5 years
  const clientId = await p.register(71);
  for (const [url, body] of [
    ['facts/incomes', { source: 'pension', monthlyAmount: eur(35_000), validFrom: '2026-01-01' }],
    ['facts/dwelling-ownership', { ownsDwelling: false, validFrom: '2020-01-01' }],
    [
      'addresses',
      {
        kind: 'permanent',
        municipality: 'BLG01',
        settlement: 'Банско',
        line: 'ул. Примерна 7',
        validFrom: '2015-06-01',
      },
    ],
  ] as const) {
    const r = await p.post(`/v1/clients/${clientId}/${url}`, body);
    t.ok(r.statusCode < 300, `${url}: ${r.body}`);
  }
  await p.makeEligible(clientId, 'social_housing');
  const admitted = await p.admit(clientId, siteId, '2027-01-01');
  t.equal(admitted.statusCode, 201, `admitted on 1 January: ${admitted.body}`);

  // Bansko's own rent: a fixed €50.00 a month, drafted, published from 1 February, retired from 1 March
  const tariff = '/v1/billing/tariffs/social_housing:BLG01';
  const draft = await bill.post(`${tariff}/versions`, {
    fee: { kind: 'fixed_monthly', amount: eur(5_000) },
    groupFees: [],
    absenceExemptAfterDays: null,
    fullCostRule: null,
    stateShareBasisPoints: 0,
  });
  t.match([draft.statusCode, draft.json().versions], [201, [{ version: 1, status: 'draft' }]], draft.body);
  const past = await bill.post(`${tariff}/versions/1/publish`, { effectiveFrom: '2027-01-19' });
  t.match(
    [past.statusCode, past.json().code],
    [422, 'EFFECTIVE_DATE_PAST'],
    'nothing takes effect before today',
  );
  const published = await bill.post(`${tariff}/versions/1/publish`, { effectiveFrom: '2027-02-01' });
  t.equal(published.statusCode, 200, published.body);
  const retired = await bill.post(`${tariff}/versions/1/retire`, { retiredFrom: '2027-03-01' });
  t.equal(retired.statusCode, 200, retired.body);
  t.match(retired.json(), {
    municipality: 'BLG01',
    versions: [{ version: 1, status: 'retired', effectiveFrom: '2027-02-01', retiredFrom: '2027-03-01' }],
    inForce: { tariffId: 'social_housing:national', version: 1 },
  });

  // in force today (20 January) the national one; on a day of February Bansko's own; in March the national again
  for (const [on, inForce] of [
    ['', 'social_housing:national'],
    ['?on=2027-02-15', 'social_housing:BLG01'],
    ['?on=2027-03-01', 'social_housing:national'],
  ])
    t.match(
      (await bill.get(`${tariff}${on}`)).json().inForce,
      { tariffId: inForce, version: 1 },
      `in force ${on}`,
    );
  t.equal((await bill.get(`${tariff}?on=2027-02-30`)).statusCode, 400, 'a day that does not exist');

  // another municipality's officer: Bansko's tariff reads as absent, and cannot be drafted or published
  t.equal((await sofia.get(tariff)).statusCode, 404);
  t.equal((await sofia.post(`${tariff}/versions/1/retire`, { retiredFrom: '2027-05-01' })).statusCode, 404);
  t.equal(
    (
      await sofia.post(`${tariff}/versions`, {
        fee: { kind: 'fixed_monthly', amount: eur(1) },
        groupFees: [],
        absenceExemptAfterDays: null,
        fullCostRule: null,
        stateShareBasisPoints: 0,
      })
    ).statusCode,
    404,
  );
  t.match(
    (await bill.get(tariff)).json(),
    { versions: [{ version: 1, retiredFrom: '2027-03-01' }] },
    'unchanged',
  );

  // 2 April: January, February and March are stated
  setToday('2027-04-02');
  t.ok(await billingLearned(p.database.db, clientId, 'Admitted'), 'billing learned of the admission');
  const lineOf = async (month: string) => {
    const r = await bill.post(`/v1/billing/periods/BLG01/${month}/statements`, {});
    t.equal(r.statusCode, 200, `${month} is stated: ${r.body}`);
    const listed = await listedStatement(bill, clientId, month);
    const s = (await bill.get(`/v1/billing/statements/${listed?.statementId}`)).json();
    t.equal(s.lines?.length, 1, `${month}: one line`);
    return s.lines?.[0];
  };
  // January, the national rent: 0.46 лв a m² × 40.00 m² = 18.40 лв; ÷ 1.95583 = 9.4077… → €9.41, the
  // whole month in service
  t.match(await lineOf('2027-01'), {
    tariff: { tariffId: 'social_housing:national', version: 1 },
    inService: 31,
    billable: 31,
    fullMonth: eur(941),
    amount: eur(941),
    convertedFromBgn: true,
  });
  // February, Bansko's version 1: €50.00 for the whole month (28 of 28 days)
  t.match(await lineOf('2027-02'), {
    tariff: { tariffId: 'social_housing:BLG01', version: 1 },
    fee: { kind: 'fixed_monthly', amount: eur(5_000) },
    daysInMonth: 28,
    billable: 28,
    amount: eur(5_000),
  });
  // March, retired: the national rent again, €9.41
  t.match(await lineOf('2027-03'), {
    tariff: { tariffId: 'social_housing:national', version: 1 },
    amount: eur(941),
  });
});
