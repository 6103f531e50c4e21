import { composeEgn } from '@casework/contracts';
import { eventually } from '@casework/testkit';
import t from 'tap';
import { distributed, token } from './harness.js';

/**
 * Intake's lifecycle events reach the other services over NATS: corrections, moves, deaths, merges and
 * unmerges keep every client directory consistent with intake.
 */
t.test('other services follow corrections, moves, deaths, merges and unmerges', async (t) => {
  const p = await distributed(t);
  const cm = { authorization: `Bearer ${await token(['case_manager'], { municipality: 'BLG01' })}` };
  const sup = { authorization: `Bearer ${await token(['supervisor'], { municipality: 'BLG01' }, 'sup-1')}` };
  const montana = { authorization: `Bearer ${await token(['case_manager'], { municipality: 'MON29' })}` };
  const intake = p.intake!.app;
  const post = async (url: string, payload: object, headers = cm) => {
    const r = await intake.inject({ method: 'POST', url, payload, headers });
    t.ok(r.statusCode < 300, `${url}: ${r.statusCode}`);
    return r.json();
  };
  const a = await post('/v1/clients', {
    identifier: { kind: 'egn', value: composeEgn('1985-04-12', 5) },
    givenName: 'Иван',
    familyName: 'Тестов',
    municipality: 'BLG01',
  });
  const b = await post('/v1/clients', {
    givenName: 'Иван',
    familyName: 'Тестов',
    municipality: 'BLG01',
    birthDate: '1985-04-12',
  });
  const c = await post('/v1/clients', {
    identifier: { kind: 'egn', value: composeEgn('1950-02-02', 7) },
    givenName: 'Петър',
    familyName: 'Примеров',
    municipality: 'BLG01',
  });

  /** Waits until every other service shows the entry matching `want`. */
  const everywhere = async (
    clientId: string,
    want: (e: Record<string, unknown>) => boolean,
    headers = cm,
  ) => {
    for (const service of ['eligibility', 'placement', 'billing']) {
      const seen = await eventually(async () => {
        const r = await p[service]!.app.inject({ url: `/v1/${service}/clients/${clientId}`, headers });
        return r.statusCode === 200 && want(r.json()) ? true : undefined;
      });
      t.ok(seen, `${service} agrees`);
    }
  };

  await post(`/v1/clients/${a.clientId}/corrections`, {
    identifier: { kind: 'egn', value: composeEgn('1986-04-12', 5) },
    reason: 'typo in the ЕГН',
  });
  await everywhere(a.clientId, (e) => e.birthDate === '1986-04-12');

  await post(
    `/v1/clients/${a.clientId}/merge`,
    { duplicateId: b.clientId, reason: 'the same person, twice' },
    sup,
  );
  await everywhere(b.clientId, (e) => e.mergedInto === a.clientId);
  await post(
    `/v1/clients/${a.clientId}/unmerge`,
    { mergedId: b.clientId, reason: 'not the same person' },
    sup,
  );
  await everywhere(b.clientId, (e) => e.mergedInto === undefined);

  await post(`/v1/clients/${c.clientId}/death`, { diedOn: '2026-11-20' });
  await everywhere(c.clientId, (e) => e.diedOn === '2026-11-20');

  await post(`/v1/clients/${a.clientId}/move`, { to: 'MON29', movedOn: '2026-11-30' });
  await everywhere(a.clientId, (e) => e.municipality === 'MON29', montana);
  const bansko = await p.placement!.app.inject({ url: `/v1/placement/clients/${a.clientId}`, headers: cm });
  t.equal(bansko.statusCode, 404, 'after the move Bansko no longer sees the client in placement');
});
