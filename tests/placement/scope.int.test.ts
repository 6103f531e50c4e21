import { answersAsAbsent, eventually } from '@casework/testkit';
import type { LightMyRequestResponse } from 'fastify';
import t from 'tap';
import { setUp } from './harness.js';

const DAY = 'day_centre_adults_disabilities';

/**
 * Every id a request names is looked up within the caller's jurisdiction before any rule runs: a record
 * of another municipality answers exactly as one that does not exist, and nothing changes.
 */
t.test('ids of another municipality in a body are 404, like ids that do not exist', async (t) => {
  const h = await setUp(t);
  const montanaCm = await h.as(['case_manager'], { municipality: 'MON29' }, 'cm-montana');
  const montana = await h.as(['supervisor'], { municipality: 'MON29' }, 'sup-montana');
  const openIn = async (municipality: string, caller: object) => {
    const r = await h.post(
      '/v1/sites',
      {
        name: `Synthetic day centre ${municipality}`,
        serviceType: DAY,
        municipality,
        address: 'Synthetic street 3',
        provider: 'Synthetic provider',
        funding: 'municipal',
        openedOn: '2026-01-05',
        places: 10,
      },
      caller,
    );
    if (r.statusCode !== 201) throw new Error(`${r.statusCode} ${r.body}`);
    return r.json().siteId as string;
  };

  // Bansko: a site, a waiting client with an entry, a client with an open offer, a placed client
  const bansko = await openIn('BLG01', h.supervisor);
  const [waiting, offered, placed] = await h.registerMany([301, 302, 303]);
  const [entry, offeredEntry] = (await Promise.all(
    [waiting!, offered!, placed!].map((c) => h.makeEligible(c, DAY)),
  )) as [string, string, string];
  const offer = await h.post(
    `/v1/sites/${bansko}/offers`,
    { from: '2026-11-02', entryId: offeredEntry, justification: 'Synthetic: offered out of turn' },
    h.supervisor,
  );
  t.equal(offer.statusCode, 201, offer.body);
  const offerId = offer.json().offerId as string;
  const blgPlacement = await h.admit(placed!, bansko, '2026-11-02');
  t.equal(blgPlacement.statusCode, 201, blgPlacement.body);
  const blgPlacementId = blgPlacement.json().placementId as string;

  // Montana: a site and a client of its own in it
  const mon = await openIn('MON29', montana);
  const local = await h.registerIn(304, 'MON29', montanaCm);
  await h.makeEligible(local, DAY, { municipality: 'MON29', caller: montanaCm });
  const own = await h.post(
    '/v1/placements',
    { clientId: local, siteId: mon, on: '2026-11-02', emergency: { justification: 'Synthetic emergency' } },
    montana,
  );
  t.equal(own.statusCode, 201, own.body);
  const monPlacementId = own.json().placementId as string;
  await eventually(async () =>
    (await h.get(`/v1/waiting-lists/entries/${entry}`)).json().status === 'waiting' ? true : undefined,
  );
  const admissions = async () =>
    Number(
      (
        (await h.database.db
          .selectFrom('placement.events' as never)
          .select(({ fn }) => fn.countAll<string>().as('n'))
          .where('type' as never, 'in', ['Admitted', 'Transferred'] as never)
          .executeTakeFirstOrThrow()) as { n: string }
      ).n,
    );
  const before = await admissions();

  const alike = (what: string, send: (id: string) => Promise<LightMyRequestResponse>, outOfScope: string) =>
    answersAsAbsent(t, what, send, outOfScope);

  t.test('the attack: a Montana supervisor admits a Bansko client to a Montana site', async (t) => {
    const attack = (clientId: string) =>
      h.post(
        '/v1/placements',
        { clientId, siteId: mon, on: '2026-11-09', emergency: { justification: 'Synthetic emergency' } },
        montana,
      );
    await alike('client in the body', attack, waiting!);
    const e = (await h.get(`/v1/waiting-lists/entries/${entry}`)).json();
    t.equal(e.status, 'waiting', 'the Bansko waiting-list entry remains');
    // a refusal names nothing of a client outside the scope (eligibility, current placement)
    await alike('a placed client in the body', attack, placed!);
  });

  t.test('an offer of another municipality in an admission or a transfer', async (t) => {
    await alike(
      'offer in an admission',
      (id) =>
        h.post('/v1/placements', { clientId: local, siteId: mon, on: '2026-11-09', offerId: id }, montana),
      offerId,
    );
    await alike(
      'offer in a transfer',
      (id) =>
        h.post(
          `/v1/placements/${monPlacementId}/transfer`,
          { toSiteId: mon, on: '2026-11-16', offerId: id },
          montana,
        ),
      offerId,
    );
    t.equal((await h.get(`/v1/offers/${offerId}`)).json().status, 'open', 'the offer is untouched');
  });

  t.test('a site of another municipality as a discharge destination', async () => {
    await alike(
      'destination site',
      (id) =>
        h.post(
          `/v1/placements/${monPlacementId}/discharge`,
          { on: '2026-11-20', reason: 'moved_to_other_service', destination: { kind: 'site', siteId: id } },
          montana,
        ),
      bansko,
    );
    t.equal(
      (await h.get(`/v1/placements/${monPlacementId}`, montana)).json().status,
      'active',
      'still placed',
    );
  });

  t.test('an entry of another municipality in an offer (no WRONG_LIST)', async () => {
    await alike(
      'entry in an offer',
      (id) => h.post(`/v1/sites/${mon}/offers`, { from: '2026-11-10', entryId: id }, montana),
      entry,
    );
  });

  t.test('a placement of another municipality in an attendance record (no NOT_AT_SITE)', async () => {
    await alike(
      'placement in an attendance record',
      (id) =>
        h.post(
          `/v1/sites/${mon}/attendance`,
          { date: '2026-11-04', records: [{ placementId: id, attended: true }] },
          montana,
        ),
      blgPlacementId,
    );
  });

  t.test('path and query ids of another municipality', async () => {
    await alike('an offer', (id) => h.get(`/v1/offers/${id}`, montana), offerId);
    await alike('accepting an offer', (id) => h.post(`/v1/offers/${id}/accept`, {}, montana), offerId);
    await alike('an entry', (id) => h.get(`/v1/waiting-lists/entries/${id}`, montana), entry);
    await alike('a placement', (id) => h.get(`/v1/placements/${id}`, montana), blgPlacementId);
    await alike(
      'a transfer to a site',
      (id) =>
        h.post(`/v1/placements/${monPlacementId}/transfer`, { toSiteId: id, on: '2026-11-16' }, montana),
      bansko,
    );
    await alike('a client', (id) => h.get(`/v1/placement/clients/${id}`, montana), waiting!);
    await alike('a site in a query', (id) => h.get(`/v1/placements?siteId=${id}`, montana), bansko);
    await alike(
      'a site in a waiting-list query',
      (id) => h.get(`/v1/waiting-lists?serviceType=${DAY}&siteId=${id}`, montana),
      bansko,
    );
  });

  t.test('the client directory is for municipal staff', async () => {
    const analyst = await h.as(['directorate_analyst'], { oblast: 'BG-01' }, 'analyst-blg');
    t.equal((await h.get(`/v1/placement/clients/${waiting}`, analyst)).statusCode, 403, 'no analyst');
    const integrator = await h.as(['integrator'], {}, 'erp');
    t.equal((await h.get(`/v1/placement/clients/${waiting}`, integrator)).statusCode, 403, 'no integrator');
    t.equal((await h.get(`/v1/placement/clients/${waiting}`)).statusCode, 200, 'its own case manager');
  });

  t.test('nothing changed', async (t) => {
    t.equal(await admissions(), before, 'no admission or transfer was recorded');
    t.equal((await h.get(`/v1/waiting-lists/entries/${entry}`)).json().status, 'waiting');
  });

  t.test('a clash with a stay the caller cannot see names nothing of it', async (t) => {
    // the placed client's case moves to Montana; their day-centre stay stays with Bansko
    const moved = await h.post(`/v1/clients/${placed}/move`, { to: 'MON29', movedOn: '2026-11-20' });
    t.equal(moved.statusCode, 200, moved.body);
    t.ok(
      await eventually(async () =>
        (await h.get(`/v1/placement/clients/${placed}`, montana)).statusCode === 200 ? true : undefined,
      ),
      'Montana knows the client now',
    );
    const clash = await h.post(
      '/v1/placements',
      {
        clientId: placed,
        siteId: mon,
        on: '2026-11-23',
        emergency: { justification: 'Synthetic emergency' },
      },
      montana,
    );
    t.equal(clash.statusCode, 409, clash.body);
    t.equal(clash.json().code, 'SAME_SERVICE_OVERLAP', 'refused, and why');
    t.notOk(clash.body.includes(blgPlacementId), 'without the other municipality’s placement');
    t.notOk(clash.body.includes('2026-11-02'), 'nor its dates');
    t.notOk(clash.json().placementId);

    // the move opened a task for Bansko's case managers: Montana cannot close it, nor tell it exists
    const task = await eventually(async () => {
      const r = await h.get(`/v1/tasks?clientId=${placed}`);
      return (r.json().items as { taskId: string }[])[0];
    });
    t.ok(task, 'a task in Bansko');
    await alike(
      'a task',
      (id) => h.post(`/v1/tasks/${id}/close`, { note: 'Synthetic: closed from elsewhere' }, montana),
      task!.taskId,
    );
    const still = (await h.get(`/v1/tasks?clientId=${placed}&open=true`)).json().items;
    t.equal(still.length, 1, 'still open');
  });
});
