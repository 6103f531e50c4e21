import { randomUUID } from 'node:crypto';
import { billing } from '@casework/billing';
import { eventually, requestsAs } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { runOne, type StatementRunRow } from '../../services/billing/src/application/statementRuns.js';
import { serviceContext, setUp } from '../placement/harness.js';
import { admitWithPension, costSite, settableClock } from './waits.js';

// A month's run asked for in the background (`Prefer: respond-async`): queued, followed to its end,
// asked twice and run once, refused at once when it cannot run, hidden from another municipality, and
// taken again when the instance doing it died, and given up by one whose lease another took. Over HTTP with real PostgreSQL and JetStream.

const { clock, setToday } = settableClock('2027-01-05');
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

t.test('statement runs in the background', async (t) => {
  const p = await setUp(t, { clock, also: [billing] });
  const officer = await p.as(['billing_officer'], { municipality: 'BLG01' }, 'billing-bansko');
  const sofiaOfficer = await p.as(['billing_officer'], { municipality: 'SOF46' }, 'billing-sofia');
  const bill = requestsAs(p.app, officer);
  const sofia = requestsAs(p.app, sofiaOfficer);
  const ASYNC = { ...officer, prefer: 'respond-async' };
  const siteId = await p.openSite('protected_housing', 8);
  t.equal(await costSite(bill, siteId, 150_000), 200);
  const clientId = await p.register(95);
  t.ok(await admitWithPension(p, clientId, siteId, '2026-12-01', 60_000), 'admitted on 1 December 2026');

  const asked = await bill.post('/v1/billing/periods/BLG01/2026-12/statements', {}, ASYNC);
  t.equal(asked.statusCode, 202, asked.body);
  t.equal(asked.headers['preference-applied'], 'respond-async');
  const { runId } = asked.json();
  t.equal(asked.headers.location, `/v1/billing/runs/${runId}`, 'where to follow it');
  t.match(asked.json(), { municipality: 'BLG01', month: '2026-12', requestedOn: '2027-01-05' });
  t.ok(['queued', 'running', 'done'].includes(asked.json().status));
  const again = await bill.post('/v1/billing/periods/BLG01/2026-12/statements', {}, ASYNC);
  t.equal(again.statusCode, 202);

  const follow = (id: string) =>
    eventually(async () => {
      const r = await bill.get(`/v1/billing/runs/${id}`);
      return r.statusCode === 200 && r.json().status === 'done' ? r.json() : undefined;
    });
  const done = await follow(runId);
  t.match(done, {
    status: 'done',
    clients: 1,
    done: 1,
    result: { municipality: 'BLG01', month: '2026-12', statements: 1, totalDue: eur(42_000) },
  });
  if (again.json().runId !== runId) {
    // the first had ended before the second was asked: the second states nothing again
    t.match(await follow(again.json().runId), { status: 'done', result: { statements: 0 } });
  }
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM billing.events
    WHERE type = 'StatementIssued' AND data ->> 'month' = '2026-12'`.execute(p.database.db);
  t.equal(rows[0]!.n, 1, 'asked twice, stated once');

  t.equal(
    (await sofia.get(`/v1/billing/runs/${runId}`)).statusCode,
    404,
    "another municipality's run is not found",
  );
  t.equal(
    (
      await sofia.post(
        '/v1/billing/periods/BLG01/2026-12/statements',
        {},
        { ...sofiaOfficer, prefer: 'respond-async' },
      )
    ).statusCode,
    403,
    "nor asked for in another's municipality",
  );
  const early = await bill.post('/v1/billing/periods/BLG01/2027-01/statements', {}, ASYNC);
  t.match(
    [early.statusCode, early.json()],
    [422, { code: 'MONTH_NOT_ENDED' }],
    'a month not ended: refused at once',
  );

  // January's run, left running by an instance that died after taking it (its lease long ended): taken
  // again and done, once
  setToday('2027-02-03');
  const orphan = randomUUID();
  await sql`INSERT INTO billing.statement_runs (run_id, municipality, month, requested_on, cause, status, attempts,
      holder, lease_until, clients, done)
    VALUES (${orphan}::uuid, 'BLG01', '2027-01', '2027-02-03', ${JSON.stringify({ correlationId: 'killed' })}::jsonb,
      'running', 1, 'a-dead-instance', now() - interval '1 minute', 1, 0)`.execute(p.database.db);
  t.match(
    await follow(orphan),
    { status: 'done', result: { month: '2027-01', statements: 1, totalDue: eur(42_000) } },
    "the dead instance's run is done by a live one",
  );
  const closed = await bill.post('/v1/billing/periods/BLG01/2027-01/close', {});
  t.equal(closed.statusCode, 200);
  const refused = await bill.post('/v1/billing/periods/BLG01/2027-01/statements', {}, ASYNC);
  t.match(
    [refused.statusCode, refused.json()],
    [409, { code: 'PERIOD_CLOSED' }],
    'a closed month: refused at once',
  );

  // February's run, taken by this instance, whose lease ran out while it was paused and was taken by
  // another: it stops at its first renewal and states nothing; the holder's own run states the month
  setToday('2027-03-03');
  const ctx = serviceContext(p, 'billing', clock);
  const february = randomUUID();
  const cause = { correlationId: 'paused' };
  await sql`INSERT INTO billing.statement_runs (run_id, municipality, month, requested_on, cause, status, attempts,
      holder, lease_until)
    VALUES (${february}::uuid, 'BLG01', '2027-02', '2027-03-03', ${JSON.stringify(cause)}::jsonb, 'running', 1,
      'another-instance', now() + interval '10 minutes')`.execute(p.database.db);
  const row: StatementRunRow = {
    run_id: february,
    municipality: 'BLG01',
    month: '2027-02',
    requested_on: '2027-03-03',
    cause: cause as StatementRunRow['cause'],
    status: 'running',
    attempts: 1,
    clients: null,
    done: null,
    result: null,
    problem: null,
  };
  const stated = async () =>
    (
      await sql<{ n: number }>`SELECT count(*)::int AS n FROM billing.events
        WHERE type = 'StatementIssued' AND data ->> 'month' = '2027-02'`.execute(p.database.db)
    ).rows[0]!.n;
  const runRow = async () =>
    (
      await sql<{ status: string; holder: string; done: number | null }>`SELECT status, holder, done
        FROM billing.statement_runs WHERE run_id = ${february}::uuid`.execute(p.database.db)
    ).rows[0]!;
  await runOne(ctx, row, 'this-instance');
  t.equal(await stated(), 0, 'the instance that lost its lease states nothing');
  t.match(
    await runRow(),
    { status: 'running', holder: 'another-instance', done: null },
    'nor touches the run',
  );
  await sql`UPDATE billing.statement_runs SET holder = 'this-instance' WHERE run_id = ${february}::uuid`.execute(
    p.database.db,
  );
  await runOne(ctx, row, 'this-instance');
  t.equal(await stated(), 1, 'the holder states the month');
  t.match(await runRow(), { status: 'done', done: 1 });
});
