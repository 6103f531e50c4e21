import { eventually } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { type Intake, setUp } from './harness.js';

/**
 * Issue 14 (holes 5 and 11) in intake: applications, overdue reassessments and a move's answer are reads
 * written to the access log, each under the municipality whose staff read it; the caseload is limited
 * per caller as a search is.
 */

const rowsOf = async (h: Intake, actor: string) =>
  (
    await sql<{
      client_id: string;
      municipality: string;
      action: string;
      route: string;
      correlation_id: string;
    }>`SELECT client_id::text, municipality, action, route, correlation_id FROM intake.access_log
      WHERE actor = ${actor} ORDER BY id`.execute(h.database.db)
  ).rows;

t.test('hole 5: applications shown, listed and commanded are logged', async (t) => {
  const h = await setUp(t);
  const { clientId } = await h.register(701);
  const cm = await h.as(['case_manager'], { municipality: 'BLG01' }, 'cm-audited');
  const submitted = await h.post(
    '/v1/applications',
    { clientId, serviceType: 'protected_housing', municipality: 'BLG01', submittedOn: '2026-11-20' },
    cm,
  );
  t.equal(submitted.statusCode, 201, 'an application');
  const { applicationId } = submitted.json();
  const read = await h.get(`/v1/applications/${applicationId}`, cm);
  t.equal(read.statusCode, 200, 'read back');
  // the list is a read model: wait (as another caller) until it holds the application
  t.ok(
    await eventually(async () =>
      (await h.get(`/v1/applications?clientId=${clientId}`)).json().items.length === 1 ? true : undefined,
    ),
  );
  const list = await h.get(`/v1/applications?clientId=${clientId}`, cm);
  t.equal(list.statusCode, 200, 'listed');
  const keyed = { ...cm, 'idempotency-key': 'withdraw-once' };
  const withdrawn = await h.post(
    `/v1/applications/${applicationId}/withdraw`,
    { withdrawnOn: '2026-11-21' },
    keyed,
  );
  t.equal(withdrawn.statusCode, 200, 'withdrawn');
  const replay = await h.post(
    `/v1/applications/${applicationId}/withdraw`,
    { withdrawnOn: '2026-11-21' },
    keyed,
  );
  t.equal(replay.headers['idempotent-replayed'], 'true', 'and the answer replayed');

  const rows = await rowsOf(h, 'cm-audited');
  t.same(
    rows.map((r) => `${r.action} ${r.route} ${r.client_id} ${r.municipality}`),
    [
      `read /v1/applications ${clientId} BLG01`,
      `read /v1/applications/:applicationId ${clientId} BLG01`,
      `search /v1/applications ${clientId} BLG01`,
      `read /v1/applications/:applicationId/withdraw ${clientId} BLG01`,
      // a replay reads the application again through its GET route, as the caller (idempotency.ts)
      `read /v1/applications/:applicationId ${clientId} BLG01`,
    ],
    'the submission, the read, the list, the command and its replay: one row each',
  );
  t.same(
    rows.map((r) => r.correlation_id),
    [submitted, read, list, withdrawn, replay].map((r) => r.headers['x-correlation-id']),
    'each under its own request’s correlation id',
  );
});

t.test('hole 5: overdue reassessments name clients: the page is logged', async (t) => {
  const h = await setUp(t);
  const { clientId } = await h.register(702);
  await h.post(`/v1/clients/${clientId}/case-manager`, { caseManager: 'cm-bansko-1', since: '2025-01-01' });
  const assessed = await h.post(`/v1/clients/${clientId}/needs-assessments`, {
    assessedOn: '2025-06-30',
    findings: [{ domain: 'housing', level: 'high', finding: 'Has to leave the family home' }],
  });
  t.equal(assessed.statusCode, 201);
  // two read models meet here: wait (as another caller) until the page shows the client
  t.ok(
    await eventually(async () => {
      const r = (await h.get('/v1/needs-assessments/overdue?asOf=2026-11-23')).json();
      return r.items.some((i: { caseManager?: string }) => i.caseManager) ? true : undefined;
    }),
  );
  const cm = await h.as(['case_manager'], { municipality: 'BLG01' }, 'cm-audited');
  const page = await h.get('/v1/needs-assessments/overdue?asOf=2026-11-23', cm);
  t.equal(page.statusCode, 200);
  t.same(
    page.json().items.map((i: { clientId: string }) => i.clientId),
    [clientId],
  );
  t.same(
    (await rowsOf(h, 'cm-audited')).map((r) => `${r.action} ${r.route} ${r.client_id} ${r.municipality}`),
    [`search /v1/needs-assessments/overdue ${clientId} BLG01`],
    'one row per client the page shows',
  );
});

t.test('hole 5: a move’s answer is logged under the municipality the client left', async (t) => {
  const h = await setUp(t);
  const { clientId } = await h.register(703);
  const cm = await h.as(['case_manager'], { municipality: 'BLG01' }, 'cm-audited');
  const moved = await h.post(`/v1/clients/${clientId}/move`, { to: 'MON29', movedOn: '2026-11-20' }, cm);
  t.equal(moved.statusCode, 200, 'moved');
  t.equal(moved.json().municipality, 'MON29', 'the answer shows the record after the move');
  t.same(
    (await rowsOf(h, 'cm-audited')).map((r) => `${r.action} ${r.route} ${r.client_id} ${r.municipality}`),
    [`read /v1/clients/:clientId/move ${clientId} BLG01`],
    'read by Bansko’s staff: logged under Bansko',
  );
  const bansko = await h.get(`/v1/access-log?actor=cm-audited`, h.supervisor);
  t.equal(bansko.statusCode, 200);
  t.match(
    bansko.json().items,
    [{ clientId, municipality: 'BLG01', route: '/v1/clients/:clientId/move' }],
    'Bansko’s supervisor sees their own staff’s read',
  );
  const montana = await h.as(['supervisor'], { municipality: 'MON29' }, 'sup-montana');
  t.same(
    (await h.get('/v1/access-log?actor=cm-audited', montana)).json().items,
    [],
    'Montana’s supervisor does not see a read made in Bansko',
  );
});

t.test('hole 11: the caseload is limited per caller, together with searches', async (t) => {
  const h = await setUp(t, { rateLimits: { search: 3, registration: 0, identifierProbes: 0 } });
  for (let i = 0; i < 2; i++) t.equal((await h.get('/v1/caseload')).statusCode, 200);
  t.equal((await h.get('/v1/clients?name=Тест')).statusCode, 200, 'a search shares the allowance');
  const over = await h.get('/v1/caseload');
  t.equal(over.statusCode, 429, 'the caseload beyond it');
  t.equal(over.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.ok(Number(over.headers['retry-after']) > 0, 'with Retry-After');
  t.match(over.json(), { status: 429, code: 'RATE_LIMITED' });
  const colleague = await h.as(['case_manager'], { municipality: 'BLG01' }, 'cm-bansko-2');
  t.equal((await h.get('/v1/caseload', colleague)).statusCode, 200, 'another caller is unaffected');
  const doc = (await h.app.inject({ url: '/openapi.json' })).json();
  t.ok(doc.paths['/v1/caseload'].get.responses['429'], '429 is declared for the caseload');
});

t.test('issue 19: a record is answered only once its read is committed to the access log', async (t) => {
  const h = await setUp(t);
  const { clientId } = await h.register(702);
  // another session holds the log: the read cannot be logged, so it must not be answered
  const answered = await h.database.db.connection().execute(async (c) => {
    await sql`BEGIN`.execute(c);
    await sql`LOCK TABLE intake.access_log IN EXCLUSIVE MODE`.execute(c);
    let status: number | undefined;
    const read = h.get(`/v1/clients/${clientId}`).then((r) => {
      status = r.statusCode;
    });
    await new Promise((r) => setTimeout(r, 500));
    const whileHeld = status;
    await sql`COMMIT`.execute(c);
    await read;
    return { whileHeld, after: status };
  });
  t.equal(answered.whileHeld, undefined, 'no answer while the log cannot take the read');
  t.equal(answered.after, 200, 'answered once it could');
  const rows = await rowsOf(h, 'cm-bansko-1');
  t.ok(
    rows.some((r) => r.client_id === clientId && r.route === '/v1/clients/:clientId'),
    'and the read is in the log',
  );
});
