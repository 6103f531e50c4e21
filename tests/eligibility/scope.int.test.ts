import { composeEgn } from '@casework/contracts';
import { answersAsAbsent, eventually, problemSeen } from '@casework/testkit';
import type { LightMyRequestResponse } from 'fastify';
import t from 'tap';
import { setUp } from './harness.js';

/**
 * Every id a request names — the client, the application, the determination, the appeal — is looked up
 * within the caller's jurisdiction before any rule runs: another municipality's record answers exactly
 * as one that does not exist, and nothing is recorded.
 */
t.test('ids of another municipality are 404, like ids that do not exist', async (t) => {
  const h = await setUp(t);
  const montanaCm = await h.as(['case_manager'], { municipality: 'MON29' }, 'cm-montana');
  const montana = await h.as(['supervisor'], { municipality: 'MON29' }, 'sup-montana');

  // Bansko: a client with an application, a refusal and an appeal against it
  const clientId = await h.register(41);
  await h.post(`/v1/clients/${clientId}/facts/disability-assessments`, {
    degreePercent: 35,
    outsideAssistanceNeeded: false,
    commission: 'TELK',
    decisionNumber: '0941/2026',
    decidedOn: '2026-01-10',
    validFrom: '2026-01-10',
  });
  const application = await h.post('/v1/applications', {
    clientId,
    serviceType: 'day_centre_adults_disabilities',
    municipality: 'BLG01',
    submittedOn: '2026-11-20',
  });
  t.equal(application.statusCode, 201, application.body);
  const applicationId = application.json().applicationId as string;
  await h.settled();
  const refused = await h.post('/v1/eligibility/determinations', {
    clientId,
    serviceType: 'day_centre_adults_disabilities',
  });
  t.equal(refused.json().outcome, 'ineligible');
  const determinationId = refused.json().determinationId as string;
  const lodged = await h.post(
    `/v1/eligibility/clients/${clientId}/determinations/${determinationId}/appeals`,
    { notifiedOn: '2026-11-01', lodgedOn: '2026-11-10' },
  );
  t.equal(lodged.statusCode, 201, lodged.body);
  const appealId = lodged.json().appeals[0].appealId as string;

  // Montana: a client of its own
  const local = await h.post(
    '/v1/clients',
    {
      identifier: { kind: 'egn', value: composeEgn('1980-05-20', 42) },
      givenName: 'Иван',
      familyName: 'Тестов',
      municipality: 'MON29',
    },
    montanaCm,
  );
  t.equal(local.statusCode, 201, local.body);
  const localId = local.json().clientId as string;
  await h.settled();
  const recorded = async () =>
    Number(
      (
        (await h.database.db
          .selectFrom('eligibility.events' as never)
          .select(({ fn }) => fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()) as { n: string }
      ).n,
    );
  const before = await recorded();

  const alike = (what: string, send: (id: string) => Promise<LightMyRequestResponse>, outOfScope: string) =>
    answersAsAbsent(t, what, send, outOfScope);

  await alike(
    'an application of another municipality in a determination',
    (id) =>
      h.post(
        '/v1/eligibility/determinations',
        { clientId: localId, serviceType: 'day_centre_adults_disabilities', applicationId: id },
        montanaCm,
      ),
    applicationId,
  );
  await alike(
    'a client of another municipality in a determination',
    (id) =>
      h.post(
        '/v1/eligibility/determinations',
        { clientId: id, serviceType: 'day_centre_adults_disabilities' },
        montanaCm,
      ),
    clientId,
  );
  await alike(
    'an appeal of another municipality',
    (id) =>
      h.post(
        `/v1/eligibility/clients/${clientId}/appeals/${id}/resolve`,
        { resolution: 'overturned', resolvedOn: '2026-11-23' },
        montana,
      ),
    appealId,
  );
  await alike(
    'a determination of another municipality',
    (id) => h.get(`/v1/eligibility/clients/${clientId}/determinations/${id}`, montana),
    determinationId,
  );
  await alike(
    'an override of another municipality’s determination',
    (id) =>
      h.post(
        `/v1/eligibility/clients/${clientId}/determinations/${id}/override`,
        { outcome: 'eligible', reason: 'A synthetic override from elsewhere' },
        montana,
      ),
    determinationId,
  );
  await alike('a client', (id) => h.get(`/v1/eligibility/clients/${id}/eligibility`, montana), clientId);
  await alike('a client in the directory', (id) => h.get(`/v1/eligibility/clients/${id}`, montana), clientId);
  t.equal(await recorded(), before, 'nothing was recorded');

  // an application of the caller's own client is taken
  const ownApplication = await h.post(
    '/v1/applications',
    {
      clientId: localId,
      serviceType: 'day_centre_adults_disabilities',
      municipality: 'MON29',
      submittedOn: '2026-11-20',
    },
    montanaCm,
  );
  await h.settled();
  const own = await h.post(
    '/v1/eligibility/determinations',
    {
      clientId: localId,
      serviceType: 'day_centre_adults_disabilities',
      applicationId: ownApplication.json().applicationId,
    },
    montanaCm,
  );
  t.equal(own.statusCode, 201, own.body);
  t.equal(own.json().applicationId, ownApplication.json().applicationId);

  // a municipality's rule set, its draft above all, is its own: another municipality does not see it
  const ruleSet = '/v1/eligibility/rule-sets/protected_housing:BLG01';
  const draft = await h.post(
    `${ruleSet}/versions`,
    {
      criteria: [
        { kind: 'age', min: 18 },
        { kind: 'disability_degree', minPercent: 50 },
      ],
      validityMonths: 12,
    },
    h.supervisor,
  );
  t.equal(draft.statusCode, 201, draft.body);
  t.same(
    (await h.get(ruleSet)).json().versions.map((v: { status: string }) => v.status),
    ['draft'],
    'Bansko sees its draft',
  );
  t.equal((await h.get(ruleSet, montana)).statusCode, 404, 'Montana does not');
  const listedFor = async (caller?: object) =>
    (await h.get('/v1/eligibility/rule-sets?serviceType=protected_housing', caller)).json() as {
      items: { ruleSetId: string }[];
    };
  t.ok(
    await eventually(async () =>
      (await listedFor()).items.some((i) => i.ruleSetId === 'protected_housing:BLG01') ? true : undefined,
    ),
    'Bansko lists its draft',
  );
  const listed = await listedFor(montana);
  t.notOk(
    listed.items.some((i: { ruleSetId: string }) => i.ruleSetId === 'protected_housing:BLG01'),
    'nor in the list',
  );
  t.equal(
    (await h.post(`${ruleSet}/versions/1/publish`, { effectiveFrom: '2027-01-01' }, montana)).statusCode,
    404,
    'nor may it publish it',
  );

  // the directory is for municipal staff, not for the directorate
  const analyst = await h.as(['directorate_analyst'], { oblast: 'BG-01' }, 'analyst-blg');
  t.equal((await h.get(`/v1/eligibility/clients/${clientId}`, analyst)).statusCode, 403, 'no analyst');
  t.equal((await h.get(`/v1/eligibility/clients/${clientId}`)).statusCode, 200, 'its own case manager');
});

/**
 * A municipality's rule sets are scoped like every other record (DESIGN §6): the list holds the national
 * ones and those of the caller's jurisdiction, another municipality's rule set reads as absent (404 on
 * every route, before any rule runs), an explicit filter of another municipality is 403; and the route
 * table says who may change rule sets, so OpenAPI's `x-roles` tells the truth.
 */
t.test('rule sets of another municipality are 404, a filter naming one 403', async (t) => {
  const h = await setUp(t);
  const montana = await h.as(['supervisor'], { municipality: 'MON29' }, 'sup-montana');
  const montanaCm = await h.as(['case_manager'], { municipality: 'MON29' }, 'cm-montana');
  const analystBlagoevgrad = await h.as(['directorate_analyst'], { oblast: 'BG-01' }, 'analyst-blg');
  const analystMontana = await h.as(['directorate_analyst'], { oblast: 'BG-12' }, 'analyst-mon');
  const integrator = await h.as(['integrator'], {}, 'integrator');

  const ruleSet = '/v1/eligibility/rule-sets/protected_housing:BLG01';
  const criteria = {
    criteria: [
      { kind: 'age', min: 18 },
      { kind: 'disability_degree', minPercent: 50 },
    ],
    validityMonths: 12,
  };
  t.equal((await h.post(`${ruleSet}/versions`, criteria, h.supervisor)).statusCode, 201, 'Bansko drafts');
  const published = await h.post(
    `${ruleSet}/versions/1/publish`,
    { effectiveFrom: '2027-01-01' },
    h.supervisor,
  );
  t.equal(published.statusCode, 200, published.body);
  t.same(
    (await h.get(ruleSet, h.supervisor)).json().versions.map((v: { status: string }) => v.status),
    ['published'],
    'Bansko reads its rule set',
  );
  t.equal((await h.get(ruleSet, analystBlagoevgrad)).statusCode, 200, 'so does its directorate');
  t.equal((await h.get(ruleSet, integrator)).statusCode, 200, 'and an integrator');
  // the list is a projection: wait until it holds the publication
  t.ok(
    await eventually(async () =>
      (await h.get('/v1/eligibility/rule-sets?municipality=BLG01', h.supervisor))
        .json()
        .items.some(
          (i: { ruleSetId: string; versions: { status: string }[] }) =>
            i.ruleSetId === 'protected_housing:BLG01' && i.versions.some((v) => v.status === 'published'),
        )
        ? true
        : undefined,
    ),
    'Bansko lists its rule set',
  );

  // Montana: as if Bansko had none, whether it has (protected housing) or not (social housing)
  const theirs = await h.get(ruleSet, montana);
  const none = await h.get('/v1/eligibility/rule-sets/social_housing:BLG01', montana);
  t.equal(theirs.statusCode, 404, `another municipality's rule set (${theirs.body})`);
  t.equal(theirs.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.same(problemSeen(theirs), problemSeen(none), 'answers alike whatever it holds');
  t.equal((await h.get(ruleSet, analystMontana)).statusCode, 404, 'another oblast’s directorate');
  t.equal((await h.get('/v1/eligibility/rule-sets/protected_housing:MON29', montana)).statusCode, 200);
  t.equal(
    (await h.get('/v1/eligibility/rule-sets/protected_housing:national', montana)).statusCode,
    200,
    'national rule sets are everyone’s',
  );

  const listed = async (query: string, caller: object) => {
    const r = await h.get(`/v1/eligibility/rule-sets${query}`, caller);
    t.equal(r.statusCode, 200, r.body);
    return (r.json().items as { ruleSetId: string; municipality: string | null }[]).map((i) => i.ruleSetId);
  };
  const all = await listed('', montana);
  t.ok(all.includes('protected_housing:national'), 'the list holds national rule sets');
  t.notOk(all.includes('protected_housing:BLG01'), 'but no rule set of another municipality');
  t.notOk(
    (await listed('?serviceType=protected_housing', analystMontana)).includes('protected_housing:BLG01'),
    'nor of another oblast',
  );
  t.ok(
    (await listed('?serviceType=protected_housing', analystBlagoevgrad)).includes('protected_housing:BLG01'),
    'a directorate lists its oblast’s',
  );
  t.ok((await listed('?municipality=BLG01', h.supervisor)).includes('protected_housing:BLG01'));
  const filtered = await h.get('/v1/eligibility/rule-sets?municipality=BLG01', montana);
  t.equal(filtered.statusCode, 403, 'an explicit filter of another municipality');
  t.equal(filtered.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.equal(
    (await h.get('/v1/eligibility/rule-sets?municipality=BLG01', analystMontana)).statusCode,
    403,
    'or of another oblast’s',
  );

  // every route: 404 before any rule runs, and nothing recorded
  const before = (await h.get(ruleSet, h.supervisor)).json().version;
  for (const [what, url, body] of [
    ['a draft', `${ruleSet}/versions`, criteria],
    ['a publication', `${ruleSet}/versions/1/publish`, { effectiveFrom: '2027-02-01' }],
    ['a retirement', `${ruleSet}/versions/1/retire`, { retiredFrom: '2027-03-01' }],
    ['a what-if', `${ruleSet}/versions/1/what-if`, {}],
    ['a what-if of a version that does not exist', `${ruleSet}/versions/9/what-if`, {}],
  ] as const) {
    const r = await h.post(url, body, montana);
    t.equal(r.statusCode, 404, `${what} of another municipality's rule set (${r.body})`);
    t.same(problemSeen(r), problemSeen(none), `${what}: as if it did not exist`);
  }
  t.equal((await h.get(ruleSet, h.supervisor)).json().version, before, 'nothing was recorded');

  // who may change a rule set is in the route table, and so in the document
  const refused = await h.post(
    '/v1/eligibility/rule-sets/protected_housing:MON29/versions',
    criteria,
    montanaCm,
  );
  t.equal(refused.statusCode, 403);
  t.match(refused.json().detail, /needs one of the roles: supervisor/, 'refused by the route table');
  const doc = (await h.app.inject({ url: '/openapi.json' })).json();
  const base = '/v1/eligibility/rule-sets/{ruleSetId}/versions';
  for (const path of [
    base,
    `${base}/{version}/publish`,
    `${base}/{version}/retire`,
    `${base}/{version}/what-if`,
  ])
    t.same(doc.paths[path].post['x-roles'], ['supervisor'], `x-roles of ${path}`);
  t.ok(doc.paths['/v1/eligibility/rule-sets'].get.responses['403'], 'the list declares its 403');
  t.equal(
    (await h.post('/v1/eligibility/rule-sets/protected_housing:MON29/versions', criteria, montana))
      .statusCode,
    201,
    'Montana’s supervisor drafts its own',
  );
  t.equal(
    (await h.post('/v1/eligibility/rule-sets/protected_housing:national/versions', criteria, montana))
      .statusCode,
    403,
    'but national rule sets are the administrators’',
  );
});

/**
 * A client's case moves from Bansko to Montana, and Montana decides for itself; Bansko's old refusal
 * stays Bansko's, and Bansko may still act on it (an appeal against it, its resolution, an override
 * refused as superseded). Every answer Bansko gets is built from Bansko's records only: nothing of
 * Montana's determination, its municipality or its appeal; and Montana's answers hold nothing of
 * Bansko's appeal (DESIGN §6).
 */
t.test(
  'a client moved: the old municipality acting on its own old record learns nothing of the new one',
  async (t) => {
    const h = await setUp(t);
    const montanaCm = await h.as(['case_manager'], { municipality: 'MON29' }, 'cm-montana');
    const montana = await h.as(['supervisor'], { municipality: 'MON29' }, 'sup-montana');
    const serviceType = 'day_centre_adults_disabilities';

    // Bansko refuses its client
    const clientId = await h.register(43);
    await h.post(`/v1/clients/${clientId}/facts/disability-assessments`, {
      degreePercent: 35,
      outsideAssistanceNeeded: false,
      commission: 'TELK',
      decisionNumber: '0943/2026',
      decidedOn: '2026-01-10',
      validFrom: '2026-01-10',
    });
    await h.settled();
    const refused = await h.post('/v1/eligibility/determinations', { clientId, serviceType });
    t.equal(refused.statusCode, 201, refused.body);
    t.equal(refused.json().outcome, 'ineligible');
    const banskoId = refused.json().determinationId as string;

    // the case moves to Montana, which makes its own determination and has it appealed
    const moved = await h.post(`/v1/clients/${clientId}/move`, { to: 'MON29', movedOn: '2026-11-20' });
    t.equal(moved.statusCode, 200, moved.body);
    await h.settled();
    const theirs = await h.post('/v1/eligibility/determinations', { clientId, serviceType }, montanaCm);
    t.equal(theirs.statusCode, 201, theirs.body);
    t.equal(theirs.json().municipality, 'MON29');
    const montanaId = theirs.json().determinationId as string;
    const montanaAppeal = await h.post(
      `/v1/eligibility/clients/${clientId}/determinations/${montanaId}/appeals`,
      { notifiedOn: '2026-11-25', lodgedOn: '2026-11-26' },
      montanaCm,
    );
    t.equal(montanaAppeal.statusCode, 201, montanaAppeal.body);
    const montanaAppealId = (montanaAppeal.json().appeals as { appealId: string }[])[0]!.appealId;

    /** Nothing of Montana's records: its determination, its municipality, its appeal. */
    const nothingOfMontana = (what: string, r: LightMyRequestResponse) => {
      t.notMatch(r.body, montanaId, `${what}: no Montana determination`);
      t.notMatch(r.body, 'MON29', `${what}: no Montana municipality`);
      t.notMatch(r.body, montanaAppealId, `${what}: no Montana appeal`);
    };

    // Bansko appeals its own old refusal
    const lodged = await h.post(`/v1/eligibility/clients/${clientId}/determinations/${banskoId}/appeals`, {
      notifiedOn: '2026-11-28',
      lodgedOn: '2026-11-30',
    });
    t.equal(lodged.statusCode, 201, lodged.body);
    nothingOfMontana('the lodged appeal', lodged);
    // (the move itself re-evaluated Bansko's determination: Bansko's latest is shown, not Montana's)
    t.equal(lodged.json().current.municipality, 'BLG01', 'the answer shows Bansko’s own determination');
    const appeals = lodged.json().appeals as { appealId: string; determinationId: string }[];
    t.equal(appeals.length, 1, 'and its own appeal only');
    const banskoAppealId = appeals.find((a) => a.determinationId === banskoId)?.appealId ?? '';
    t.ok(banskoAppealId, 'the appeal against Bansko’s refusal');

    // and resolves it
    const resolved = await h.post(
      `/v1/eligibility/clients/${clientId}/appeals/${banskoAppealId}/resolve`,
      { resolution: 'overturned', resolvedOn: '2026-12-01' },
      h.supervisor,
    );
    t.equal(resolved.statusCode, 200, resolved.body);
    nothingOfMontana('the resolved appeal', resolved);
    t.equal(resolved.json().current.municipality, 'BLG01');
    t.same(
      (resolved.json().appeals as { appealId: string; status: string }[]).map((a) => [a.appealId, a.status]),
      [[banskoAppealId, 'overturned']],
    );

    // an override of the old refusal is refused as superseded, without naming what superseded it
    const overridden = await h.post(
      `/v1/eligibility/clients/${clientId}/determinations/${banskoId}/override`,
      { outcome: 'eligible', reason: 'A synthetic override of an old refusal' },
      h.supervisor,
    );
    t.equal(overridden.statusCode, 409, overridden.body);
    t.equal(overridden.json().code, 'DETERMINATION_SUPERSEDED');
    nothingOfMontana('the refused override', overridden);

    // Bansko's view of the client after the move
    const banskoView = await h.get(`/v1/eligibility/clients/${clientId}/eligibility`, h.supervisor);
    t.ok([200, 404].includes(banskoView.statusCode), banskoView.body);
    nothingOfMontana('Bansko’s view', banskoView);

    // Montana's view and answers hold nothing of Bansko's appeal
    const nothingOfBansko = (what: string, r: LightMyRequestResponse) => {
      t.notMatch(r.body, banskoId, `${what}: no Bansko determination`);
      t.notMatch(r.body, banskoAppealId, `${what}: no Bansko appeal`);
      t.notMatch(r.body, 'BLG01', `${what}: no Bansko municipality`);
    };
    const montanaView = await h.get(`/v1/eligibility/clients/${clientId}/eligibility`, montana);
    t.equal(montanaView.statusCode, 200, montanaView.body);
    nothingOfBansko('Montana’s view', montanaView);
    const service = (
      montanaView.json().services as { serviceType: string; appeals: { appealId: string }[] }[]
    ).find((s) => s.serviceType === serviceType);
    t.same(
      service?.appeals.map((a) => a.appealId),
      [montanaAppealId],
      'Montana sees its own appeal',
    );
    // Bansko's won appeal against its own old refusal decided nothing about Montana's determination
    t.match(
      montanaView.json().services.find((s: { serviceType: string }) => s.serviceType === serviceType),
      { current: { determinationId: montanaId }, effectiveOutcome: 'ineligible' },
      'Montana’s refusal stays in force',
    );
    t.notOk(
      montanaView.json().services.find((s: { serviceType: string }) => s.serviceType === serviceType).decreed,
      'no decree of Bansko’s on it',
    );
    const montanaOverride = await h.post(
      `/v1/eligibility/clients/${clientId}/determinations/${montanaId}/override`,
      { outcome: 'eligible', reason: 'A synthetic override in Montana' },
      montana,
    );
    t.equal(montanaOverride.statusCode, 200, montanaOverride.body);
    nothingOfBansko('Montana’s override', montanaOverride);
  },
);
