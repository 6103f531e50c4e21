import { billing } from '@casework/billing';
import { eventually, requestsAs } from '@casework/testkit';
import t from 'tap';
import { setUp } from '../placement/harness.js';
import { billingLearned, listedStatement } from './waits.js';

// The state's share of a fee follows who funds the site, over HTTP with real PostgreSQL and JetStream:
// Bansko runs a protected housing on its own budget (municipal) and a rehabilitation centre funded
// jointly (mixed), whose cost setting gives the state 40% of its fees. December 2026 is stated on
// 3 February 2027; every figure worked out by hand.
const offset = Date.parse('2027-02-03T08:00:00Z') - Date.now();
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

t.test('a municipal site remits nothing, a mixed one its own part', async (t) => {
  const p = await setUp(t, { clock: () => new Date(Date.now() + offset), also: [billing] });
  const bill = requestsAs(
    p.app,
    await p.as(['billing_officer'], { municipality: 'BLG01' }, 'billing-bansko'),
  );
  const housing = await p.openSite('protected_housing', 10, '2026-01-05', 'municipal');
  const centre = await p.openSite('rehabilitation_centre', 10, '2026-01-05', 'mixed');
  const setCost = async (siteId: string, month: string, body: object) =>
    eventually(async () => {
      const r = await bill.put(`/v1/billing/sites/${siteId}/costs/${month}`, body);
      return r.statusCode === 200 ? r : undefined;
    });
  t.equal((await setCost(housing, '2026-01', { monthlyCost: eur(150_000) }))?.statusCode, 200);
  t.equal(
    (await setCost(centre, '2026-01', { monthlyCost: eur(50_000), stateShareBasisPoints: 4000 }))?.statusCode,
    200,
    "the mixed centre: €500.00 a place, the state's part 40%",
  );
  // a new cost from December, the state's part not given again: it stays 40%
  const december = await setCost(centre, '2026-12', { monthlyCost: eur(60_000) });
  t.match(december?.json().settings, [
    { from: '2026-01', stateShareBasisPoints: 4000 },
    { from: '2026-12', monthlyCost: eur(60_000), stateShareBasisPoints: 4000 },
  ]);

  const [resident, visitor] = (await p.registerMany([71, 72])) as [string, string];
  for (const [clientId, siteId, serviceType] of [
    [resident, housing, 'protected_housing'],
    [visitor, centre, 'rehabilitation_centre'],
  ] as const) {
    const income = await p.post(`/v1/clients/${clientId}/facts/incomes`, {
      validFrom: '2026-01-01',
      source: 'pension',
      monthlyAmount: eur(60_000),
    });
    t.equal(income.statusCode, 201, income.body);
    // the centre keeps no waiting list: admitted straight after deciding
    await p.makeEligible(clientId, serviceType, { listed: serviceType === 'protected_housing' });
    const admitted = await eventually(async () => {
      const r = await p.admit(clientId, siteId, '2026-12-01');
      return r.statusCode === 201 ? r : undefined;
    });
    t.equal(admitted?.statusCode, 201, `admitted to the ${serviceType} on 1 December`);
    t.ok(await billingLearned(p.database.db, clientId, 'Admitted'), 'billing learned of the admission');
  }

  // protected housing: 70% of €600.00 = €420.00 for all 31 days, none of it the state's (municipal);
  // the centre: 30% of €600.00 = €180.00 (under its €600.00 cost), the state's 180.00 × 40% = €72.00
  const run = await bill.post('/v1/billing/periods/BLG01/2026-12/statements', {});
  t.match([run.statusCode, run.json()], [200, { statements: 2, assessed: eur(60_000) }], run.body);
  const statementOf = async (clientId: string) => {
    const listed = await listedStatement(bill, clientId, '2026-12');
    return (await bill.get(`/v1/billing/statements/${listed?.statementId}`)).json();
  };
  t.match(
    (await statementOf(resident)).lines,
    [{ serviceType: 'protected_housing', amount: eur(42_000), stateShare: eur(0) }],
    "a municipal site's fee is the municipality's",
  );
  t.match(
    (await statementOf(visitor)).lines,
    [{ serviceType: 'rehabilitation_centre', amount: eur(18_000), stateShare: eur(7_200) }],
    "a mixed site's fee: the state's part set with its cost",
  );
  // the centre's part set again for December, 60%, the cost unchanged: the visitor's fee is the same
  // €180.00, the state's part of it 180.00 × 60% = €108.00, €36.00 more than stated. January's statement
  // corrects December by €0.00 to the visitor and +€36.00 of the state's share
  const reset = await setCost(centre, '2026-12', { monthlyCost: eur(60_000), stateShareBasisPoints: 6000 });
  t.equal(reset?.statusCode, 200);
  const january = await bill.post('/v1/billing/periods/BLG01/2027-01/statements', {});
  t.match([january.statusCode, january.json()], [200, { statements: 2, adjustments: 1 }], january.body);
  const visitorsJanuary = await listedStatement(bill, visitor, '2027-01');
  const corrected = (await bill.get(`/v1/billing/statements/${visitorsJanuary?.statementId}`)).json();
  t.match(corrected, {
    assessed: eur(18_000),
    adjustments: [
      {
        correctsMonth: '2026-12',
        billed: eur(18_000),
        corrected: eur(18_000),
        amount: eur(0),
        stateShare: eur(3_600),
      },
    ],
    totalDue: eur(18_000),
  });
  const refused = await bill.put(`/v1/billing/sites/${housing}/costs/2027-01`, {
    monthlyCost: eur(150_000),
    stateShareBasisPoints: 5000,
  });
  t.match([refused.statusCode, refused.json().code], [422, 'STATE_SHARE_NOT_MIXED']);
});
