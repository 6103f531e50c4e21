import { eventually } from '@casework/testkit';
import t from 'tap';
import { setUp } from './harness.js';

t.test('the directorate sees its oblast in figures and pseudonyms, never a person', async (t) => {
  const h = await setUp(t);
  const housing = await h.openSite('protected_housing', 4);
  const flat = await h.openSite('social_housing_special_status', 2);
  const clients = await h.registerMany([91, 92, 93, 94]);
  await Promise.all(clients.map((c) => h.makeEligible(c, 'protected_housing')));
  const stays = [];
  for (const c of clients.slice(0, 3))
    stays.push((await h.admit(c, housing, '2026-10-01')).json().placementId);
  const beforeMoves = new Date().toISOString();
  await h.makeEligible(clients[0]!, 'social_housing_special_status', { assessedOn: '2026-11-20' });
  t.equal(
    (await h.post(`/v1/placements/${stays[0]}/transfer`, { toSiteId: flat, on: '2026-11-20' })).statusCode,
    201,
  );
  await h.post(`/v1/placements/${stays[1]}/discharge`, {
    on: '2026-11-21',
    reason: 'returned_to_family',
    destination: { kind: 'family_home' },
  });

  const analyst = await h.as(['directorate_analyst'], { oblast: 'BG-01' }, 'analyst-blg');
  const occupancy = await eventually(async () => {
    const r = await h.get('/v1/directorate/occupancy?oblast=BG-01&on=2026-11-23', analyst);
    const rows = r.json().rows as { serviceType: string; occupied: number; waiting: number }[];
    return rows.find((x) => x.serviceType === 'social_housing_special_status')?.occupied === 1 &&
      rows.find((x) => x.serviceType === 'protected_housing')?.occupied === 1
      ? rows
      : undefined;
  });
  t.same(occupancy, [
    {
      municipality: 'BLG01',
      serviceType: 'protected_housing',
      sites: 1,
      places: 4,
      occupied: 1,
      vacancies: 3,
      waiting: 1,
      medianDaysWaiting: 70,
      reviewsOverdue: 0,
    },
    {
      municipality: 'BLG01',
      serviceType: 'social_housing_special_status',
      sites: 1,
      places: 2,
      occupied: 1,
      vacancies: 1,
      waiting: 0,
      medianDaysWaiting: null,
      reviewsOverdue: 0,
    },
  ]);
  const before = await h.get('/v1/directorate/occupancy?oblast=BG-01&on=2026-10-15', analyst);
  t.match(before.json().rows, [{ serviceType: 'protected_housing', occupied: 3 }], 'as of an earlier date');

  const csv = await h.get('/v1/directorate/occupancy?oblast=BG-01&on=2026-11-23&format=csv', analyst);
  t.match(csv.headers['content-type'], /^text\/csv/);
  t.same(csv.body.trim().split('\n'), [
    'municipality,serviceType,sites,places,occupied,vacancies,waiting,medianDaysWaiting,reviewsOverdue',
    'BLG01,protected_housing,1,4,1,3,1,70,0',
    'BLG01,social_housing_special_status,1,2,1,1,0,,0',
  ]);

  // a stay past the end of its fixed term is a review overdue, until a review renews the term
  const overdueOn = async (on: string) =>
    (
      (await h.get(`/v1/directorate/occupancy?oblast=BG-01&on=${on}`, analyst)).json().rows as {
        serviceType: string;
        reviewsOverdue: number;
      }[]
    ).find((r) => r.serviceType === 'protected_housing')?.reviewsOverdue;
  t.equal(await overdueOn('2027-09-30'), 0, 'within the term');
  t.equal(await overdueOn('2027-10-15'), 1, 'the twelve-month term ended on 2027-10-01');
  const renewed = await h.post(`/v1/placements/${stays[2]}/renewals`, { reviewedOn: '2027-09-20' });
  t.equal(renewed.statusCode, 200);
  t.match(renewed.json(), { termEnd: '2028-10-01', renewals: 1 }, 'renewed for the term in force');
  t.equal(
    await eventually(async () => ((await overdueOn('2027-10-15')) === 0 ? 0 : undefined)),
    0,
    'renewed',
  );

  const flows = await h.get('/v1/directorate/flows?oblast=BG-01&from=2026-01-01&to=2026-12-31', analyst);
  t.equal(flows.statusCode, 200);
  t.match(flows.json().flows, [
    { kind: 'admission', toServiceType: 'protected_housing', count: 3 },
    {
      kind: 'transfer',
      fromServiceType: 'protected_housing',
      toServiceType: 'social_housing_special_status',
      count: 1,
    },
    {
      kind: 'discharge',
      fromServiceType: 'protected_housing',
      destination: 'family_home',
      reason: 'returned_to_family',
      count: 1,
    },
  ]);
  const knownBefore = (
    await h.get(
      `/v1/directorate/flows?oblast=BG-01&from=2026-01-01&to=2026-12-31&knownAt=${beforeMoves}`,
      analyst,
    )
  ).json().flows as { kind: string; toServiceType: string; count: number }[];
  t.same(
    knownBefore.map((f) => [f.kind, f.toServiceType, f.count]),
    [['admission', 'protected_housing', 3]],
    'as known before the transfer and the discharge',
  );
  const pseudonyms = (flows.json().movements as { client: string }[]).map((m) => m.client);
  t.equal(new Set(pseudonyms).size, 3, 'the same person keeps one pseudonym');
  for (const c of clients) t.notOk(flows.body.includes(c) || csv.body.includes(c), 'no client id anywhere');
  const again = await h.get(
    '/v1/directorate/flows?oblast=BG-01&from=2026-01-01&to=2026-12-31&format=csv',
    analyst,
  );
  t.equal(again.body.trim().split('\n').length, 6, 'a header and five movements');
  t.ok(
    pseudonyms.every((p) => again.body.includes(p)),
    'stable across requests',
  );
  // a movement carries the pseudonym of its own year, whatever period is asked: a report reaching into
  // the next year names this year's movements as this year's report does (and a movement of that next
  // year would get that year's pseudonym: no linking across years through a longer period)
  const spanning = await h.get('/v1/directorate/flows?oblast=BG-01&from=2026-01-01&to=2027-06-30', analyst);
  const later = (spanning.json().movements as { client: string }[]).map((m) => m.client);
  t.same(later, pseudonyms, 'the same movements under the same pseudonyms of 2026');

  const sofia = await h.as(['directorate_analyst'], { oblast: 'BG-22' }, 'analyst-sof');
  t.equal((await h.get('/v1/directorate/occupancy?oblast=BG-01', sofia)).statusCode, 403);
  t.equal(
    (await h.get('/v1/directorate/flows?oblast=BG-01&from=2026-01-01&to=2026-12-31', sofia)).statusCode,
    403,
  );
  t.equal((await h.get('/v1/directorate/occupancy?oblast=BG-01')).statusCode, 403, 'not for case managers');
  // an integrator of one municipality sees its municipality, never its oblast's figures or movements
  const erp = await h.as(['integrator'], { municipality: 'BLG01' }, 'erp-bansko');
  t.equal(
    (await h.get('/v1/directorate/occupancy?oblast=BG-01', erp)).statusCode,
    403,
    "a municipality's integrator",
  );
  t.equal(
    (await h.get('/v1/directorate/flows?oblast=BG-01&from=2026-01-01&to=2026-12-31', erp)).statusCode,
    403,
  );
  const dashboard = await h.as(['integrator'], { oblast: 'BG-01' }, 'dashboard-blg');
  t.equal(
    (await h.get('/v1/directorate/occupancy?oblast=BG-01', dashboard)).statusCode,
    200,
    "the oblast's integrator",
  );
});
