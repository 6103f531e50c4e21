import { eventually } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { setUp } from './harness.js';

/** Issue 14, hole 5: a read of a client's placements is written to placement's access log. */
t.test('reads of placements, an integrator’s included, are access-logged', async (t) => {
  const h = await setUp(t);
  const siteId = await h.openSite('day_centre_adults_disabilities', 4);
  const clientId = await h.register(81);
  await h.makeEligible(clientId, 'day_centre_adults_disabilities');
  const admitted = await h.admit(clientId, siteId, '2026-11-02');
  t.equal(admitted.statusCode, 201);
  const { placementId } = admitted.json();

  const erp = await h.as(['integrator'], {}, 'erp-bansko');
  const one = await h.get(`/v1/placements/${placementId}`, erp);
  t.equal(one.statusCode, 200, 'an integrator reads a placement');
  // the list is a read model: wait until it holds the stay, then count only that read
  await eventually(async () =>
    (await h.get(`/v1/placements?clientId=${clientId}`)).json().items.length === 1 ? true : undefined,
  );
  const list = await h.get(`/v1/placements?clientId=${clientId}`, erp);
  t.equal(list.statusCode, 200, 'and lists placements');
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
    FROM placement.access_log WHERE actor = 'erp-bansko' ORDER BY id`.execute(h.database.db);
  t.same(
    rows.map((r) => `${r.action} ${r.route}`),
    ['read /v1/placements/:placementId', 'search /v1/placements'],
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
