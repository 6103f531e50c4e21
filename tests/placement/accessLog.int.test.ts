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

  // a day centre's register names its people: recording and reading it are logged, a replay too, which
  // answers as the first time (no route reads a recorded day back without its dates: it is sealed)
  const cm = await h.as(['case_manager'], { municipality: 'BLG01' }, 'cm-register');
  const keyed = { ...cm, 'idempotency-key': 'register-once' };
  const day = { date: '2026-11-04', records: [{ placementId, attended: true }] };
  const recorded = await h.post(`/v1/sites/${siteId}/attendance`, day, keyed);
  t.equal(recorded.statusCode, 200, 'a day recorded');
  const again = await h.post(`/v1/sites/${siteId}/attendance`, day, keyed);
  t.equal(again.statusCode, 200, 'its replay answers as the first time');
  t.equal(again.headers['idempotent-replayed'], 'true');
  t.same(again.json(), recorded.json());
  // the register is a read model: an empty one shows nobody (and logs nothing) until it holds the day
  const week = await eventually(async () => {
    const r = await h.get(`/v1/sites/${siteId}/attendance?from=2026-11-02&to=2026-11-06`, cm);
    return r.json().days.length > 0 ? r : undefined;
  });
  t.equal(week?.statusCode, 200, 'the register read');
  const register = await sql<{ client_id: string; action: string; route: string }>`SELECT client_id::text,
      action, route FROM placement.access_log WHERE actor = 'cm-register' ORDER BY id`.execute(h.database.db);
  t.same(
    register.rows.map((r) => `${r.action} ${r.route} ${r.client_id}`),
    [
      `search /v1/sites/:siteId/attendance ${clientId}`,
      `read /v1/sites/:siteId/attendance ${clientId}`,
      `search /v1/sites/:siteId/attendance ${clientId}`,
    ],
    'the day recorded, its replay and the register read',
  );
});

type LogRow = {
  client_id: string;
  municipality: string;
  action: string;
  route: string;
  correlation_id: string;
};

/**
 * Issue 14, hole 5: waiting lists, tasks and command answers name people: each answer is logged, an
 * Idempotency-Key replay of a sealed answer (a closed task: no route reads it back) too; and
 * supervisors read placement's access log, their own municipality's only.
 */
t.test(
  'waiting lists, tasks, command answers and sealed replays are logged; supervisors read the log',
  async (t) => {
    const h = await setUp(t);
    const siteId = await h.openSite('protected_housing', 4);
    const [resident, waiting] = await h.registerMany([82, 83]);
    await h.makeEligible(resident!, 'protected_housing');
    const entryId = await h.makeEligible(waiting!, 'protected_housing');
    const cm = await h.as(['case_manager'], { municipality: 'BLG01' }, 'cm-audited');
    const sup = await h.as(['supervisor'], { municipality: 'BLG01' }, 'sup-audited');
    const rowsOf = async (actor: string) =>
      (
        await sql<LogRow>`SELECT client_id::text, municipality, action, route, correlation_id
        FROM placement.access_log WHERE actor = ${actor} ORDER BY id`.execute(h.database.db)
      ).rows;

    const admitted = await h.post(
      '/v1/placements',
      {
        clientId: resident,
        siteId,
        on: '2026-11-02',
        emergency: { justification: 'No safe place to stay tonight (synthetic case)' },
      },
      sup,
    );
    t.equal(admitted.statusCode, 201, 'an admission');
    t.same(
      (await rowsOf('sup-audited')).map((r) => `${r.action} ${r.route} ${r.client_id} ${r.municipality}`),
      [`read /v1/placements ${resident} BLG01`],
      'its answer is a read of the resident’s placement',
    );

    t.equal((await h.get(`/v1/waiting-lists/entries/${entryId}`, cm)).statusCode, 200);
    const list = await h.get('/v1/waiting-lists?serviceType=protected_housing', cm);
    t.equal(list.statusCode, 200);
    t.ok((list.json().items as { clientId: string }[]).some((i) => i.clientId === waiting));

    // a move out of the municipality opens a task on the resident
    t.equal(
      (await h.post(`/v1/clients/${resident}/move`, { to: 'SOF46', movedOn: '2026-11-15' })).statusCode,
      200,
    );
    const task = await eventually(async () => {
      const items = (await h.get(`/v1/tasks?clientId=${resident}`)).json().items as { taskId: string }[];
      return items[0];
    });
    t.ok(task, 'a task is open');
    t.equal((await h.get(`/v1/tasks?clientId=${resident}`, cm)).statusCode, 200, 'the task list');
    const keyed = { ...cm, 'idempotency-key': 'close-once' };
    const closed = await h.post(`/v1/tasks/${task!.taskId}/close`, { note: 'Handed over' }, keyed);
    t.equal(closed.statusCode, 200, 'the task closed');
    const replay = await h.post(`/v1/tasks/${task!.taskId}/close`, { note: 'Handed over' }, keyed);
    t.equal(replay.headers['idempotent-replayed'], 'true', 'and its answer replayed');
    t.same(replay.json(), closed.json());

    const read = await rowsOf('cm-audited');
    t.same(
      read.map((r) => `${r.action} ${r.route} ${r.client_id}`),
      [
        `read /v1/waiting-lists/entries/:entryId ${waiting}`,
        ...(list.json().items as { clientId: string }[]).map((i) => `search /v1/waiting-lists ${i.clientId}`),
        `search /v1/tasks ${resident}`,
        `read /v1/tasks/:taskId/close ${resident}`,
        `read /v1/tasks/:taskId/close ${resident}`,
      ],
      'an entry, the list, the tasks, the closing and its replay: one row per client shown',
    );
    t.ok(read.every((r) => r.municipality === 'BLG01'));
    t.same(
      read.slice(-2).map((r) => r.correlation_id),
      [closed.headers['x-correlation-id'], replay.headers['x-correlation-id']],
      'the replay under its own correlation id',
    );

    // supervisors read placement's access log: their municipality's, newest first, page by page
    const page = await h.get('/v1/placement/access-log?actor=cm-audited&limit=2', sup);
    t.equal(page.statusCode, 200, 'a supervisor reads the log');
    t.same(
      (page.json().items as { correlationId: string }[]).map((i) => i.correlationId),
      [replay.headers['x-correlation-id'], closed.headers['x-correlation-id']],
      'newest first',
    );
    const rest = await h.get(
      `/v1/placement/access-log?actor=cm-audited&limit=500&cursor=${encodeURIComponent(page.json().next)}`,
      sup,
    );
    t.equal(rest.json().items.length, read.length - 2, 'the next page holds the rest');
    t.equal(
      (await h.get(`/v1/placement/access-log?clientId=${resident}&actor=cm-audited`, sup)).json().items
        .length,
      read.filter((r) => r.client_id === resident).length,
      'by client and actor: the task list, the closing and its replay (and the list, if it still held them)',
    );
    t.equal(
      (await h.get('/v1/placement/access-log?municipality=MON29', sup)).statusCode,
      403,
      'another municipality’s log is forbidden',
    );
    t.equal((await h.get('/v1/placement/access-log', cm)).statusCode, 403, 'case managers do not read it');
    const montana = await h.as(['supervisor'], { municipality: 'MON29' }, 'sup-montana');
    const theirs = await h.get('/v1/placement/access-log?limit=500', montana);
    t.equal(theirs.statusCode, 200);
    t.same(theirs.json().items, [], 'Montana’s supervisor sees nothing of Bansko’s');
  },
);

/**
 * Issue 14, hole 5: the client directory answers with a birth date, sex and date of death under a client
 * id: a read, logged with the client's municipality.
 */
t.test('a read of the client directory is access-logged', async (t) => {
  const h = await setUp(t);
  const clientId = await h.register(84);
  const cm = await h.as(['case_manager'], { municipality: 'BLG01' }, 'cm-directory');
  const entry = await h.get(`/v1/placement/clients/${clientId}`, cm);
  t.equal(entry.statusCode, 200, 'the directory entry');
  t.match(entry.json(), { clientId, municipality: 'BLG01', birthDate: String });
  const elsewhere = await h.as(['case_manager'], { municipality: 'MON29' }, 'cm-directory-montana');
  t.equal((await h.get(`/v1/placement/clients/${clientId}`, elsewhere)).statusCode, 404, 'out of scope');

  const { rows } = await sql<LogRow>`SELECT client_id::text, municipality, action, route, correlation_id
    FROM placement.access_log WHERE actor IN ('cm-directory', 'cm-directory-montana') ORDER BY id`.execute(
    h.database.db,
  );
  t.same(
    rows.map((r) => `${r.action} ${r.route} ${r.client_id} ${r.municipality}`),
    [`read /v1/placement/clients/:clientId ${clientId} BLG01`],
    'one row for the entry shown; none for the 404',
  );
  t.equal(rows[0]?.correlation_id, entry.headers['x-correlation-id']);
});
