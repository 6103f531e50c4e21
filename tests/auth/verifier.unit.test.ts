import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createVerifier, TokenRejected } from '@casework/service-kit';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import t from 'tap';

/** Issue 14, hole 3: issuer, audience and algorithms come from configuration; the cache keeps no token past exp. */
const claims = { roles: ['case_manager'], municipality: 'BLG01' };
const KEY = 'a-local-signing-key-of-at-least-32-chars';
const hs = (o: { iss?: string; aud?: string; exp?: number } = {}) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(o.iss ?? 'casework')
    .setAudience(o.aud ?? 'casework-api')
    .setSubject('tester')
    .setIssuedAt()
    .setExpirationTime(o.exp ?? '1h')
    .sign(new TextEncoder().encode(KEY));

t.test('issuer and audience are configured', async (t) => {
  const verify = createVerifier({ signingKey: KEY, issuer: 'https://idp.example', audience: 'casework' });
  t.match(await verify(await hs({ iss: 'https://idp.example', aud: 'casework' })), { sub: 'tester' });
  await t.rejects(verify(await hs()), TokenRejected, 'the default issuer is no longer trusted');
  await t.rejects(verify(await hs({ iss: 'https://idp.example' })), /aud/);
});

t.test('a cached token is not accepted after its exp', async (t) => {
  const verify = createVerifier({ signingKey: KEY, clockSkew: 0 });
  const exp = Math.floor(Date.now() / 1000) + 2;
  const token = await hs({ exp });
  t.match(await verify(token), { sub: 'tester' });
  t.match(await verify(token), { sub: 'tester' }, 'answered from the cache');
  await sleep(exp * 1000 - Date.now() + 100);
  await t.rejects(verify(token), /expired/, 'the cache did not keep it past exp');
});

t.test('JWKS tokens: RS256 and ES256 by default, a configured list otherwise, never HS256', async (t) => {
  const rsa = await generateKeyPair('RS256');
  const ec = await generateKeyPair('ES256');
  const rsa384 = await generateKeyPair('RS384');
  const jwks = {
    keys: [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec', alg: 'ES256' },
      { ...(await exportJWK(rsa384.publicKey)), kid: 'rsa384' },
    ],
  };
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(jwks));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  const signed = (alg: string, kid: string, key: Parameters<SignJWT['sign']>[0]) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg, kid })
      .setIssuer('casework')
      .setAudience('casework-api')
      .setSubject('from-idp')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);

  const verify = createVerifier({ jwksUrl });
  t.match(await verify(await signed('RS256', 'rsa', rsa.privateKey)), { sub: 'from-idp' });
  t.match(await verify(await signed('ES256', 'ec', ec.privateKey)), { sub: 'from-idp' });
  await t.rejects(
    verify(await signed('RS384', 'rsa384', rsa384.privateKey)),
    /alg/,
    'RS384 is not configured',
  );
  await t.rejects(verify(await hs()), /alg/, 'a JWKS never trusts HS256');

  const onlyEs = createVerifier({ jwksUrl, jwksAlgorithms: ['ES256'] });
  t.match(await onlyEs(await signed('ES256', 'ec', ec.privateKey)), { sub: 'from-idp' });
  await t.rejects(onlyEs(await signed('RS256', 'rsa', rsa.privateKey)), /alg/);
});
