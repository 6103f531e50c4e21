import t from 'tap';
import { setUp } from './harness.js';

const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

t.test(
  'facts: recorded, corrected and retracted with effective dates; asked as of a date and a time',
  async (t) => {
    const h = await setUp(t);
    const { clientId } = await h.register(101);
    const url = `/v1/clients/${clientId}/facts`;

    const pension = await h.post(`${url}/incomes`, {
      source: 'pension',
      monthlyAmount: eur(30_000),
      validFrom: '2026-01-01',
    });
    t.equal(pension.statusCode, 201);
    t.match(pension.json(), { clientId, kind: 'income' });
    const firstKnown = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const corrected = await h.post(`${url}/incomes`, {
      source: 'pension',
      monthlyAmount: eur(32_000),
      validFrom: '2026-01-01',
      supersedes: pension.json().factId,
    });
    t.equal(corrected.statusCode, 201);
    const salary = await h.post(`${url}/incomes`, {
      source: 'salary',
      monthlyAmount: eur(50_000),
      validFrom: '2026-03-01',
      validTo: '2026-08-31',
    });
    t.equal(salary.statusCode, 201);

    const now = (await h.get(`${url}?asOf=2026-04-01`)).json();
    t.same(
      now.inForce
        .map((f: { data: { monthlyAmount: { amountMinor: number } } }) => f.data.monthlyAmount.amountMinor)
        .sort(),
      [32_000, 50_000],
      'the corrected pension and the salary',
    );
    t.equal(now.history.length, 3, 'the history keeps the corrected fact');
    t.equal(
      now.history.find((f: { factId: string }) => f.factId === pension.json().factId).supersededBy,
      corrected.json().factId,
    );
    const then = (await h.get(`${url}?asOf=2026-04-01&knownAt=${firstKnown}`)).json();
    t.same(
      then.inForce.map(
        (f: { data: { monthlyAmount: { amountMinor: number } } }) => f.data.monthlyAmount.amountMinor,
      ),
      [30_000],
      'what we knew before the correction',
    );
    const september = (await h.get(`${url}?asOf=2026-09-01&kind=income`)).json();
    t.equal(september.inForce.length, 1, 'the salary ended on 31 August');

    const again = await h.post(`${url}/incomes`, {
      source: 'pension',
      monthlyAmount: eur(1),
      validFrom: '2026-01-01',
      supersedes: pension.json().factId,
    });
    t.equal(again.statusCode, 409, 'a fact is corrected once; correct the newer one');
    t.equal(
      (
        await h.post(`${url}/incomes`, {
          source: 'pension',
          monthlyAmount: eur(1),
          validFrom: '2026-05-01',
          validTo: '2026-04-01',
        })
      ).statusCode,
      400,
    );

    const older = await h.post(`${url}/disability-assessments`, {
      degreePercent: 55,
      outsideAssistanceNeeded: false,
      commission: 'TELK',
      decisionNumber: '100/2024',
      decidedOn: '2024-01-10',
      validFrom: '2024-01-10',
      validTo: '2027-01-31',
    });
    t.equal(older.statusCode, 201);
    await h.post(`${url}/disability-assessments`, {
      degreePercent: 80,
      outsideAssistanceNeeded: true,
      commission: 'TELK',
      decisionNumber: '200/2026',
      decidedOn: '2026-02-10',
      validFrom: '2026-02-10',
      validTo: '2029-02-28',
    });
    const degree = async (asOf: string) =>
      (await h.get(`${url}?asOf=${asOf}&kind=disability`))
        .json()
        .inForce.map((f: { data: { degreePercent: number } }) => f.data.degreePercent);
    t.same(await degree('2025-06-01'), [55]);
    t.same(await degree('2026-06-01'), [80], 'overlapping decisions: the later effective date wins');
    const retracted = await h.post(`${url}/${older.json().factId}/retract`, {
      reason: 'entered for the wrong client',
    });
    t.equal(retracted.statusCode, 200);
    t.same(await degree('2025-06-01'), [], 'a retracted fact no longer counts');

    t.equal((await h.post(`${url}/consents`, { status: 'given', validFrom: '2026-11-23' })).statusCode, 201);
    t.equal(
      (await h.post(`${url}/dwelling-ownership`, { ownsDwelling: false, validFrom: '2026-01-01' }))
        .statusCode,
      201,
    );
    const kinds = (await h.get(url)).json().inForce.map((f: { kind: string }) => f.kind);
    t.same([...new Set(kinds)].sort(), ['consent', 'disability', 'dwelling_ownership', 'income']);

    const montana = await h.as(['case_manager'], { municipality: 'MON29' });
    t.equal((await h.get(url, montana)).statusCode, 404, 'facts of another municipality’s client are absent');
  },
);

t.test('a survivor’s facts include those of the records merged into it', async (t) => {
  const h = await setUp(t);
  const survivor = await h.register(111);
  const duplicate = await h.post('/v1/clients', {
    givenName: 'Иван',
    familyName: 'Тестов',
    municipality: 'BLG01',
    birthDate: '1985-04-12',
  });
  const dupId = duplicate.json().clientId;
  await h.post(`/v1/clients/${dupId}/facts/incomes`, {
    source: 'benefit',
    monthlyAmount: eur(12_000),
    validFrom: '2026-01-01',
  });
  await h.post(
    `/v1/clients/${survivor.clientId}/merge`,
    { duplicateId: dupId, reason: 'the same person, twice' },
    h.supervisor,
  );
  const facts = (await h.get(`/v1/clients/${survivor.clientId}/facts?asOf=2026-06-01`)).json();
  t.same(
    facts.inForce.map((f: { clientId: string }) => f.clientId),
    [dupId],
    'the merged record’s income counts',
  );
  const blocked = await h.post(`/v1/clients/${dupId}/facts/incomes`, {
    source: 'benefit',
    monthlyAmount: eur(1),
    validFrom: '2026-01-01',
  });
  t.equal(blocked.statusCode, 409, 'a merged record takes no new facts');
  await h.post(
    `/v1/clients/${survivor.clientId}/unmerge`,
    { mergedId: dupId, reason: 'not the same person' },
    h.supervisor,
  );
  const apart = (await h.get(`/v1/clients/${survivor.clientId}/facts?asOf=2026-06-01`)).json();
  t.same(apart.inForce, [], 'after unmerging, each keeps its own');
});

t.test('household members’ incomes stand beside the client’s own, for members only', async (t) => {
  const h = await setUp(t);
  const { clientId } = await h.register(131);
  const added = await h.post(`/v1/clients/${clientId}/household-members`, {
    relation: 'spouse',
    givenName: 'Мария',
    familyName: 'Тестова',
    from: '2026-02-01',
  });
  const memberId = added.json().household[0].memberId;
  const income = (body: object) =>
    h.post(`/v1/clients/${clientId}/facts/incomes`, {
      source: 'pension',
      monthlyAmount: eur(30_000),
      validFrom: '2026-03-01',
      ...body,
    });
  t.equal((await income({})).statusCode, 201, 'the client’s pension');
  t.equal((await income({ memberId, monthlyAmount: eur(28_000) })).statusCode, 201, 'the spouse’s pension');
  const before = await income({ memberId, validFrom: '2026-01-01' });
  t.equal(before.statusCode, 422, 'not a member yet on that date');
  t.equal(before.json().code, 'NOT_A_HOUSEHOLD_MEMBER');
  const stranger = await income({ memberId: '0190b3c4-0000-7000-8000-000000000001' });
  t.equal(stranger.statusCode, 422, 'no such member');
  const inForce = (await h.get(`/v1/clients/${clientId}/facts?asOf=2026-04-01&kind=income`)).json().inForce;
  t.same(
    inForce
      .map((f: { data: { memberId?: string; monthlyAmount: { amountMinor: number } } }) => [
        f.data.memberId ?? 'client',
        f.data.monthlyAmount.amountMinor,
      ])
      .sort(),
    [
      ['client', 30_000],
      [memberId, 28_000],
    ].sort(),
    'two pensions of the same source, one per person, both in force',
  );
});

t.test('savings, dwelling disposals, client groups and school enrolments over HTTP', async (t) => {
  const h = await setUp(t);
  const { clientId } = await h.register(141);
  const url = `/v1/clients/${clientId}/facts`;
  const recorded = async (path: string, body: object, kind: string) => {
    const r = await h.post(`${url}/${path}`, body);
    t.equal(r.statusCode, 201, `${path}: ${r.body}`);
    t.match(r.json(), { clientId, kind });
    return r.json().factId as string;
  };

  const savings = await recorded(
    'savings',
    { amount: { amountMinor: 120_000, currency: 'BGN' }, validFrom: '2025-10-01' },
    'savings',
  );
  const none = await recorded(
    'savings',
    { amount: eur(0), validFrom: '2026-02-01', supersedes: savings },
    'savings',
  );
  const disposal = await recorded(
    'dwelling-disposals',
    { disposedOn: '2023-05-10', how: 'gifted' },
    'dwelling_disposal',
  );
  const group = await recorded(
    'client-groups',
    { group: 'intellectual_or_mental_disability', validFrom: '2026-03-10', validTo: '2029-03-31' },
    'client_group',
  );
  await recorded('school-enrolments', { validFrom: '2026-09-15', validTo: '2027-06-30' }, 'school_enrolment');

  const facts = (await h.get(`${url}?asOf=2026-10-01`)).json();
  const byKind = Object.fromEntries(
    facts.inForce.map((f: { kind: string; factId: string; validFrom: string; data: object }) => [
      f.kind,
      { factId: f.factId, validFrom: f.validFrom, data: f.data },
    ]),
  );
  t.match(byKind, {
    savings: { factId: none, data: { amount: eur(0) } },
    dwelling_disposal: { factId: disposal, validFrom: '2023-05-10', data: { how: 'gifted' } },
    client_group: { factId: group, data: { group: 'intellectual_or_mental_disability' } },
    school_enrolment: { validFrom: '2026-09-15', data: {} },
  });
  const then = (await h.get(`${url}?asOf=2025-12-01&kind=savings`)).json();
  t.same(
    then.inForce.map((f: { data: { amount: object } }) => f.data.amount),
    [],
    'a correction replaces the fact it corrects over its whole period',
  );
  t.same(
    (await h.get(`${url}?asOf=2027-07-01&kind=school_enrolment`)).json().inForce,
    [],
    'school over at the end of June',
  );

  // 400: the body breaks its schema
  const invalid = async (path: string, body: object, field: string) => {
    const r = await h.post(`${url}/${path}`, body);
    t.equal(r.statusCode, 400, `${path}: ${field}`);
    t.ok(
      r.json().errors.some((e: { field: string }) => e.field.startsWith(`body.${field}`)),
      `names body.${field}: ${r.body}`,
    );
  };
  await invalid('savings', { amount: eur(-1), validFrom: '2026-01-01' }, 'amount');
  await invalid('dwelling-disposals', { disposedOn: '2023-05-10', how: 'lost' }, 'how');
  await invalid('client-groups', { group: 'dementia', validFrom: '2026-01-01' }, 'group');
  await invalid('school-enrolments', { validFrom: '2026-09-15', validTo: '2026-06-30' }, 'validTo');

  // 409: a fact is corrected once; 422: a fact corrects only a fact of its kind
  const twice = await h.post(`${url}/savings`, {
    amount: eur(5),
    validFrom: '2026-02-01',
    supersedes: savings,
  });
  t.match([twice.statusCode, twice.json().code], [409, 'FACT_ALREADY_CORRECTED']);
  const other = await h.post(`${url}/school-enrolments`, { validFrom: '2026-09-15', supersedes: group });
  t.match([other.statusCode, other.json().code], [422, 'FACT_KIND_MISMATCH']);
  const retracted = await h.post(`${url}/${group}/retract`, { reason: 'recorded for the wrong client' });
  t.match([retracted.statusCode, retracted.json()], [200, { kind: 'client_group' }]);
  t.same((await h.get(`${url}?asOf=2026-10-01&kind=client_group`)).json().inForce, [], 'retracted');

  // 404 for a client of another municipality, 403 for a role that records no facts
  const montana = await h.as(['case_manager'], { municipality: 'MON29' }, 'cm-montana');
  const foreign = await h.post(`${url}/savings`, { amount: eur(0), validFrom: '2026-01-01' }, montana);
  t.equal(foreign.statusCode, 404, 'another municipality’s client reads as absent');
  const officer = await h.as(['billing_officer'], { municipality: 'BLG01' }, 'billing-bansko');
  const billingOfficer = await h.post(
    `${url}/client-groups`,
    { group: 'intellectual_or_mental_disability', validFrom: '2026-01-01' },
    officer,
  );
  t.equal(billingOfficer.statusCode, 403, 'billing reads facts from events; it records none');
});
