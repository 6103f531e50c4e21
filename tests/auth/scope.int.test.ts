import { composeEgn } from '@casework/contracts';
import { intake } from '@casework/intake';
import { jurisdictionOf, type Principal } from '@casework/service-kit';
import { TEST_SIGNING_KEY, testApp } from '@casework/testkit';
import { SignJWT } from 'jose';
import t from 'tap';

/**
 * Issue 14, hole 4: a token holding a municipal role and an oblast claim read names across the oblast;
 * XXX99 was accepted and a client was moved to ZZZ00. Each role's scope is checked on its own, an
 * impossible combination is 401, and codes must exist in the reference data (tokens and bodies).
 */
const sign = (claims: object) =>
  new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('casework')
    .setAudience('casework-api')
    .setSubject('tester')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(TEST_SIGNING_KEY));

t.test('roles and scope claims must fit each other and the reference data', async (t) => {
  const h = await testApp(t, [intake], { transport: 'in-process' });
  const ask = async (claims: object) =>
    h.app.inject({
      url: '/v1/clients/01a205f1-0000-7000-8000-0000000000ff',
      headers: { authorization: `Bearer ${await sign(claims)}` },
    });
  const impossible: [string, object][] = [
    ['a case manager with an oblast', { roles: ['case_manager'], oblast: 'BG-01' }],
    [
      'a case manager with a municipality and an oblast',
      { roles: ['case_manager'], municipality: 'BLG01', oblast: 'BG-01' },
    ],
    ['a supervisor without scope', { roles: ['supervisor'] }],
    ['a billing officer with an oblast', { roles: ['billing_officer'], oblast: 'BG-12' }],
    ['an analyst with a municipality', { roles: ['directorate_analyst'], municipality: 'BLG01' }],
    ['an analyst with both', { roles: ['directorate_analyst'], municipality: 'BLG01', oblast: 'BG-01' }],
    ['an analyst without scope', { roles: ['directorate_analyst'] }],
    [
      'municipal and directorate roles together',
      { roles: ['case_manager', 'directorate_analyst'], municipality: 'BLG01', oblast: 'BG-01' },
    ],
    ['a national and a municipal role together', { roles: ['admin', 'case_manager'], municipality: 'BLG01' }],
    ['an admin with a municipality', { roles: ['admin'], municipality: 'BLG01' }],
    [
      'an integrator with a municipality and an oblast',
      { roles: ['integrator'], municipality: 'BLG01', oblast: 'BG-01' },
    ],
    ['an integrator of an oblast not in the reference data', { roles: ['integrator'], oblast: 'BG-29' }],
    ['an integrator and an admin with an oblast', { roles: ['integrator', 'admin'], oblast: 'BG-01' }],
    ['a municipality not in the reference data', { roles: ['case_manager'], municipality: 'XXX99' }],
    ['another one', { roles: ['supervisor'], municipality: 'ZZZ00' }],
    ['an oblast not in the reference data', { roles: ['directorate_analyst'], oblast: 'BG-29' }],
    ['an unknown role', { roles: ['mayor'], municipality: 'BLG01' }],
    ['no roles', { roles: [], municipality: 'BLG01' }],
  ];
  for (const [why, claims] of impossible) {
    const r = await ask(claims);
    t.equal(r.statusCode, 401, why);
    t.match(r.headers['content-type'], /^application\/problem\+json/);
    t.match(r.json(), { status: 401, title: 'Unauthorized', detail: /./ }, why);
  }
  const fitting: [string, object][] = [
    ['a case manager of Bansko', { roles: ['case_manager'], municipality: 'BLG01' }],
    [
      'a supervisor and billing officer of Montana',
      { roles: ['supervisor', 'billing_officer'], municipality: 'MON29' },
    ],
    ['an analyst of Blagoevgrad', { roles: ['directorate_analyst'], oblast: 'BG-01' }],
    ['an integrator', { roles: ['integrator'] }],
    ["a directorate's integrator", { roles: ['integrator'], oblast: 'BG-01' }],
    ["a municipality's integrator", { roles: ['integrator'], municipality: 'BLG01' }],
    ['an admin', { roles: ['admin'] }],
  ];
  for (const [why, claims] of fitting) {
    t.not((await ask(claims)).statusCode, 401, why);
  }
});

t.test("a jurisdiction follows the role's own scope", async (t) => {
  const p = (o: object) => ({ sub: 'x', ...o }) as Principal;
  t.same(jurisdictionOf(p({ roles: ['case_manager'], municipality: 'BLG01' })), {
    kind: 'municipalities',
    codes: ['BLG01'],
  });
  const analyst = jurisdictionOf(p({ roles: ['directorate_analyst'], oblast: 'BG-12' }));
  t.ok(
    analyst.kind === 'municipalities' && analyst.codes.includes('MON29') && !analyst.codes.includes('BLG01'),
  );
  t.same(jurisdictionOf(p({ roles: ['integrator'] })), { kind: 'national' });
  t.same(jurisdictionOf(p({ roles: ['integrator'], municipality: 'MON29' })), {
    kind: 'municipalities',
    codes: ['MON29'],
  });
  t.same(
    jurisdictionOf(p({ roles: ['integrator'], oblast: 'BG-12' })),
    analyst,
    "an oblast's integrator sees what its analyst sees",
  );
  const nothing = { kind: 'municipalities', codes: [] };
  t.same(jurisdictionOf(p({ roles: ['case_manager'], municipality: 'BLG01', oblast: 'BG-01' })), nothing);
  t.same(jurisdictionOf(p({ roles: ['case_manager'], oblast: 'BG-01' })), nothing, 'never the oblast');
  t.same(jurisdictionOf(p({ roles: ['admin'], municipality: 'BLG01' })), nothing);
});

t.test('bodies naming a municipality that does not exist are 400 naming the field', async (t) => {
  const h = await testApp(t, [intake], { transport: 'in-process' });
  const cm = await h.as(['case_manager'], { municipality: 'BLG01' });
  for (const municipality of ['XXX99', 'ZZZ00']) {
    const r = await h.app.inject({
      method: 'POST',
      url: '/v1/clients',
      headers: cm,
      payload: {
        identifier: { kind: 'egn', value: composeEgn('1985-04-12', 31) },
        givenName: 'Иван',
        familyName: 'Тестов',
        municipality,
      },
    });
    t.equal(r.statusCode, 400, `registering in ${municipality}`);
    t.match(r.json(), { errors: [{ field: 'body.municipality', message: /not a municipality/ }] });
  }
  const created = await h.app.inject({
    method: 'POST',
    url: '/v1/clients',
    headers: cm,
    payload: {
      identifier: { kind: 'egn', value: composeEgn('1985-04-12', 32) },
      givenName: 'Иван',
      familyName: 'Тестов',
      municipality: 'BLG01',
    },
  });
  t.equal(created.statusCode, 201);
  const moved = await h.app.inject({
    method: 'POST',
    url: `/v1/clients/${created.json().clientId}/move`,
    headers: { ...cm, 'if-match': `"${created.json().version}"` },
    payload: { to: 'ZZZ00', movedOn: '2026-11-01' },
  });
  t.equal(moved.statusCode, 400, 'a move to ZZZ00');
  t.match(moved.json(), { errors: [{ field: 'body.to', message: /not a municipality/ }] });
});
