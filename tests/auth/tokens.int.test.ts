import { intake } from '@casework/intake';
import { TEST_SIGNING_KEY, testApp } from '@casework/testkit';
import { type JWTPayload, SignJWT, UnsecuredJWT } from 'jose';
import t from 'tap';

/**
 * Issue 14, hole 3: a token without exp, with exp ten years away, with iat in the future, signed with
 * another algorithm than the configured one, or without sub was accepted. Tokens are signed here with
 * jose directly, not with mintToken, so each rule is tested on its own.
 */
const key = new TextEncoder().encode(TEST_SIGNING_KEY);
const now = () => Math.floor(Date.now() / 1000);
const claims = { roles: ['case_manager'], municipality: 'BLG01' };

type Sign = {
  alg?: string;
  iat?: number | null;
  exp?: number | null;
  sub?: string | null;
  iss?: string;
  aud?: string;
};
async function sign(o: Sign = {}, payload: JWTPayload = claims): Promise<string> {
  const jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: o.alg ?? 'HS256' })
    .setIssuer(o.iss ?? 'casework')
    .setAudience(o.aud ?? 'casework-api');
  if (o.sub !== null) jwt.setSubject(o.sub ?? 'tester');
  if (o.iat !== null) jwt.setIssuedAt(o.iat ?? now());
  if (o.exp !== null) jwt.setExpirationTime(o.exp ?? now() + 3600);
  return jwt.sign(key);
}

t.test('tokens carry exp, iat and sub, live at most 12 h, are HS256 and not from the future', async (t) => {
  const h = await testApp(t, [intake], { transport: 'in-process' });
  // a valid caller of Bansko asking for an unknown client is answered 404: the token passed
  const ask = (token: string) =>
    h.app.inject({
      url: '/v1/clients/01a205f1-0000-7000-8000-0000000000ff',
      headers: { authorization: `Bearer ${token}` },
    });
  const refused = async (token: string, why: string, detail?: RegExp) => {
    const r = await ask(token);
    t.equal(r.statusCode, 401, why);
    t.match(r.headers['content-type'], /^application\/problem\+json/, `${why}: problem+json`);
    t.match(r.json(), { status: 401, title: 'Unauthorized', ...(detail ? { detail } : {}) }, why);
  };
  const accepted = async (token: string, why: string) => t.equal((await ask(token)).statusCode, 404, why);

  await accepted(await sign(), 'a token of an hour, HS256, with exp, iat and sub');
  await accepted(
    await h.as(['case_manager'], { municipality: 'BLG01' }).then((a) => a.authorization.slice(7)),
    'testkit tokens',
  );

  await refused(await sign({ exp: null }), 'no exp', /exp/);
  await refused(await sign({ iat: null }), 'no iat', /iat/);
  await refused(await sign({ sub: null }), 'no sub', /sub/);
  await refused(await sign({ sub: '' }), 'an empty sub');
  await refused(await sign({ exp: now() + 10 * 365 * 86_400 }), 'exp ten years away', /longer than/);
  await refused(await sign({ exp: now() + 12 * 3600 + 1 }), 'a lifetime of 12 h and a second');
  await accepted(await sign({ exp: now() + 12 * 3600 }), 'a lifetime of exactly 12 h');
  await refused(
    await sign({ iat: now() - 13 * 3600, exp: now() + 3600 }),
    'issued 13 h ago, still within exp',
  );
  await refused(await sign({ iat: now() + 3600, exp: now() + 7200 }), 'iat an hour in the future', /iat/);
  await refused(await sign({ iat: now() + 90, exp: now() + 3600 }), 'iat beyond the 60 s clock skew');
  await accepted(await sign({ iat: now() + 30, exp: now() + 3600 }), 'iat within the clock skew');
  await refused(await sign({ iat: now() - 7200, exp: now() - 120 }), 'expired two minutes ago', /expired/);
  await refused(await sign({ alg: 'HS512' }), 'HS512 with the right key', /alg/);
  await refused(await sign({ alg: 'HS384' }), 'HS384 with the right key');
  await refused(
    new UnsecuredJWT({ ...claims, sub: 'x', iat: now(), exp: now() + 60 })
      .setIssuer('casework')
      .setAudience('casework-api')
      .encode(),
    'alg none',
  );
  await refused(await sign({ iss: 'someone-else' }), 'another issuer', /iss/);
  await refused(await sign({ aud: 'another-api' }), 'another audience', /aud/);
  await refused(
    await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('casework')
      .setAudience('casework-api')
      .setSubject('x')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-key-that-is-long-enough-to-sign')),
    'another key',
  );
});
