import { eventually } from '@casework/testkit';
import t from 'tap';
import { setUp } from './harness.js';

t.test('100 concurrent admissions to a site with 10 free places admit exactly 10', async (t) => {
  const h = await setUp(t);
  const siteId = await h.openSite('day_centre_adults_disabilities', 12);
  const clients = await h.registerMany(Array.from({ length: 102 }, (_, i) => 100 + i));
  const entries = await Promise.all(
    clients.map((c) => h.makeEligible(c, 'day_centre_adults_disabilities', { listed: false })),
  );
  const started = Date.now();
  const listed = await eventually(async () => {
    const r = await h.get('/v1/waiting-lists?serviceType=day_centre_adults_disabilities&limit=100');
    const n = (r.json().items as unknown[]).length;
    return n === 100 ? n : undefined;
  }, 120_000);
  t.equal(listed, 100, `eligible and on the waiting list (${Date.now() - started} ms)`);
  t.equal(entries.length, 102);
  const [first, second, ...rest] = clients;
  t.equal((await h.admit(first!, siteId, '2026-11-02')).statusCode, 201);
  t.equal((await h.admit(second!, siteId, '2026-11-02')).statusCode, 201, 'two of twelve places taken');

  const answers = await Promise.all(rest.map((clientId) => h.admit(clientId, siteId, '2026-11-23')));
  const admitted = answers.filter((r) => r.statusCode === 201);
  const refused = answers.filter((r) => r.statusCode === 409);
  t.equal(admitted.length, 10, 'exactly the free places');
  t.equal(refused.length, 90, 'the others are refused');
  t.ok(
    refused.every((r) => r.json().type.endsWith('/no-vacancy') && r.json().places === 12),
    'each refusal says there is no vacancy, with the numbers',
  );

  const site = await h.get(`/v1/sites/${siteId}`);
  t.match(site.json(), { places: 12, occupied: 12, vacancies: 0 });
  const events = await h.database.db
    .selectFrom('placement.events' as never)
    .select(({ fn }) => fn.countAll<string>().as('n'))
    .where('type' as never, '=', 'Admitted' as never)
    .executeTakeFirstOrThrow();
  t.equal(Number((events as { n: string }).n), 12, 'the refused changed nothing');
  const ledger = await eventually(async () => {
    const r = await h.get(`/v1/sites/${siteId}/occupancy?from=2026-11-01&to=2026-11-23`);
    const days = r.json().days as { date: string; occupied: number }[];
    return days.at(-1)?.occupied === 12 ? days : undefined;
  });
  t.match(ledger?.[0], { date: '2026-11-01', occupied: 0, places: 12 });
  t.match(ledger?.[1], { date: '2026-11-02', occupied: 2, vacancies: 10 });
  t.match(ledger?.at(-1), { date: '2026-11-23', occupied: 12, vacancies: 0 });
});

t.test('one residential placement at a time; a day centre alongside', async (t) => {
  const h = await setUp(t);
  const housing = await h.openSite('protected_housing', 8);
  const other = await h.openSite('protected_housing', 8);
  const dayCentre = await h.openSite('day_centre_adults_disabilities', 20);
  const clientId = await h.register(11);
  await h.makeEligible(clientId, 'protected_housing');
  await h.makeEligible(clientId, 'day_centre_adults_disabilities');
  const stay = await h.admit(clientId, housing, '2026-11-02');
  t.equal(stay.statusCode, 201);
  t.match(stay.json(), {
    siteId: housing,
    kind: 'residential',
    from: '2026-11-02',
    termEnd: '2027-11-02',
    basis: 'emergency',
    status: 'active',
  });
  const clash = await h.admit(clientId, other, '2026-11-20');
  t.equal(clash.statusCode, 409);
  t.match(clash.json(), { type: /residential-overlap$/, placementId: stay.json().placementId });
  const day = await h.admit(clientId, dayCentre, '2026-11-09', { weekdays: [1, 3, 5] });
  t.equal(day.statusCode, 201, 'a day centre may run alongside');
  t.same(day.json().weekdays, [1, 3, 5]);
  t.equal((await h.admit(clientId, dayCentre, '2026-11-16')).statusCode, 409, 'but not the same one twice');

  const refused = await h.post('/v1/placements', {
    clientId,
    siteId: other,
    on: '2026-11-20',
    emergency: { justification: 'A case manager tries an emergency admission' },
  });
  t.equal(refused.statusCode, 403, 'emergency admissions are for supervisors');
});

t.test('a transfer is all or nothing, also when the target is full and under concurrency', async (t) => {
  const h = await setUp(t);
  const housing = await h.openSite('protected_housing', 8);
  const flat = await h.openSite('social_housing_special_status', 1);
  const [a, b, c] = await h.registerMany([21, 22, 23]);
  await Promise.all([a, b, c].map((id) => h.makeEligible(id!, 'protected_housing')));
  const stays = await Promise.all([a, b, c].map((id) => h.admit(id!, housing, '2026-10-01')));
  // a reassessment recommends the step out; eligibility learns of the stay in protected housing
  await Promise.all(
    [a, b, c].map((id) => h.makeEligible(id!, 'social_housing_special_status', { assessedOn: '2026-11-20' })),
  );
  const [pa, pb, pc] = stays.map((r) => r.json().placementId as string);

  // two transfers race for the one place in the flat: one wins, the other changes nothing
  const race = await Promise.all(
    [pa, pb].map((p) => h.post(`/v1/placements/${p}/transfer`, { toSiteId: flat, on: '2026-12-01' })),
  );
  t.same(race.map((r) => r.statusCode).sort(), [201, 409]);
  const winner = race.find((r) => r.statusCode === 201)!.json();
  t.match(winner, {
    siteId: flat,
    from: '2026-12-01',
    basis: 'transfer',
    termEnd: '2028-12-01',
    transferredFrom: /./,
  });
  const loser = race.findIndex((r) => r.statusCode === 409);
  const loserStay = (await h.get(`/v1/placements/${[pa, pb][loser]}`)).json();
  t.match(loserStay, { siteId: housing, status: 'active' }, 'the loser stays where they were');
  t.notOk(loserStay.endedOn);

  const full = await h.post(`/v1/placements/${pc}/transfer`, { toSiteId: flat, on: '2026-12-15' });
  t.equal(full.statusCode, 409, 'the flat is full');
  t.match((await h.get(`/v1/placements/${pc}`)).json(), { status: 'active' });
  t.match((await h.get(`/v1/sites/${housing}?asOf=2026-12-15`)).json(), { occupied: 2 });

  const previous = (await h.get(`/v1/placements/${winner.transferredFrom}`)).json();
  t.match(previous, {
    siteId: housing,
    endedOn: '2026-12-01',
    endReason: 'moved_to_other_service',
    transferredTo: winner.placementId,
  });
  t.match((await h.get(`/v1/sites/${housing}?asOf=2026-11-30`)).json(), { occupied: 3 }, 'no gap');
  t.match((await h.get(`/v1/sites/${housing}?asOf=2026-12-01`)).json(), { occupied: 2 }, 'no overlap');
  t.match((await h.get(`/v1/sites/${flat}?asOf=2026-12-01`)).json(), { occupied: 1 });
});

t.test(
  'a discharge recorded late corrects occupancy from its date; what we knew before stays readable',
  async (t) => {
    const h = await setUp(t);
    const housing = await h.openSite('protected_housing', 2);
    const clientId = await h.register(31);
    await h.makeEligible(clientId, 'protected_housing');
    const placementId = (await h.admit(clientId, housing, '2026-09-15')).json().placementId;
    const ledgerOn = async (date: string, knownAt?: string) =>
      (
        await h.get(
          `/v1/sites/${housing}/occupancy?from=${date}&to=${date}${knownAt ? `&knownAt=${knownAt}` : ''}`,
        )
      ).json().days[0];
    await eventually(async () => ((await ledgerOn('2026-10-15')).occupied === 1 ? true : undefined));
    const before = new Date().toISOString();

    const discharge = await h.post(`/v1/placements/${placementId}/discharge`, {
      on: '2026-10-01',
      reason: 'returned_to_family',
      destination: { kind: 'family_home' },
    });
    t.equal(discharge.statusCode, 200);
    t.match(discharge.json(), { status: 'ended', endedOn: '2026-10-01', endReason: 'returned_to_family' });
    const after = await eventually(async () => {
      const d = await ledgerOn('2026-10-15');
      return d.occupied === 0 ? d : undefined;
    });
    t.match(after, { occupied: 0, vacancies: 2 }, 'free from the discharge date');
    t.match(await ledgerOn('2026-09-30'), { occupied: 1 }, 'the days before keep the stay');
    t.match(await ledgerOn('2026-10-15', before), { occupied: 1 }, 'as we knew it before the discharge');
    const listed = async (knownAt?: string) =>
      (
        await h.get(
          `/v1/placements?siteId=${housing}&activeOn=2026-10-15${knownAt ? `&knownAt=${knownAt}` : ''}`,
        )
      ).json().items;
    t.same(await listed(), [], 'not in service after the discharge date');
    t.match(
      await listed(before),
      [{ placementId, from: '2026-09-15', status: 'active' }],
      'the placements as known before the discharge',
    );
    t.notOk((await listed(before))[0]?.endedOn, 'no end known then');

    const again = await h.post(`/v1/placements/${placementId}/discharge`, {
      on: '2026-10-05',
      reason: 'returned_to_family',
      destination: { kind: 'family_home' },
    });
    t.equal(again.statusCode, 409, 'a stay ends once');
  },
);

t.test('capacity is effective-dated and never below the occupancy it covers', async (t) => {
  const h = await setUp(t);
  const siteId = await h.openSite('protected_housing', 3);
  const clients = await h.registerMany([41, 42, 43, 44]);
  await Promise.all(clients.map((c) => h.makeEligible(c, 'protected_housing')));
  for (const c of clients.slice(0, 3)) t.equal((await h.admit(c, siteId, '2026-09-15')).statusCode, 201);
  const change = (from: string, places: number) =>
    h.post(`/v1/sites/${siteId}/capacity`, { from, places }, h.supervisor);
  const below = await change('2026-12-01', 2);
  t.equal(below.statusCode, 409);
  t.match(below.json(), { type: /capacity-below-occupancy$/, date: '2026-12-01', occupied: 3, places: 2 });
  t.equal((await change('2026-12-01', 16)).statusCode, 422, 'a protected housing holds at most 15');
  const up = await change('2027-01-01', 5);
  t.equal(up.statusCode, 200);
  t.match(up.json(), {
    capacity: [
      { from: '2026-01-05', places: 3 },
      { from: '2027-01-01', places: 5 },
    ],
  });
  t.match((await h.get(`/v1/sites/${siteId}?asOf=2026-12-31`)).json(), { places: 3, vacancies: 0 });
  t.match((await h.get(`/v1/sites/${siteId}?asOf=2027-01-01`)).json(), { places: 5, vacancies: 2 });
  // the list reads the ledger tables, which follow the log
  const listed = (asOf: string, vacant: boolean) =>
    eventually(async () => {
      const r = await h.get(`/v1/sites?asOf=${asOf}&vacant=${vacant}`);
      const site = (r.json().items as { siteId: string; occupied: number; places: number }[]).find(
        (s) => s.siteId === siteId,
      );
      return site?.occupied === 3 ? site : undefined;
    });
  t.match(await listed('2027-01-01', true), { places: 5 }, 'listed with a vacancy on that date');
  t.match(await listed('2026-12-31', false), { places: 3 }, 'and without one the day before');
  const stale = await h.post(
    `/v1/sites/${siteId}/capacity`,
    { from: '2027-02-01', places: 4 },
    {
      ...h.supervisor,
      'if-match': '"1"',
    },
  );
  t.equal(stale.statusCode, 412);
  t.equal(
    (await h.post(`/v1/sites/${siteId}/suspend`, { from: '2027-03-01', reason: 'Works' }, h.supervisor))
      .statusCode,
    200,
  );
  const late = await h.admit(clients[3]!, siteId, '2027-03-02');
  t.match(late.json(), { status: 422, type: /site-suspended$/ }, 'a suspended site admits no one');
});

t.test(
  'jurisdiction: other municipalities see nothing, analysts see sites of their oblast only',
  async (t) => {
    const h = await setUp(t);
    const siteId = await h.openSite('protected_housing', 8);
    const clientId = await h.register(51);
    await h.makeEligible(clientId, 'protected_housing');
    const placementId = (await h.admit(clientId, siteId, '2026-10-01')).json().placementId;
    const sofia = await h.as(['supervisor'], { municipality: 'SOF46' }, 'sup-sofia');
    t.equal((await h.get(`/v1/sites/${siteId}`, sofia)).statusCode, 404);
    t.equal((await h.get(`/v1/placements/${placementId}`, sofia)).statusCode, 404);
    t.equal((await h.admit(clientId, siteId, '2026-10-01')).statusCode, 409);
    const elsewhere = await h.post(
      '/v1/sites',
      {
        name: 'Synthetic site',
        serviceType: 'day_centre_elderly',
        municipality: 'BLG01',
        address: 'Synthetic street 2',
        provider: 'Synthetic provider',
        funding: 'municipal',
        openedOn: '2026-01-01',
        places: 10,
      },
      sofia,
    );
    t.equal(elsewhere.statusCode, 403, 'a site is opened by its own municipality');

    const blagoevgrad = await h.as(['directorate_analyst'], { oblast: 'BG-01' }, 'analyst-blg');
    const sofiaAnalyst = await h.as(['directorate_analyst'], { oblast: 'BG-22' }, 'analyst-sof');
    t.equal((await h.get(`/v1/sites/${siteId}`, blagoevgrad)).statusCode, 200);
    t.equal((await h.get(`/v1/sites/${siteId}`, sofiaAnalyst)).statusCode, 404);
    t.equal((await h.get('/v1/sites?municipality=BLG01', sofiaAnalyst)).statusCode, 403);
    t.equal(
      (await h.get(`/v1/placements/${placementId}`, blagoevgrad)).statusCode,
      403,
      'no personal records',
    );
  },
);

t.test('respite care: a short stay within its yearly days', async (t) => {
  const h = await setUp(t);
  const housing = await h.openSite('protected_housing', 4);
  const clientId = await h.register(141);
  await h.makeEligible(clientId, 'protected_housing');
  const first = await h.admit(clientId, housing, '2027-03-01', { respite: true, termEnd: '2027-03-21' });
  t.equal(first.statusCode, 201, first.body);
  t.match(first.json(), { respite: true, termEnd: '2027-03-21' }, 'twenty days, no default term');
  t.equal(
    (
      await h.post(`/v1/placements/${first.json().placementId}/discharge`, {
        on: '2027-03-21',
        reason: 'returned_to_family',
        destination: { kind: 'family_home' },
      })
    ).statusCode,
    200,
  );
  const over = await h.admit(clientId, housing, '2027-07-01', { respite: true, termEnd: '2027-07-12' });
  t.match(over.json(), { status: 422, type: /respite-limit$/, used: 20, asked: 11, limit: 30 });
  const open = await h.admit(clientId, housing, '2027-07-01', { respite: true });
  t.match(open.json(), { status: 422, type: /respite-needs-end$/ }, 'planned with its last day');
  const within = await h.admit(clientId, housing, '2027-07-01', { respite: true, termEnd: '2027-07-11' });
  t.equal(within.statusCode, 201, 'ten more days make thirty');
});
