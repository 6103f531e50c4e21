import { eventually } from '@casework/testkit';
import t from 'tap';
import { setUp } from './harness.js';

const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

t.test('an application is determined from intake’s facts, and re-evaluated as they change', async (t) => {
  const h = await setUp(t);
  const clientId = await h.register(11);
  const facts = `/v1/clients/${clientId}/facts`;
  const disability = await h.post(`${facts}/disability-assessments`, {
    degreePercent: 72,
    outsideAssistanceNeeded: false,
    commission: 'TELK',
    decisionNumber: '0815/2026',
    decidedOn: '2026-03-01',
    validFrom: '2026-03-01',
    validTo: '2029-02-28',
  });
  t.equal(disability.statusCode, 201);
  const application = await h.post('/v1/applications', {
    clientId,
    serviceType: 'protected_housing',
    municipality: 'BLG01',
    submittedOn: '2026-11-20',
  });
  t.equal(application.statusCode, 201);

  const first = await h.eligibilityOf(
    clientId,
    'protected_housing',
    (s) => s.current.outcome === 'incomplete',
  );
  t.ok(first, 'determined from the application');
  t.same(first?.current.missing.sort(), ['needs_assessment', 'referral'], 'it names what is missing');
  t.equal(first?.current.trigger.kind, 'application');
  t.same(
    first?.current.ruleSet,
    { ruleSetId: 'protected_housing:national', version: 1 },
    'the national default',
  );
  const age = first?.current.criteria.find((c) => c.kind === 'age');
  t.match(age, { result: 'met', reason: /^age 46/ }, 'each criterion says why');
  t.equal(age?.facts.length, 1, 'traced to the event it came from');

  await h.post(`/v1/clients/${clientId}/needs-assessments`, {
    assessedOn: '2026-11-21',
    applicationId: application.json().applicationId,
    findings: [{ domain: 'housing', level: 'high', finding: 'Needs 24-hour support' }],
    recommendedServiceType: 'protected_housing',
  });
  await h.post(`/v1/applications/${application.json().applicationId}/referral`, {
    issuer: 'municipality',
    issuedBy: 'BLG01',
    referralNumber: 'Н-17',
    issuedOn: '2026-11-22',
  });
  const eligible = await h.eligibilityOf(
    clientId,
    'protected_housing',
    (s) => s.effectiveOutcome === 'eligible',
  );
  t.ok(eligible, 'eligible once the assessment and the referral arrive');
  t.equal(eligible?.current.trigger.kind, 'fact_changed');
  t.equal(eligible?.current.validUntil, '2027-11-20', 'valid until the assessment is a year old');

  // a corrected disability decision below 50 % makes the client ineligible, and says why
  await h.post(`${facts}/disability-assessments`, {
    degreePercent: 40,
    outsideAssistanceNeeded: false,
    commission: 'TELK',
    decisionNumber: '0816/2026',
    decidedOn: '2026-03-01',
    validFrom: '2026-03-01',
    validTo: '2029-02-28',
    supersedes: disability.json().factId,
  });
  const lapsed = await h.eligibilityOf(
    clientId,
    'protected_housing',
    (s) => s.current.outcome === 'ineligible',
  );
  t.match(
    lapsed?.current.criteria.find((c) => c.kind === 'disability_degree'),
    { result: 'not_met', reason: 'disability degree 40%, below 50%' },
  );
  const listed = await eventually(async () => {
    const items = (await h.get('/v1/eligibility/determinations?serviceType=protected_housing')).json().items;
    return items.find(
      (d: { clientId: string; outcome: string }) => d.clientId === clientId && d.outcome === 'ineligible',
    );
  });
  t.ok(listed, 'listed in the municipality');
  const history = (
    await h.get(`/v1/eligibility/clients/${clientId}/determinations/${first!.current.determinationId}`)
  ).json();
  t.equal(history.outcome, 'incomplete', 'a past determination stays readable as it was');

  // jurisdiction: another municipality sees nothing; analysts have no access
  const montana = await h.as(['case_manager'], { municipality: 'MON29' });
  t.equal((await h.get(`/v1/eligibility/clients/${clientId}/eligibility`, montana)).statusCode, 404);
  t.equal(
    (await h.get(`/v1/eligibility/determinations?clientId=${clientId}`, montana)).json().items.length,
    0,
  );
  const analyst = await h.as(['directorate_analyst'], { oblast: 'BG-01' });
  t.equal((await h.get(`/v1/eligibility/clients/${clientId}/eligibility`, analyst)).statusCode, 403);
});

t.test('overrides by supervisors, appeals within the deadline', async (t) => {
  const h = await setUp(t);
  const clientId = await h.register(12);
  await h.post(`/v1/clients/${clientId}/facts/disability-assessments`, {
    degreePercent: 35,
    outsideAssistanceNeeded: false,
    commission: 'TELK',
    decisionNumber: '0901/2026',
    decidedOn: '2026-01-10',
    validFrom: '2026-01-10',
  });
  await h.settled();
  const d = await h.post('/v1/eligibility/determinations', {
    clientId,
    serviceType: 'day_centre_adults_disabilities',
  });
  t.equal(d.statusCode, 201, 'determined on request');
  t.equal(d.json().outcome, 'ineligible');
  const url = `/v1/eligibility/clients/${clientId}/determinations/${d.json().determinationId}`;

  const late = await h.post(`${url}/appeals`, { notifiedOn: '2026-11-01', lodgedOn: '2026-11-16' });
  t.equal(late.statusCode, 422, 'fifteen days after notification is too late');
  t.equal(late.json().code, 'APPEAL_OUT_OF_TIME');
  const lodged = await h.post(`${url}/appeals`, { notifiedOn: '2026-11-01', lodgedOn: '2026-11-15' });
  t.equal(lodged.statusCode, 201, 'the fourteenth day is in time');
  const appealId = lodged.json().appeals[0].appealId;
  t.equal(
    (await h.post(`${url}/appeals`, { notifiedOn: '2026-11-01', lodgedOn: '2026-11-15' })).statusCode,
    409,
  );
  const resolveUrl = `/v1/eligibility/clients/${clientId}/appeals/${appealId}/resolve`;
  t.equal(
    (await h.post(resolveUrl, { resolution: 'overturned', resolvedOn: '2026-11-23' })).statusCode,
    403,
    'case managers do not decide appeals',
  );
  const resolved = await h.post(
    resolveUrl,
    { resolution: 'overturned', resolvedOn: '2026-11-23' },
    h.supervisor,
  );
  t.match(resolved.json(), {
    effectiveOutcome: 'eligible',
    decreed: { by: 'appeal' },
    current: { outcome: 'ineligible' },
  });

  const reason = { outcome: 'ineligible', reason: 'The appeal body’s decision was annulled by the court' };
  t.equal((await h.post(`${url}/override`, reason)).statusCode, 403, 'only supervisors override');
  const overridden = await h.post(`${url}/override`, reason, h.supervisor);
  t.equal(overridden.statusCode, 200);
  t.match(overridden.json(), {
    effectiveOutcome: 'ineligible',
    decreed: { by: 'override' },
    current: { outcome: 'ineligible' },
  });
  t.equal(
    (await h.post(`${url}/override`, { outcome: 'eligible', reason: 'short' }, h.supervisor)).statusCode,
    400,
  );
});

t.test('income per household member against the ceiling; a death ends eligibility', async (t) => {
  const h = await setUp(t);
  const clientId = await h.register(13);
  const facts = `/v1/clients/${clientId}/facts`;
  await h.post(`${facts}/incomes`, {
    source: 'pension',
    monthlyAmount: eur(60_000),
    validFrom: '2026-01-01',
  });
  await h.post(`${facts}/dwelling-ownership`, { ownsDwelling: false, validFrom: '2020-01-01' });
  await h.post(`/v1/clients/${clientId}/addresses`, {
    kind: 'permanent',
    municipality: 'BLG01',
    settlement: 'Банско',
    line: 'ул. Примерна 3',
    validFrom: '2015-06-01',
  });
  await h.settled();
  const d = await h.post('/v1/eligibility/determinations', { clientId, serviceType: 'social_housing' });
  t.equal(d.json().outcome, 'ineligible', '€600 for one person is above the €400 ceiling');
  const member = await h.post(`/v1/clients/${clientId}/household-members`, {
    relation: 'child',
    givenName: 'Петя',
    familyName: 'Тестова',
    birthDate: '2015-02-02',
    from: '2026-01-01',
  });
  t.equal(member.statusCode, 200);
  const shared = await h.eligibilityOf(clientId, 'social_housing', (s) => s.current.outcome === 'eligible');
  t.match(
    shared?.current.criteria.find((c) => c.kind === 'household_income_per_member'),
    { result: 'met', reason: /for 2 people: €300\.00 each/ },
    'a second member halves the income per member',
  );
  await h.post(`/v1/clients/${clientId}/death`, { diedOn: '2026-11-22' });
  const died = await h.eligibilityOf(clientId, 'social_housing', (s) => s.current.outcome === 'ineligible');
  t.match(died?.current.criteria[0], { kind: 'alive', result: 'not_met' });
});

t.test('a merge brings the duplicate’s facts to the survivor; an unmerge takes them back', async (t) => {
  const h = await setUp(t);
  const survivor = await h.register(14);
  const duplicate = await h.post('/v1/clients', {
    givenName: 'Иван',
    familyName: 'Тестов',
    municipality: 'BLG01',
    birthDate: '1980-05-20',
  });
  const duplicateId = duplicate.json().clientId;
  await h.post(`/v1/clients/${duplicateId}/facts/disability-assessments`, {
    degreePercent: 75,
    outsideAssistanceNeeded: false,
    commission: 'TELK',
    decisionNumber: '14/2026',
    decidedOn: '2026-02-01',
    validFrom: '2026-02-01',
  });
  await h.post('/v1/applications', {
    clientId: survivor,
    serviceType: 'day_centre_adults_disabilities',
    municipality: 'BLG01',
    submittedOn: '2026-11-23',
  });
  t.ok(
    await h.eligibilityOf(
      survivor,
      'day_centre_adults_disabilities',
      (s) => s.current.outcome === 'incomplete',
    ),
  );
  const reason = { reason: 'registered twice: provisionally, then with the ЕГН' };
  t.equal(
    (await h.post(`/v1/clients/${survivor}/merge`, { duplicateId, ...reason }, h.supervisor)).statusCode,
    200,
  );
  t.ok(
    await h.eligibilityOf(
      survivor,
      'day_centre_adults_disabilities',
      (s) => s.current.outcome === 'eligible',
    ),
    'the duplicate’s disability decision now counts',
  );
  await h.post(`/v1/clients/${survivor}/unmerge`, { mergedId: duplicateId, ...reason }, h.supervisor);
  t.ok(
    await h.eligibilityOf(
      survivor,
      'day_centre_adults_disabilities',
      (s) => s.current.outcome === 'incomplete',
    ),
    'and no longer after the unmerge',
  );
});
