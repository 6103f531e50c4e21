import { PassThrough } from 'node:stream';
import { composeEgn, intakeEvents } from '@casework/contracts';
import { testApp } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { intake } from '../src/plugin.js';

/** DESIGN §7: identifiers, names and addresses stay in intake's internal events; never published, never logged. */
t.test('published events and log lines carry no personal data', async (t) => {
  const logs: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (d: Buffer) => logs.push(d.toString()));
  const h = await testApp(t, [intake], { logStream: stream, logLevel: 'debug' });
  const cm = await h.as(['case_manager'], { municipality: 'BLG01' }, 'cm-1');
  const sup = await h.as(['supervisor'], { municipality: 'BLG01' }, 'sup-1');
  const post = async (url: string, payload: object, headers = cm) =>
    (await h.app.inject({ method: 'POST', url, payload, headers })).json();
  const egn = composeEgn('1971-09-30', 321);
  const secrets = [
    egn,
    'Зорница',
    'Секретова',
    'ул. Тайна 7',
    'Домова',
    '4455/2026',
    'Needs help with stairs',
  ];

  const a = await post('/v1/clients', {
    identifier: { kind: 'egn', value: egn },
    givenName: 'Зорница',
    familyName: 'Секретова',
    municipality: 'BLG01',
  });
  const b = await post('/v1/clients', {
    givenName: 'Зорница',
    familyName: 'Секретова',
    municipality: 'BLG01',
    birthDate: '1971-09-30',
  });
  await post(`/v1/clients/${a.clientId}/addresses`, {
    kind: 'permanent',
    municipality: 'BLG01',
    settlement: 'Банско',
    line: 'ул. Тайна 7',
    validFrom: '2000-01-01',
  });
  await post(`/v1/clients/${a.clientId}/household-members`, {
    relation: 'parent',
    givenName: 'Домова',
    familyName: 'Секретова',
    from: '2000-01-01',
  });
  await post(`/v1/clients/${a.clientId}/facts/disability-assessments`, {
    degreePercent: 90,
    outsideAssistanceNeeded: true,
    commission: 'TELK',
    decisionNumber: '4455/2026',
    decidedOn: '2026-01-05',
    validFrom: '2026-01-05',
  });
  await post(`/v1/clients/${a.clientId}/needs-assessments`, {
    assessedOn: '2026-02-01',
    findings: [{ domain: 'mobility', level: 'high', finding: 'Needs help with stairs' }],
  });
  await post(`/v1/clients/${a.clientId}/corrections`, {
    familyName: 'Секретова',
    givenName: 'Зорница',
    birthDate: '1971-09-30',
    reason: 'Секретова asked',
  });
  await post(`/v1/clients/${a.clientId}/merge`, { duplicateId: b.clientId, reason: 'Зорница twice' }, sup);
  await h.app.inject({ url: `/v1/clients?name=Секретова`, headers: cm });
  await h.app.inject({
    method: 'POST',
    url: '/v1/clients/search',
    payload: { identifier: egn },
    headers: cm,
  });
  await h.app.inject({ url: `/v1/clients?identifier=${egn}`, headers: cm }); // refused: never in a URL
  await h.app.inject({
    method: 'POST',
    url: '/v1/clients',
    payload: {
      identifier: { kind: 'egn', value: `${egn.slice(0, 9)}0` },
      givenName: 'Зорница',
      familyName: 'Секретова',
      municipality: 'BLG01',
    },
    headers: cm,
  });

  const published: string[] = intakeEvents.filter((e) => e.published).map((e) => e.name);
  const { rows } = await sql<{
    type: string;
    body: string;
  }>`SELECT type, data::text || metadata::text AS body FROM intake.events`.execute(h.database.db);
  const out = rows.filter((r) => published.includes(r.type));
  t.ok(out.length >= 6, `${out.length} published events were recorded`);
  t.ok(
    rows.some((r) => !published.includes(r.type) && r.body.includes('Секретова')),
    'the internal events do hold the details',
  );
  for (const secret of secrets) {
    t.notOk(
      out.some((r) => r.body.includes(secret)),
      `no published event holds "${secret}"`,
    );
    t.notOk(
      logs.some((l) => l.includes(secret)),
      `no log line holds "${secret}"`,
    );
  }
  t.ok(logs.length > 0, 'there were log lines to check');
});
