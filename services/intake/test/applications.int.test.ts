import { eventually } from '@casework/testkit';
import t from 'tap';
import { setUp } from './harness.js';

t.test('applications: one open per client and service type, even under concurrency', async (t) => {
  const h = await setUp(t);
  const { clientId } = await h.register(201);
  const body = {
    clientId,
    serviceType: 'protected_housing',
    municipality: 'BLG01',
    submittedOn: '2026-11-23',
  };
  const results = await Promise.all(Array.from({ length: 8 }, () => h.post('/v1/applications', body)));
  const codes = results.map((r) => r.statusCode).sort();
  t.same(codes, [201, 409, 409, 409, 409, 409, 409, 409], 'exactly one of eight concurrent submissions wins');
  const won = results.find((r) => r.statusCode === 201)!.json();
  t.match(
    won,
    { status: 'open', assessmentDueBy: '2026-12-13', referralRequired: true },
    '20 days to assess by default',
  );
  const lost = results.find((r) => r.statusCode === 409)!.json();
  t.match(lost, { code: 'APPLICATION_ALREADY_OPEN', existing: { applicationId: won.applicationId } });

  const day = await h.post('/v1/applications', { ...body, serviceType: 'day_centre_adults_disabilities' });
  t.equal(day.statusCode, 201, 'another service type is a separate application');

  const url = `/v1/applications/${won.applicationId}`;
  const doc = await h.post(`${url}/documents`, {
    kind: 'medical_expert_decision',
    number: '1234/2026',
    issuedOn: '2026-03-10',
  });
  t.equal(doc.json().documents.length, 1);
  const fromMontana = await h.post(`${url}/referral`, {
    issuer: 'municipality',
    issuedBy: 'MON29',
    referralNumber: 'Н-1',
    issuedOn: '2026-11-25',
  });
  t.equal(fromMontana.statusCode, 422, 'the referral must come from the municipality of the application');
  const badCode = await h.post(`${url}/referral`, {
    issuer: 'directorate',
    issuedBy: 'BLG01',
    referralNumber: 'Н-1',
    issuedOn: '2026-11-25',
  });
  t.equal(badCode.statusCode, 400, 'a directorate is named by its oblast code');
  const referral = await h.post(`${url}/referral`, {
    issuer: 'municipality',
    issuedBy: 'BLG01',
    referralNumber: 'Н-1',
    issuedOn: '2026-11-25',
  });
  t.equal(referral.statusCode, 200);
  t.match(referral.json().referral, { issuer: 'municipality', referralNumber: 'Н-1' });

  const stale = await h.post(
    `${url}/withdraw`,
    { withdrawnOn: '2026-11-30' },
    { ...h.cm, 'if-match': '"1"' },
  );
  t.equal(stale.statusCode, 412);
  const withdrawn = await h.post(`${url}/withdraw`, { withdrawnOn: '2026-11-30' });
  t.equal(withdrawn.json().status, 'withdrawn');
  t.equal((await h.post(`${url}/close`, { closedOn: '2026-12-01', outcome: 'served' })).statusCode, 409);
  const resubmitted = await h.post('/v1/applications', body);
  t.equal(resubmitted.statusCode, 201, 'after a withdrawal the client may apply again');

  // the list is a read model: it follows the commands within moments
  const list = await eventually(async () => {
    const items = (await h.get(`/v1/applications?clientId=${clientId}&status=open`)).json().items;
    return items.length === 2 ? items : undefined;
  });
  t.same(
    list?.map((a: { serviceType: string; status: string }) => [a.serviceType, a.status]).sort(),
    [
      ['day_centre_adults_disabilities', 'open'],
      ['protected_housing', 'open'],
    ],
    'the open ones: the day centre and the resubmission',
  );
  const montana = await h.as(['case_manager'], { municipality: 'MON29' });
  t.equal((await h.get(url, montana)).statusCode, 404);
  t.equal((await h.post('/v1/applications', body, montana)).statusCode, 403);
});

t.test('the law reserves some referrals to the Directorate', async (t) => {
  const h = await setUp(t);
  const { clientId } = await h.register(211, {});
  const app = await h.post('/v1/applications', {
    clientId,
    serviceType: 'family_type_centre_children',
    municipality: 'BLG01',
    submittedOn: '2026-11-23',
  });
  const url = `/v1/applications/${app.json().applicationId}/referral`;
  const municipal = await h.post(url, {
    issuer: 'municipality',
    issuedBy: 'BLG01',
    referralNumber: 'Н-2',
    issuedOn: '2026-11-25',
  });
  t.equal(municipal.statusCode, 422);
  t.equal(municipal.json().code, 'REFERRAL_RESERVED_TO_DIRECTORATE');
  const directorate = await h.post(url, {
    issuer: 'directorate',
    issuedBy: 'BG-01',
    referralNumber: 'Д-2',
    issuedOn: '2026-11-25',
  });
  t.equal(directorate.statusCode, 200);
});

t.test('applications still awaiting their needs assessment after the deadline', async (t) => {
  const h = await setUp(t);
  const a = await h.register(211);
  const b = await h.register(212);
  const submit = async (clientId: string) =>
    (
      await h.post('/v1/applications', {
        clientId,
        serviceType: 'day_centre_adults_disabilities',
        municipality: 'BLG01',
        submittedOn: '2026-11-01',
      })
    ).json();
  const late = await submit(a.clientId);
  const assessed = await submit(b.clientId);
  t.equal(late.assessmentDueBy, '2026-11-21');
  const recorded = await h.post(`/v1/clients/${b.clientId}/needs-assessments`, {
    assessedOn: '2026-11-18',
    applicationId: assessed.applicationId,
    findings: [{ domain: 'daily_living', level: 'moderate', finding: 'Needs support during the day' }],
    recommendedServiceType: 'day_centre_adults_disabilities',
  });
  t.equal(recorded.statusCode, 201);
  const overdue = (on: string) =>
    eventually(async () => {
      // wait until the projection has seen the assessment, then read the page (read before the check,
      // the page could predate the assessment the check then sees)
      const listed = (await h.get('/v1/applications')).json();
      if (!listed.items.some((x: { assessedOn?: string }) => x.assessedOn === '2026-11-18')) return undefined;
      const page = (await h.get(`/v1/applications?assessmentOverdueOn=${on}`)).json();
      return page.items.map((x: { applicationId: string }) => x.applicationId);
    });
  t.same(await overdue('2026-11-23'), [late.applicationId], 'only the application nobody assessed');
  t.same(await overdue('2026-11-21'), [], 'not overdue on its deadline day');
  await h.post(`/v1/applications/${late.applicationId}/withdraw`, { withdrawnOn: '2026-11-24' });
  const afterWithdrawal = await eventually(async () => {
    const items = (await h.get('/v1/applications?assessmentOverdueOn=2026-11-25')).json().items;
    return items.length === 0 ? items : undefined;
  });
  t.same(afterWithdrawal, [], 'a withdrawn application is no longer waiting');
});
