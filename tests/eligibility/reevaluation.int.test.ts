import type { JetStreamTransport } from '@casework/messaging';
import { toHeaders } from '@casework/messaging';
import { eventually } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { setUp } from './harness.js';

const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

const determinedFor = async (h: Awaited<ReturnType<typeof setUp>>, clientId: string) =>
  Number(
    (
      await sql<{ n: string }>`SELECT count(*)::text AS n FROM eligibility.events
        WHERE stream_id = ${`eligibility-${clientId}`} AND type = 'EligibilityDetermined'`.execute(
        h.database.db,
      )
    ).rows[0]!.n,
  );

t.test('a fact change re-evaluates once, however often it is delivered', async (t) => {
  const h = await setUp(t);
  const clientId = await h.register(21);
  await h.post(`/v1/clients/${clientId}/facts/disability-assessments`, {
    degreePercent: 60,
    outsideAssistanceNeeded: false,
    commission: 'TELK',
    decisionNumber: '1/2026',
    decidedOn: '2026-01-01',
    validFrom: '2026-01-01',
  });
  await h.post('/v1/applications', {
    clientId,
    serviceType: 'day_centre_adults_disabilities',
    municipality: 'BLG01',
    submittedOn: '2026-11-23',
  });
  await h.post(`/v1/clients/${clientId}/facts/incomes`, {
    source: 'pension',
    monthlyAmount: eur(30_000),
    validFrom: '2026-01-01',
  });
  await h.settled();
  const before = await determinedFor(h, clientId);
  t.equal(before, 2, 'one for the application, one for the income declared after it');

  // deliver every intake event again under new message ids, as after the JetStream window
  const transport = h.transport as JetStreamTransport;
  const intakeStore = h.app.hosted[0]!.ctx.store;
  let again = 0;
  for (const e of await intakeStore.readAll(undefined, { limit: 10_000 })) {
    if (
      !['ApplicationSubmitted', 'IncomeDeclared', 'DisabilityAssessed', 'ClientRegistered'].includes(e.type)
    )
      continue;
    await transport.js.publish(`${transport.prefix}.intake.${e.type}`, JSON.stringify(e.data), {
      msgID: `again-${e.eventId}`,
      headers: toHeaders(e.metadata),
    });
    again++;
  }
  const consumer = h.app.hosted[1]!.consumers.find((c) => c.name === 'intake-facts')!.consumer;
  t.ok(
    await eventually(async () => (consumer.stats().duplicates >= again ? true : undefined)),
    'copies seen',
  );
  await h.settled();
  t.equal(await determinedFor(h, clientId), before, 'no determination was made twice');
});

t.test('a published rule-set version re-evaluates everyone it covers, from its date', async (t) => {
  // the day the version takes effect is today: publishing for a past date is refused
  const h = await setUp(t, { clock: () => new Date('2026-11-23T10:00:00Z') });
  const clients: string[] = [];
  for (const serial of [31, 32, 33]) {
    const clientId = await h.register(serial);
    clients.push(clientId);
    await h.post(`/v1/clients/${clientId}/facts/disability-assessments`, {
      degreePercent: 55 + serial - 31, // 55, 56, 57
      outsideAssistanceNeeded: false,
      commission: 'TELK',
      decisionNumber: `${serial}/2026`,
      decidedOn: '2026-01-01',
      validFrom: '2026-01-01',
    });
    await h.post('/v1/applications', {
      clientId,
      serviceType: 'day_centre_adults_disabilities',
      municipality: 'BLG01',
      submittedOn: '2026-11-23',
    });
  }
  for (const c of clients)
    t.ok(
      await h.eligibilityOf(c, 'day_centre_adults_disabilities', (s) => s.effectiveOutcome === 'eligible'),
    );

  const admin = await h.as(['admin'], {});
  const url = '/v1/eligibility/rule-sets/day_centre_adults_disabilities:national';
  const draft = await h.post(
    `${url}/versions`,
    {
      criteria: [
        { kind: 'age', min: 18 },
        { kind: 'disability_degree', minPercent: 56 },
      ],
      validityMonths: 12,
    },
    admin,
  );
  t.equal(draft.statusCode, 201);
  t.equal((await h.post(`${url}/versions`, { criteria: [], validityMonths: 12 }, admin)).statusCode, 400);
  t.equal(
    (await h.post(`${url}/versions`, { criteria: [{ kind: 'age' }], validityMonths: 12 }, admin)).statusCode,
    400,
    'criteria parameters are validated',
  );
  t.equal(
    (await h.post(`${url}/versions`, draft.json().versions[1], h.supervisor)).statusCode,
    403,
    'national rule sets are for administrators',
  );

  // what-if covers the determinations as listed (a read model): wait until all three are
  t.ok(
    await eventually(async () =>
      (await h.get('/v1/eligibility/determinations?serviceType=day_centre_adults_disabilities')).json().items
        .length === 3
        ? true
        : undefined,
    ),
  );
  const whatIf = await h.post(`${url}/versions/2/what-if`, { asOf: '2026-11-23' }, admin);
  t.match(whatIf.json(), { evaluated: 3, gained: 0, lost: 1, unchanged: 2 }, 'what-if: one would lose');
  t.match(whatIf.json().changes[0], {
    clientId: clients[0],
    from: 'eligible',
    to: 'ineligible',
    reasons: [
      { kind: 'age', result: 'met' },
      { kind: 'disability_degree', result: 'not_met' },
    ],
  });
  t.equal(await determinedFor(h, clients[0]!), 1, 'what-if recorded nothing');

  const published = await h.post(`${url}/versions/2/publish`, { effectiveFrom: '2026-11-23' }, admin);
  t.equal(published.statusCode, 200);
  t.match(published.json().inForce, { version: 2 });
  const lapsed = await h.eligibilityOf(
    clients[0]!,
    'day_centre_adults_disabilities',
    (s) => s.current.ruleSet.version === 2,
  );
  t.match(lapsed, { effectiveOutcome: 'ineligible', current: { trigger: { kind: 'rule_set' } } });
  const jobs = await eventually(async () => {
    const items = (await h.get('/v1/eligibility/reevaluations', admin)).json().items;
    return items.find((j: { status: string }) => j.status === 'finished');
  });
  t.match(
    jobs,
    { evaluated: 3, recorded: 1, changed: 1, reason: 'rule_set_published' },
    'all three evaluated, one recorded anew',
  );
  for (const c of clients.slice(1)) {
    t.match(
      await h.eligibilityOf(c, 'day_centre_adults_disabilities', () => true),
      {
        effectiveOutcome: 'eligible',
        current: { ruleSet: { version: 1 }, trigger: { kind: 'application' } },
      },
      'the new version answers alike: the determination in force stands',
    );
    t.equal(await determinedFor(h, c), 1, 'nothing recorded for it');
  }
  const listed = await eventually(async () => {
    const items = (await h.get(`/v1/eligibility/determinations?clientId=${clients[0]}`)).json().items;
    return items[0]?.ruleSet.version === 2 ? items[0] : undefined;
  });
  t.match(listed, { effectiveOutcome: 'ineligible' }, 'the list follows');
});

t.test('a determination whose validity ended is re-evaluated the next day', async (t) => {
  let now = new Date('2026-11-23T10:00:00Z');
  const h = await setUp(t, { clock: () => now });
  const clientId = await h.register(41);
  await h.post(`/v1/clients/${clientId}/facts/disability-assessments`, {
    degreePercent: 80,
    outsideAssistanceNeeded: true,
    commission: 'TELK',
    decisionNumber: '41/2026',
    decidedOn: '2024-12-01',
    validFrom: '2024-12-01',
    validTo: '2026-11-30',
  });
  await h.post('/v1/applications', {
    clientId,
    serviceType: 'day_centre_adults_disabilities',
    municipality: 'BLG01',
    submittedOn: '2026-11-23',
  });
  const eligible = await h.eligibilityOf(
    clientId,
    'day_centre_adults_disabilities',
    (s) => s.effectiveOutcome === 'eligible',
  );
  t.equal(eligible?.current.validUntil, '2026-11-30', 'until the disability decision ends');
  now = new Date('2026-12-01T08:00:00Z');
  const expired = await h.eligibilityOf(
    clientId,
    'day_centre_adults_disabilities',
    (s) => s.current.trigger.kind === 'expiry',
  );
  t.match(expired, {
    effectiveOutcome: 'incomplete',
    current: { asOf: '2026-12-01', missing: ['disability'] },
  });
  await new Promise((r) => setTimeout(r, 1500));
  t.equal(await determinedFor(h, clientId), 2, 're-evaluated once, not on every pass');
});
