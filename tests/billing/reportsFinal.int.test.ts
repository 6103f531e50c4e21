import { billing } from '@casework/billing';
import { eventually, requestsAs } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { setUp } from '../placement/harness.js';
import { admitWithPension, costSite, listedStatement, settableClock } from './waits.js';

// Outside the municipality a month's report is final: once given, never different. A payment recorded
// by the cut-off but not yet counted by the statements read model (held here by a transaction that locks
// its checkpoint, as a slow or stopped projection would) must not be left out of it: the report waits
// until it is counted. Over HTTP with real PostgreSQL and JetStream.

const { clock, setToday } = settableClock('2027-01-05');
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

t.test('a final report waits for the payments recorded by its cut-off', async (t) => {
  const p = await setUp(t, { clock, also: [billing] });
  const bill = requestsAs(
    p.app,
    await p.as(['billing_officer'], { municipality: 'BLG01' }, 'billing-bansko'),
  );
  const analyst = requestsAs(p.app, await p.as(['directorate_analyst'], { oblast: 'BG-01' }, 'rdsa-blg'));
  const siteId = await p.openSite('protected_housing', 8);
  t.equal(await costSite(bill, siteId, 150_000), 200);
  const clientId = await p.register(96);
  t.ok(await admitWithPension(p, clientId, siteId, '2026-12-01', 60_000));
  const run = await bill.post('/v1/billing/periods/BLG01/2026-12/statements', {});
  t.match(run.json(), { statements: 1, totalDue: eur(42_000) });
  const december = await listedStatement(bill, clientId, '2026-12');
  t.ok(december);

  // the read model stops counting: its checkpoint row is locked by another transaction
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let locked!: (n: number) => void;
  const isLocked = new Promise<number>((r) => {
    locked = r;
  });
  const holding = p.database.db.transaction().execute(async (tx) => {
    const { rows } = await sql`SELECT 1 FROM billing.checkpoints
      WHERE subscription = 'projection:statements' FOR UPDATE`.execute(tx);
    locked(rows.length);
    await released;
  });
  t.equal(await isLocked, 1, "the statements read model's checkpoint is held");

  setToday('2027-01-20');
  const paid = await bill.post(`/v1/billing/statements/${december!.statementId}/payments`, {
    amount: eur(10_000),
    receivedOn: '2027-01-20',
    method: 'cash',
  });
  t.equal(paid.statusCode, 201, paid.body);

  // 1 February: December's fees (cut-off 31 January) and remittance (25 January) are final by date
  setToday('2027-02-01');
  for (const path of ['fees', 'remittance']) {
    const r = await analyst.get(`/v1/billing/reports/${path}?month=2026-12&oblast=BG-01`);
    t.match(
      [r.statusCode, r.json().code, r.json().detail],
      [422, 'REPORT_NOT_FINAL', /still being counted/],
      `${path}: not given while a payment recorded by its cut-off is uncounted`,
    );
  }

  release();
  await holding;
  for (const path of ['fees', 'remittance']) {
    const r = await eventually(async () => {
      const x = await analyst.get(`/v1/billing/reports/${path}?month=2026-12&oblast=BG-01`);
      return x.statusCode === 200 ? x : undefined;
    });
    t.equal(r?.statusCode, 200, `${path}: given once the payment is counted`);
  }
  const fees = await bill.get('/v1/billing/reports/fees?month=2026-12&municipality=BLG01&asOf=2027-01-31');
  t.match(fees.json().total, { due: eur(42_000), collected: eur(10_000) }, 'and the payment is in it');
});
