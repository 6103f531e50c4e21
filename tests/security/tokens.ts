import { createHmac } from 'node:crypto';
import { AUDIENCE, ISSUER } from '@casework/service-kit';
import { TEST_SIGNING_KEY } from '@casework/testkit';

const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** A JWT signed with HMAC (or not at all), whatever its claims: a forgery's raw material. */
function sign(header: Record<string, unknown>, payload: Record<string, unknown>, key = TEST_SIGNING_KEY) {
  const head = `${part(header)}.${part(payload)}`;
  const algorithm = header.alg === 'HS512' ? 'sha512' : header.alg === 'HS384' ? 'sha384' : 'sha256';
  const signature = header.alg === 'none' ? '' : createHmac(algorithm, key).update(head).digest('base64url');
  return `${head}.${signature}`;
}

/**
 * Tokens every route behind a token must refuse with 401 (issue 14, holes 3 and 4): no `exp`, a life of
 * ten years, `iat` in the future, expired, unsigned, another algorithm or key, no `sub`, a wrong issuer
 * or audience, a municipality that does not exist, a municipal role holding an oblast.
 */
export function forgedTokens(now = Math.floor(Date.now() / 1000)): { name: string; token: string }[] {
  const claims = {
    sub: 'forger',
    roles: ['case_manager'],
    municipality: 'BLG01',
    iss: ISSUER,
    aud: AUDIENCE,
    iat: now,
    exp: now + 3600,
  };
  const hs256 = { alg: 'HS256', typ: 'JWT' };
  const { exp: _exp, ...noExp } = claims;
  const { sub: _sub, ...noSub } = claims;
  const { municipality: _m, ...unscoped } = claims;
  return [
    // (the one genuine token, to show the forger signs as the platform does)
    { name: 'genuine', token: sign(hs256, claims) },
    { name: 'no exp', token: sign(hs256, noExp) },
    { name: 'exp in ten years', token: sign(hs256, { ...claims, exp: now + 10 * 365 * 86_400 }) },
    { name: 'iat in the future', token: sign(hs256, { ...claims, iat: now + 3600, exp: now + 7200 }) },
    { name: 'expired', token: sign(hs256, { ...claims, iat: now - 7200, exp: now - 3600 }) },
    { name: 'alg none', token: sign({ alg: 'none', typ: 'JWT' }, claims) },
    { name: 'HS512', token: sign({ alg: 'HS512', typ: 'JWT' }, claims) },
    { name: 'another key', token: sign(hs256, claims, 'another-key-of-at-least-32-characters!!') },
    { name: 'no sub', token: sign(hs256, noSub) },
    { name: 'wrong issuer', token: sign(hs256, { ...claims, iss: 'someone-else' }) },
    { name: 'wrong audience', token: sign(hs256, { ...claims, aud: 'another-api' }) },
    { name: 'municipality XXX99', token: sign(hs256, { ...claims, municipality: 'XXX99' }) },
    { name: 'case manager with an oblast', token: sign(hs256, { ...unscoped, oblast: 'BG-01' }) },
    {
      name: 'supervisor of BLG01 and MON29',
      token: sign(hs256, { ...claims, roles: ['supervisor'], municipality: ['BLG01', 'MON29'] }),
    },
  ];
}
