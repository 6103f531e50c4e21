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
