import { billing } from '@casework/billing';
import { eventually, requestsAs } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { setUp } from '../placement/harness.js';

// Four months of statements over HTTP (real PostgreSQL and JetStream), a payment in cash, arrears past
// the three months the law allows with placement's task, a bank statement file imported twice, a line
// assigned by hand, an overpayment carried as credit and its reversal. The platform's clock moves from
// month to month; every figure is worked out by hand.

let now = Date.parse('2026-10-01T08:00:00Z');
const offset = () => now - Date.now();
const setToday = (day: string) => {
  now = Date.parse(`${day}T08:00:00Z`);
};
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

/** An MT940 statement of Bansko's account: one credit line per entry, keyed by the bank's reference. */
function mt940(entries: { ref: string; cents: number; text: string }[]): string {
  const amount = (c: number) => `${Math.floor(c / 100)},${String(c % 100).padStart(2, '0')}`;
  return [
    '{1:F01FAKEBGSFAXXX0000000000}{2:O9401800270221FAKEBGSFAXXX00000000002702211800N}{4:',
    ':20:FAKE2702210001',
    ':25:BG45FAKE96611000000001',
    ':28C:00042/001',
    ':60F:C270220EUR0,00',
    ...entries.flatMap((e) => [
      `:61:2702210221C${amount(e.cents)}NTRFNONREF//${e.ref}`,
      `:86:?00ВХОДЯЩ ПРЕВОД?20${e.text}`,
    ]),
    `:62F:C270221EUR${amount(entries.reduce((n, e) => n + e.cents, 0))}`,
    '-}',
  ].join('\n');
}

t.test(
  'payments, arrears past three months, a bank statement imported twice, credit and reversal',
  async (t) => {
    const p = await setUp(t, { clock: () => new Date(Date.now() + offset()), also: [billing] });
    const officer = await p.as(['billing_officer'], { municipality: 'BLG01' }, 'billing-bansko');
    const sofia = requestsAs(
      p.app,
      await p.as(['billing_officer'], { municipality: 'SOF46' }, 'billing-sofia'),
    );
    const bill = requestsAs(p.app, officer);

    const siteId = await p.openSite('protected_housing', 8);
    const cost = await eventually(async () => {
      const r = await bill.put(`/v1/billing/sites/${siteId}/costs/2026-01`, { monthlyCost: eur(150_000) });
      return r.statusCode === 200 ? r : undefined;
    });
    t.equal(cost?.statusCode, 200, 'a place costs €1,500.00 a month');
    const clientId = await p.register(52);
    t.equal(
      (
        await p.post(`/v1/clients/${clientId}/facts/incomes`, {
          validFrom: '2026-01-01',
          source: 'pension',
          monthlyAmount: eur(60_000),
        })
      ).statusCode,
      201,
      'an income of €600.00 a month',
    );
    await p.makeEligible(clientId, 'protected_housing');
    const admitted = await p.admit(clientId, siteId, '2026-10-01');
    t.equal(admitted.statusCode, 201, 'admitted on 1 October 2026');
    const placementId = admitted.json().placementId as string;
    t.ok(
      await eventually(async () => {
        const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM billing.stays
        WHERE client_id = ${clientId}::uuid`.execute(p.database.db);
        return rows[0]!.n > 0 ? true : undefined;
      }),
      'billing learned of the stay',
    );

    // Each whole month: 70% of €600.00 = €420.00, due by the 20th of the next month.
    const statementOf: Record<string, { statementId: string; paymentReference: string }> = {};
    for (const [month, issuedOn, dueOn] of [
      ['2026-10', '2026-11-04', '2026-11-20'],
      ['2026-11', '2026-12-03', '2026-12-20'],
      ['2026-12', '2027-01-05', '2027-01-20'],
      ['2027-01', '2027-02-03', '2027-02-20'],
    ] as const) {
      setToday(issuedOn);
      const run = await bill.post(`/v1/billing/periods/BLG01/${month}/statements`, {});
      t.match(run.json(), { statements: 1, totalDue: eur(42_000) }, `${month}: €420.00`);
      const listed = await eventually(async () => {
        const r = await bill.get(`/v1/billing/statements?month=${month}&clientId=${clientId}`);
        return r.json().items?.[0];
      });
      t.match(listed, { dueOn, totalDue: eur(42_000), outstanding: eur(42_000) }, `${month} due on ${dueOn}`);
      statementOf[month] = listed;
    }
    const [october, november, december, january] = ['2026-10', '2026-11', '2026-12', '2027-01'].map(
      (m) => statementOf[m]!,
    ) as [typeof statementOf.x, typeof statementOf.x, typeof statementOf.x, typeof statementOf.x];

    // €100.00 in cash for October on 10 February: October still owes 420.00 − 100.00 = €320.00
    setToday('2027-02-10');
    const cash = await bill.post(`/v1/billing/statements/${october!.statementId}/payments`, {
      amount: eur(10_000),
      receivedOn: '2027-02-10',
      method: 'cash',
    });
    t.equal(cash.statusCode, 201, 'the payment is recorded');
    t.match(cash.json(), {
      allocations: [{ statementId: october!.statementId, amount: eur(10_000) }],
      toCredit: eur(0),
      fromBank: false,
    });
    t.equal(
      (
        await bill.post(`/v1/billing/statements/${october!.statementId}/payments`, {
          amount: { amountMinor: 10_000, currency: 'BGN' },
          receivedOn: '2027-02-10',
          method: 'cash',
        })
      ).statusCode,
      422,
      'a payment in leva is refused',
    );
    t.equal(
      (
        await sofia.post(`/v1/billing/statements/${october!.statementId}/payments`, {
          amount: eur(100),
          receivedOn: '2027-02-10',
          method: 'cash',
        })
      ).statusCode,
      404,
      "another municipality's officer cannot find the statement",
    );

    // 21 February: October, November, December and January are past due: 4 months > 3
    setToday('2027-02-21');
    const review = await bill.post('/v1/billing/arrears/BLG01/review', {});
    t.match(
      review.json(),
      { on: '2027-02-21', reached: 1, settled: 0 },
      'arrears past three months reported',
    );
    t.match(
      (await bill.post('/v1/billing/arrears/BLG01/review', {})).json(),
      { reached: 0, settled: 0 },
      'and not twice',
    );
    const arrears = await eventually(async () => {
      const r = await bill.get('/v1/billing/arrears?municipality=BLG01');
      const item = r.json().items?.find((i: { clientId: string }) => i.clientId === clientId);
      return item?.reported ? item : undefined;
    });
    // owed 320.00 + 3 × 420.00 = €1,580.00; the oldest due on 20 November: 93 days by 21 February
    t.match(arrears, {
      months: ['2026-10', '2026-11', '2026-12', '2027-01'],
      owed: eur(158_000),
      oldestDueOn: '2026-11-20',
      daysOverdue: 93,
      age: 'over_90',
      reported: true,
    });
    const task = await eventually(async () => {
      const r = await p.get(`/v1/tasks?municipality=BLG01`);
      return r.json().items?.find((x: { kind: string; clientId: string }) => x.kind === 'fees_in_arrears');
    });
    t.match(
      task,
      { clientId, placementId, kind: 'fees_in_arrears' },
      "placement opened the case manager's task",
    );
    t.equal((await sofia.get('/v1/billing/arrears?municipality=BLG01')).statusCode, 403);
    for (const role of ['supervisor', 'case_manager'] as const)
      t.equal(
        (
          await requestsAs(p.app, await p.as([role], { municipality: 'BLG01' }, `${role}-bansko`)).get(
            '/v1/billing/arrears?municipality=BLG01',
          )
        ).statusCode,
        403,
        `a ${role} of the municipality does not list who owes what`,
      );

    // The bank's statement: €320.00 naming October's reference (matched), €50.00 naming none (left for
    // an officer), €30.00 naming November's and December's (ambiguous, never guessed).
    const file = mt940([
      { ref: 'PAY000001', cents: 32_000, text: `ТАКСА ${october!.paymentReference}` },
      { ref: 'PAY000002', cents: 5_000, text: 'ТАКСА ЗА ДЕКЕМВРИ' },
      {
        ref: 'PAY000003',
        cents: 3_000,
        text: `${november!.paymentReference} ${december!.paymentReference}`,
      },
    ]);
    const imported = await bill.post('/v1/billing/bank-statements', { municipality: 'BLG01', content: file });
    t.equal(imported.statusCode, 201, imported.body);
    t.match(
      imported.json().lines.map((l: { outcome: string }) => l.outcome),
      ['matched', 'unmatched', 'ambiguous'],
    );
    t.equal(imported.json().lines[0].statementId, october!.statementId);
    t.notMatch(imported.body, /BG45FAKE|PAY00000/, 'neither the account number nor the line key is shown');
    const again = await bill.post('/v1/billing/bank-statements', { municipality: 'BLG01', content: file });
    t.equal(again.statusCode, 200, 'the same file again');
    t.equal(again.json().alreadyImported, true);
    t.equal(again.json().importId, imported.json().importId);
    // a later file overlapping the first (its first line again: same day, amount, reference and text)
    const overlap = await bill.post('/v1/billing/bank-statements', {
      municipality: 'BLG01',
      content: mt940([{ ref: 'PAY000001', cents: 32_000, text: `ТАКСА ${october!.paymentReference}` }]),
    });
    t.match(overlap.json().lines, [{ outcome: 'already_imported' }], 'a line seen before is not taken again');
    const { rows: recorded } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM billing.events
    WHERE type = 'PaymentRecorded'`.execute(p.database.db);
    t.equal(recorded[0]!.n, 2, 'two payments in all: the cash and the matched line, each once');
    // Sofia's officer uploads the same file: Bansko's import does not make its lines Sofia's seen lines
    // (nor Sofia's import Bansko's); they name none of Sofia's statements, so they wait for an officer
    const inSofia = await sofia.post('/v1/billing/bank-statements', { municipality: 'SOF46', content: file });
    t.equal(inSofia.statusCode, 201, inSofia.body);
    t.equal(inSofia.json().alreadyImported, false);
    t.match(
      inSofia.json().lines.map((l: { outcome: string }) => l.outcome),
      ['unmatched', 'unmatched', 'unmatched'],
      "another municipality's import of the same lines leaves them open",
    );
    t.notOk(
      inSofia
        .json()
        .lines.some((l: { lineId: string }) =>
          imported.json().lines.some((m: { lineId: string }) => m.lineId === l.lineId),
        ),
      'each its own lines',
    );

    // the officer assigns the €50.00 to December: December owes 420.00 − 50.00 = €370.00
    const open = await eventually(async () => {
      const r = await bill.get('/v1/billing/bank-lines?municipality=BLG01');
      return r.json().items?.length === 2 ? r.json().items : undefined;
    });
    const unmatched = open.find((l: { outcome: string }) => l.outcome === 'unmatched');
    t.match(unmatched, { amount: eur(5_000), bookedOn: '2027-02-21' });
    t.equal(
      (
        await sofia.post(`/v1/billing/bank-lines/${unmatched.lineId}/assignment`, {
          statementId: december!.statementId,
        })
      ).statusCode,
      404,
      "another municipality's officer cannot see the line",
    );
    const assigned = await bill.post(`/v1/billing/bank-lines/${unmatched.lineId}/assignment`, {
      statementId: december!.statementId,
    });
    t.equal(assigned.statusCode, 201, assigned.body);
    t.match(assigned.json(), { amount: eur(5_000), fromBank: true, allocations: [{ amount: eur(5_000) }] });
    const twice = await bill.post(`/v1/billing/bank-lines/${unmatched.lineId}/assignment`, {
      statementId: november!.statementId,
    });
    t.equal(twice.statusCode, 409, 'a line is one payment');

    // October paid: three months left overdue, within the law: settled
    t.match((await bill.post('/v1/billing/arrears/BLG01/review', {})).json(), { settled: 1, reached: 0 });

    // €1,300.00 for November: November 420.00, December 370.00, January 420.00 (oldest first) = 1,210.00;
    // the €90.00 left is credit
    const big = await bill.post(`/v1/billing/statements/${november!.statementId}/payments`, {
      amount: eur(130_000),
      receivedOn: '2027-02-21',
      method: 'bank_transfer',
    });
    t.match(big.json(), {
      allocations: [
        { statementId: november!.statementId, amount: eur(42_000) },
        { statementId: december!.statementId, amount: eur(37_000) },
        { statementId: january!.statementId, amount: eur(42_000) },
      ],
      toCredit: eur(9_000),
    });
    const account = await bill.get(`/v1/billing/accounts/BLG01/${clientId}`);
    t.match(account.json(), { owed: eur(0), credit: eur(9_000), inArrears: false });
    t.equal((await sofia.get(`/v1/billing/accounts/BLG01/${clientId}`)).statusCode, 403);

    // today is 21 February: a return dated the 24th is not recorded before it happens, and changes nothing
    const early = await eventually(async () => {
      const r = await bill.post(`/v1/billing/payments/${big.json().paymentId}/reversal`, {
        reversedOn: '2027-02-24',
        reason: 'returned_by_bank',
      });
      return r.statusCode === 404 ? undefined : r;
    });
    t.match([early?.statusCode, early?.json().code], [422, 'REVERSED_IN_FUTURE']);
    const fromSofia = await sofia.post(`/v1/billing/payments/${big.json().paymentId}/reversal`, {
      reversedOn: '2027-02-21',
      reason: 'returned_by_bank',
    });
    t.equal(fromSofia.statusCode, 404, "another municipality's officer finds no such payment to reverse");
    t.match((await bill.get(`/v1/billing/accounts/BLG01/${clientId}`)).json(), {
      owed: eur(0),
      credit: eur(9_000),
    });

    // 24 February, returned by the bank: November, December and January owe 1,210.00 again; the 90.00
    // credit goes back
    setToday('2027-02-24');
    const reversed = await eventually(async () => {
      const r = await bill.post(`/v1/billing/payments/${big.json().paymentId}/reversal`, {
        reversedOn: '2027-02-24',
        reason: 'returned_by_bank',
      });
      return r.statusCode === 404 ? undefined : r;
    });
    t.equal(reversed?.statusCode, 200, reversed?.body ?? 'no answer');
    t.match(reversed?.json(), { reversed: { on: '2027-02-24', reason: 'returned_by_bank' } });
    t.match((await bill.get(`/v1/billing/accounts/BLG01/${clientId}`)).json(), {
      owed: eur(121_000),
      credit: eur(0),
    });
    t.equal(
      (
        await bill.post(`/v1/billing/payments/${big.json().paymentId}/reversal`, {
          reversedOn: '2027-02-24',
          reason: 'returned_by_bank',
        })
      ).statusCode,
      409,
      'not reversed twice',
    );
    const owed = await eventually(async () => {
      const r = await bill.get(`/v1/billing/statements?clientId=${clientId}`);
      const sum = r
        .json()
        .items.reduce(
          (n: number, s: { outstanding: { amountMinor: number } }) => n + s.outstanding.amountMinor,
          0,
        );
      return sum === 121_000 ? sum : undefined;
    });
    t.equal(owed, 121_000, "the statements' read model agrees: 420.00 + 370.00 + 420.00");
    const payments = await bill.get(`/v1/billing/payments?clientId=${clientId}`);
    t.equal(
      payments.json().items.length,
      4,
      'cash, the matched line, the assigned line, the reversed transfer',
    );

    // the account as commands load it (its snapshot and the events after) is the fold of all its events
    const { rows: snapshots } = await sql<{ snapshot_at: string; version: string }>`
      SELECT n.version::text AS snapshot_at, s.version::text FROM billing.streams s
      JOIN billing.snapshots n USING (stream_id) WHERE s.stream_id = ${`account-BLG01-${clientId}`}`.execute(
      p.database.db,
    );
    t.ok(
      snapshots.length === 1 && Number(snapshots[0]!.snapshot_at) < Number(snapshots[0]!.version),
      'the account has events after its snapshot (payments since the last run)',
    );
    const fromSnapshot = await bill.get(`/v1/billing/accounts/BLG01/${clientId}`);
    await sql`DELETE FROM billing.snapshots`.execute(p.database.db);
    const fromEvents = await bill.get(`/v1/billing/accounts/BLG01/${clientId}`);
    t.equal(fromSnapshot.statusCode, 200, fromSnapshot.body);
    t.same(
      fromSnapshot.json(),
      fromEvents.json(),
      'the same account from its snapshot as from all its events',
    );
  },
);
