import { billing } from '@casework/billing';
import { eventually, requestsAs } from '@casework/testkit';
import t from 'tap';
import { setUp } from '../placement/harness.js';
import { billingLearned, costSite, directoryMergedInto, mergeRecords } from './waits.js';

// A record merged into another is billed as the survivor; an unmerge gives it its own history back: the
// survivor is credited what the duplicate's stay was charged to it, and the duplicate owes its months on
// its own account. Over HTTP with real PostgreSQL and JetStream; December 2026 is stated on 3 February
// 2027, closed, then January. Bansko's protected housing costs €1,500.00 a month; the duplicate's pension
// is €400.00 (70%: €280.00 a month).
const offset = Date.parse('2027-02-03T08:00:00Z') - Date.now();
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

t.test('merged, billed as the survivor; unmerged, each on its own account again', async (t) => {
  const p = await setUp(t, { clock: () => new Date(Date.now() + offset), also: [billing] });
  const bill = requestsAs(
    p.app,
    await p.as(['billing_officer'], { municipality: 'BLG01' }, 'billing-bansko'),
  );
  const siteId = await p.openSite('protected_housing', 8);
  t.equal(await costSite(bill, siteId, 150_000), 200, 'a place costs €1,500.00 a month');

  const [survivor, duplicate] = (await p.registerMany([91, 92])) as [string, string];
  const income = await p.post(`/v1/clients/${duplicate}/facts/incomes`, {
    validFrom: '2026-01-01',
    source: 'pension',
    monthlyAmount: eur(40_000),
  });
  t.equal(income.statusCode, 201, income.body);
  await p.makeEligible(duplicate, 'protected_housing');
  t.equal((await p.admit(duplicate, siteId, '2026-12-01')).statusCode, 201);
  /** Waits until billing has consumed an event of the type kept under the client. */
  const learned = (clientId: string, type: string) => billingLearned(p.database.db, clientId, type);
  t.ok(await learned(duplicate, 'Admitted'), 'billing learned of the admission');

  const merged = await mergeRecords(p, survivor, duplicate);
  t.equal(merged.statusCode, 200, merged.body);
  t.ok(await learned(survivor, 'ClientsMerged'), 'billing learned of the merge');
  t.ok(
    await directoryMergedInto(p.database.db, duplicate, survivor),
    'the directory knows the duplicate is merged',
  );

  // December: one statement, the survivor's, for the duplicate's stay
  const december = await bill.post('/v1/billing/periods/BLG01/2026-12/statements', {});
  t.match([december.statusCode, december.json()], [200, { statements: 1 }], december.body);
  const stated = (await eventually(async () => {
    const r = await bill.get(`/v1/billing/statements?month=2026-12&clientId=${survivor}`);
    return r.statusCode === 200 && r.json().items.length === 1 ? r.json().items[0] : undefined;
  })) as { assessed: { amountMinor: number } };
  t.ok(stated.assessed.amountMinor > 0, 'the survivor is charged the stay');
  const none = await bill.get(`/v1/billing/statements?month=2026-12&clientId=${duplicate}`);
  t.equal(none.json().items.length, 0, 'the merged record is not stated itself');
  t.equal(
    (await bill.post('/v1/billing/periods/BLG01/2026-12/close', {})).statusCode,
    200,
    'December closed',
  );

  const unmerged = await mergeRecords(p, survivor, duplicate, true);
  t.equal(unmerged.statusCode, 200, unmerged.body);
  t.ok(await learned(survivor, 'ClientsUnmerged'), 'billing learned of the unmerge');
  t.ok(
    await directoryMergedInto(p.database.db, duplicate, null),
    'the directory knows the duplicate stands alone',
  );

  // January: the duplicate's own statement, €280.00 for 31 of 31 days, with December's €280.00 it was
  // never stated (the closed month, adjusted on its first statement); the survivor is credited December
  const january = await bill.post('/v1/billing/periods/BLG01/2027-01/statements', {});
  t.match([january.statusCode, january.json()], [200, { statements: 2, adjustments: 2 }], january.body);
  const ofClient = async (clientId: string) => {
    const listed = (await eventually(async () => {
      const r = await bill.get(`/v1/billing/statements?month=2027-01&clientId=${clientId}`);
      return r.statusCode === 200 && r.json().items.length === 1 ? r.json().items[0] : undefined;
    })) as { statementId: string };
    return (await bill.get(`/v1/billing/statements/${listed.statementId}`)).json();
  };
  const own = await ofClient(duplicate);
  t.match(own, {
    clientId: duplicate,
    assessed: eur(28_000),
    adjustments: [{ correctsMonth: '2026-12', amount: eur(28_000) }],
    totalDue: eur(56_000),
  });
  const credited = await ofClient(survivor);
  t.match(credited, {
    clientId: survivor,
    assessed: eur(0),
    adjustments: [{ correctsMonth: '2026-12', amount: eur(-stated.assessed.amountMinor) }],
    totalDue: eur(0),
  });
});
