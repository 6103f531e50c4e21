import { eventually } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { setUp } from './harness.js';

/** Issue 14, hole 5: a read of a client's determinations is written to eligibility's access log. */
t.test('reads of determinations, an integrator’s included, are access-logged', async (t) => {
  const h = await setUp(t);
  const clientId = await h.register(71);
  const application = await h.post('/v1/applications', {
    clientId,
    serviceType: 'protected_housing',
    municipality: 'BLG01',
    submittedOn: '2026-11-20',
  });
  t.equal(application.statusCode, 201);
  const determined = await h.eligibilityOf(clientId, 'protected_housing', () => true);
  const determinationId = determined!.current.determinationId;

  const erp = await h.as(['integrator'], {}, 'erp-bansko');
  const one = await h.get(`/v1/eligibility/clients/${clientId}/determinations/${determinationId}`, erp);
  t.equal(one.statusCode, 200, 'an integrator reads a determination');
  const view = await h.get(`/v1/eligibility/clients/${clientId}/eligibility`, erp);
  t.equal(view.statusCode, 200, 'and the client’s eligibility');
  // the list is a read model: wait until it holds the determination, then count only that read
  await eventually(async () =>
    (await h.get(`/v1/eligibility/determinations?clientId=${clientId}`)).json().items.length === 1
      ? true
      : undefined,
  );
  const list = await h.get(`/v1/eligibility/determinations?clientId=${clientId}`, erp);
  t.equal(list.statusCode, 200, 'and lists determinations');
  t.equal(list.json().items.length, 1);

  const { rows } = await sql<{
    actor: string;
    role: string;
    client_id: string;
    municipality: string;
    action: string;
    route: string;
    correlation_id: string;
  }>`SELECT actor, role, client_id::text, municipality, action, route, correlation_id
    FROM eligibility.access_log WHERE actor = 'erp-bansko' ORDER BY id`.execute(h.database.db);
  t.same(
    rows.map((r) => `${r.action} ${r.route}`),
    [
      'read /v1/eligibility/clients/:clientId/determinations/:determinationId',
      'read /v1/eligibility/clients/:clientId/eligibility',
      'search /v1/eligibility/determinations',
    ],
    'one row per read, with the route template',
  );
  t.ok(
    rows.every(
      (r) =>
        r.client_id === clientId && r.municipality === 'BLG01' && r.role === 'integrator' && r.correlation_id,
    ),
    'naming the client, the municipality, the role and the correlation id',
  );
  t.equal(one.headers['x-correlation-id'], rows[0]!.correlation_id);
});

type LogRow = {
  client_id: string;
  municipality: string;
  action: string;
  route: string;
  correlation_id: string;
};

/**
 * Issue 14, hole 5: a command's answer shows the determination (disability percentages, income reasons):
 * a read, logged; an Idempotency-Key replay of it (sealed: no route reads it back) is logged again; and
 * supervisors read eligibility's access log, their own municipality's only.
 */
t.test('determination commands, their sealed replays, and the log supervisors read', async (t) => {
  const h = await setUp(t);
  const clientId = await h.register(72);
  await h.settled();
  const cm = await h.as(['case_manager'], { municipality: 'BLG01' }, 'cm-audited');
  const sup = await h.as(['supervisor'], { municipality: 'BLG01' }, 'sup-audited');
  const rowsOf = async (actor: string) =>
    (
      await sql<LogRow>`SELECT client_id::text, municipality, action, route, correlation_id
        FROM eligibility.access_log WHERE actor = ${actor} ORDER BY id`.execute(h.database.db)
    ).rows;

  const body = { clientId, serviceType: 'day_centre_adults_disabilities' };
  const keyed = { ...cm, 'idempotency-key': 'determine-once' };
  const first = await h.post('/v1/eligibility/determinations', body, keyed);
  t.equal(first.statusCode, 201, 'determined on request');
  const replay = await h.post('/v1/eligibility/determinations', body, keyed);
  t.equal(replay.statusCode, 201);
  t.equal(replay.headers['idempotent-replayed'], 'true', 'the second answer is the first, replayed');
  t.same(replay.json(), first.json());
  const url = `/v1/eligibility/clients/${clientId}/determinations/${first.json().determinationId}`;
  const overridden = await h.post(
    `${url}/override`,
    { outcome: 'eligible', reason: 'A synthetic override with a written reason' },
    sup,
  );
  t.equal(overridden.statusCode, 200);

  const determined = await rowsOf('cm-audited');
  t.same(
    determined.map((r) => `${r.action} ${r.route} ${r.client_id} ${r.municipality}`),
    [
      `read /v1/eligibility/determinations ${clientId} BLG01`,
      `read /v1/eligibility/determinations ${clientId} BLG01`,
    ],
    'the answer and its replay, each a read of the client’s record',
  );
  t.same(
    determined.map((r) => r.correlation_id),
    [first.headers['x-correlation-id'], replay.headers['x-correlation-id']],
    'each with its own request’s correlation id',
  );
  t.same(
    (await rowsOf('sup-audited')).map((r) => `${r.action} ${r.route} ${r.client_id}`),
    [`read /v1/eligibility/clients/:clientId/determinations/:determinationId/override ${clientId}`],
    'an override’s answer is a read too',
  );

  // supervisors read eligibility's access log: their municipality's, newest first, page by page
  const page = await h.get('/v1/eligibility/access-log?actor=cm-audited&limit=1', sup);
  t.equal(page.statusCode, 200, 'a supervisor reads the log');
  t.match(page.json().items, [
    {
      actor: 'cm-audited',
      clientId,
      municipality: 'BLG01',
      action: 'read',
      route: '/v1/eligibility/determinations',
    },
  ]);
  t.equal(page.json().items[0].correlationId, replay.headers['x-correlation-id'], 'newest first');
  const next = await h.get(
    `/v1/eligibility/access-log?actor=cm-audited&limit=1&cursor=${encodeURIComponent(page.json().next)}`,
    sup,
  );
  t.equal(next.json().items[0].correlationId, first.headers['x-correlation-id'], 'then the next page');
  t.notOk(next.json().next, 'and no more');
  t.equal(
    (await h.get('/v1/eligibility/access-log?municipality=MON29', sup)).statusCode,
    403,
    'another municipality’s log is forbidden',
  );
  t.equal((await h.get('/v1/eligibility/access-log', cm)).statusCode, 403, 'case managers do not read it');
  const montana = await h.as(['supervisor'], { municipality: 'MON29' }, 'sup-montana');
  const theirs = await h.get('/v1/eligibility/access-log?limit=500', montana);
  t.equal(theirs.statusCode, 200);
  t.same(theirs.json().items, [], 'Montana’s supervisor sees nothing of Bansko’s');
});

/**
 * Issue 14, hole 5: a rule set's what-if lists clients with their municipality and criterion outcomes
 * (a disability degree not met): a search, one row per client listed; those it does not list, none.
 */
t.test('a what-if logs each client its changes list', async (t) => {
  const h = await setUp(t, { clock: () => new Date('2026-11-23T10:00:00Z') });
  const clients: string[] = [];
  for (const [serial, degreePercent] of [
    [73, 54],
    [74, 55],
    [75, 60],
  ] as const) {
    const clientId = await h.register(serial);
    clients.push(clientId);
    await h.post(`/v1/clients/${clientId}/facts/disability-assessments`, {
      degreePercent,
      outsideAssistanceNeeded: false,
      commission: 'TELK',
      decisionNumber: `${serial}/2026`,
      decidedOn: '2026-01-01',
      validFrom: '2026-01-01',
    });
    await h.post('/v1/applications', {
      clientId,
      serviceType: 'day_centre_adults_disabilities',
      municipality: 'BLG01',
      submittedOn: '2026-11-23',
    });
  }
  for (const c of clients)
    t.ok(
      await h.eligibilityOf(c, 'day_centre_adults_disabilities', (s) => s.effectiveOutcome === 'eligible'),
    );
  // what-if covers the determinations as listed (a read model): wait until all three are
  t.ok(
    await eventually(async () =>
      (await h.get('/v1/eligibility/determinations?serviceType=day_centre_adults_disabilities')).json().items
        .length === 3
        ? true
        : undefined,
    ),
  );

  const admin = await h.as(['admin'], {}, 'admin-audited');
  const url = '/v1/eligibility/rule-sets/day_centre_adults_disabilities:national';
  const draft = await h.post(
    `${url}/versions`,
    {
      criteria: [
        { kind: 'age', min: 18 },
        { kind: 'disability_degree', minPercent: 56 },
      ],
      validityMonths: 12,
    },
    admin,
  );
  t.equal(draft.statusCode, 201);
  const whatIf = await h.post(`${url}/versions/2/what-if`, { asOf: '2026-11-23' }, admin);
  t.equal(whatIf.statusCode, 200);
  t.match(whatIf.json(), { evaluated: 3, lost: 2, unchanged: 1 }, 'two would lose');
  const listed = (whatIf.json().changes as { clientId: string }[]).map((c) => c.clientId).sort();
  t.same(listed, clients.slice(0, 2).sort());

  const { rows } = await sql<LogRow>`SELECT client_id::text, municipality, action, route, correlation_id
    FROM eligibility.access_log WHERE actor = 'admin-audited' ORDER BY id`.execute(h.database.db);
  t.same(
    rows.map((r) => `${r.action} ${r.route} ${r.municipality}`).sort(),
    Array(2).fill('search /v1/eligibility/rule-sets/:ruleSetId/versions/:version/what-if BLG01'),
    'one search row per client listed, under the client’s municipality',
  );
  t.same(rows.map((r) => r.client_id).sort(), listed, 'the clients listed, not the one unchanged');
  t.ok(rows.every((r) => r.correlation_id === whatIf.headers['x-correlation-id']));
});
