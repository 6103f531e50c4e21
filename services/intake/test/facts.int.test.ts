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
