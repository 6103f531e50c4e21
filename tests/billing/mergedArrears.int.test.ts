import { billing } from '@casework/billing';
import { eventually, requestsAs } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { setUp } from '../placement/harness.js';
import {
  admitWithPension,
  costSite,
  directoryMergedInto,
  listedStatement,
  mergeRecords,
  settableClock,
} from './waits.js';

// One person registered twice owes on both records: two months on each, within the law's three apart,
// four together. Merged, billing counts them as one person (the survivor's account shows both, the
// arrears list one line, the review reports the survivor once and never the merged record); unmerged,
// each stands alone again and the report is settled. Over HTTP with real PostgreSQL and JetStream.
// Bansko's protected housing; each pension €600.00: 70% = €420.00 a whole month.

const { clock, setToday } = settableClock('2026-11-04');
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

t.test('arrears of one person on two records: counted once, under the survivor', async (t) => {
  const p = await setUp(t, { clock, also: [billing] });
  const bill = requestsAs(
    p.app,
    await p.as(['billing_officer'], { municipality: 'BLG01' }, 'billing-bansko'),
  );
  const siteId = await p.openSite('protected_housing', 8);
  t.equal(await costSite(bill, siteId, 150_000), 200, 'a place costs €1,500.00 a month');

  const [survivor, duplicate] = (await p.registerMany([93, 94])) as [string, string];
  t.ok(await admitWithPension(p, duplicate, siteId, '2026-10-01', 60_000), 'the duplicate from October');
  t.ok(await admitWithPension(p, survivor, siteId, '2026-12-01', 60_000), 'the survivor from December');

  const statements: Record<string, string> = {};
  for (const [month, issuedOn] of [
    ['2026-10', '2026-11-04'],
    ['2026-11', '2026-12-03'],
    ['2026-12', '2027-01-05'],
    ['2027-01', '2027-02-03'],
  ] as const) {
    setToday(issuedOn);
    const run = await bill.post(`/v1/billing/periods/BLG01/${month}/statements`, {});
    t.equal(run.statusCode, 200, run.body);
    for (const clientId of month < '2026-12' ? [duplicate] : [duplicate, survivor]) {
      const listed = await listedStatement(bill, clientId, month);
      t.ok(listed, `${month} stated`);
      statements[`${clientId} ${month}`] = listed!.statementId;
    }
  }
  // the duplicate pays its December and January: it owes October and November, the survivor December
  // and January
  setToday('2027-02-10');
  for (const month of ['2026-12', '2027-01']) {
    const paid = await bill.post(`/v1/billing/statements/${statements[`${duplicate} ${month}`]}/payments`, {
      amount: eur(42_000),
      receivedOn: '2027-02-10',
      method: 'cash',
    });
    t.equal(paid.statusCode, 201, paid.body);
  }

  setToday('2027-02-21');
  t.match(
    (await bill.post('/v1/billing/arrears/BLG01/review', {})).json(),
    { reviewed: 2, reached: 0 },
    'apart, each record owes two months: within the law',
  );
  const listedApart = await eventually(async () => {
    const r = await bill.get('/v1/billing/arrears?municipality=BLG01');
    return r.json().items?.length === 2 ? r.json().items : undefined;
  });
  t.ok(listedApart, 'two lines while they are two records');

  const merged = await mergeRecords(p, survivor, duplicate);
  t.equal(merged.statusCode, 200, merged.body);
  t.ok(
    await directoryMergedInto(p.database.db, duplicate, survivor),
    'billing knows the records are one person',
  );

  t.match(
    (await bill.post('/v1/billing/arrears/BLG01/review', {})).json(),
    { reviewed: 2, reached: 1, settled: 0 },
    'merged: four months of one person, reported once',
  );
  const events = async (type: string) => {
    const { rows } = await sql<{ subject: string }>`SELECT data ->> 'clientId' AS subject FROM billing.events
      WHERE type = ${type} ORDER BY global_position`.execute(p.database.db);
    return rows.map((r) => r.subject);
  };
  t.same(await events('ArrearsThresholdReached'), [survivor], 'the survivor, never the merged record');

  const listed = await eventually(async () => {
    const r = await bill.get('/v1/billing/arrears?municipality=BLG01');
    const items = r.json().items;
    return items?.length === 1 && items[0].reported ? items : undefined;
  });
  t.match(listed, [
    {
      clientId: survivor,
      months: ['2026-10', '2026-11', '2026-12', '2027-01'],
      owed: eur(168_000),
      oldestDueOn: '2026-11-20',
      reported: true,
    },
  ]);

  const account = await bill.get(`/v1/billing/accounts/BLG01/${survivor}`);
  t.equal(account.statusCode, 200, account.body);
  t.match(account.json(), {
    clientId: survivor,
    owed: eur(168_000),
    inArrears: true,
    mergedRecords: [duplicate],
  });
  t.same(
    account.json().statements.map((s: { clientId: string; month: string }) => [s.month, s.clientId]),
    [
      ['2026-10', duplicate],
      ['2026-11', duplicate],
      ['2026-12', [duplicate, survivor].sort()[0]],
      ['2026-12', [duplicate, survivor].sort()[1]],
      ['2027-01', [duplicate, survivor].sort()[0]],
      ['2027-01', [duplicate, survivor].sort()[1]],
    ],
    "both records' statements, each with the record it was issued to",
  );
  const alone = await bill.get(`/v1/billing/accounts/BLG01/${duplicate}`);
  t.match(alone.json(), { clientId: duplicate, owed: eur(84_000), mergedInto: survivor, mergedRecords: [] });
  t.equal(alone.json().statements.length, 4, 'the merged record asked for itself: its own account only');

  t.match(
    (await bill.post('/v1/billing/arrears/BLG01/review', {})).json(),
    { reached: 0, settled: 0 },
    'a second review reports nothing again',
  );

  const unmerged = await mergeRecords(p, survivor, duplicate, true);
  t.equal(unmerged.statusCode, 200, unmerged.body);
  t.ok(await directoryMergedInto(p.database.db, duplicate, null), 'billing knows they are two again');
  t.match(
    (await bill.post('/v1/billing/arrears/BLG01/review', {})).json(),
    { reached: 0, settled: 1 },
    'apart again: each within the law, the report settled',
  );
  t.same(await events('ArrearsSettled'), [survivor]);
});
