import { eventually } from '@casework/testkit';
import t from 'tap';
import { setUp } from './harness.js';

t.test('needs assessments, support plans and overdue reassessments', async (t) => {
  const h = await setUp(t);
  const a = await h.register(301);
  const b = await h.register(302, { familyName: 'Примеров' });
  await h.post(`/v1/clients/${a.clientId}/case-manager`, { caseManager: 'cm-bansko-1', since: '2025-01-01' });
  const findings = [{ domain: 'housing', level: 'high', finding: 'Has to leave the family home' }];
  const old = await h.post(`/v1/clients/${a.clientId}/needs-assessments`, {
    assessedOn: '2025-06-30',
    findings,
    recommendedServiceType: 'protected_housing',
  });
  t.equal(old.statusCode, 201);
  t.equal(old.json().reassessmentDue, '2026-06-30', 'twelve months by default');
  await h.post(`/v1/clients/${b.clientId}/needs-assessments`, { assessedOn: '2026-10-01', findings });
  const twice = await h.post(`/v1/clients/${a.clientId}/needs-assessments`, {
    assessedOn: '2025-07-01',
    findings: [...findings, findings[0]],
  });
  t.equal(twice.statusCode, 400, 'one finding per domain');

  const plan = await h.post(`/v1/clients/${a.clientId}/support-plans`, {
    assessmentId: old.json().assessmentId,
    agreedOn: '2025-07-02',
    reviewOn: '2026-01-02',
    goals: [{ domain: 'housing', goal: 'Moves into protected housing', by: '2025-10-01' }],
  });
  t.equal(plan.statusCode, 201);
  t.match(plan.json().plan, { reviewOn: '2026-01-02', goals: [{ goal: 'Moves into protected housing' }] });
  const second = await h.post(`/v1/clients/${a.clientId}/support-plans`, {
    assessmentId: old.json().assessmentId,
    agreedOn: '2025-07-03',
    reviewOn: '2026-01-03',
    goals: [{ domain: 'housing', goal: 'Another plan' }],
  });
  t.equal(second.statusCode, 409);

  const list = (await h.get(`/v1/clients/${a.clientId}/needs-assessments`)).json();
  t.equal(list.items.length, 1);
  t.match(list.items[0].findings, findings, 'staff see the written findings');

  // two read models meet here (reassessments and clients, for the case manager): wait for both
  const overdue = await eventually(async () => {
    const r = (await h.get('/v1/needs-assessments/overdue?asOf=2026-11-23')).json();
    return r.items.length > 0 && r.items.every((i: { caseManager?: string }) => i.caseManager)
      ? r
      : undefined;
  });
  t.same(
    overdue?.items.map((i: { clientId: string; daysOverdue: number; caseManager: string }) => [
      i.clientId,
      i.daysOverdue,
      i.caseManager,
    ]),
    [[a.clientId, 146, 'cm-bansko-1']],
    'only the reassessment past its date, with the days overdue',
  );
  const mine = (await h.get('/v1/needs-assessments/overdue?asOf=2026-11-23&caseManager=someone-else')).json();
  t.same(mine.items, []);

  await h.post(`/v1/clients/${a.clientId}/needs-assessments`, { assessedOn: '2026-11-20', findings });
  const cleared = await eventually(async () => {
    const r = (await h.get('/v1/needs-assessments/overdue?asOf=2026-11-23')).json();
    return r.items.length === 0 ? r : undefined;
  });
  t.ok(cleared, 'a new assessment clears the overdue entry');
});
