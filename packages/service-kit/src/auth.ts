import { MunicipalityCode, OblastCode } from '@casework/contracts';
import type { FastifyRequest } from 'fastify';
import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { forbidden, unauthorized } from './problems.js';

export const Role = z.enum([
  'case_manager',
  'supervisor',
  'billing_officer',
  'directorate_analyst',
  'integrator',
  'admin',
]);
export type Role = z.infer<typeof Role>;

/** Who is calling, and where they may act: a municipality (municipal staff) or an oblast (directorate). */
export const Principal = z.object({
  sub: z.string().min(1),
  roles: z.array(Role).min(1),
  municipality: MunicipalityCode.optional(),
  oblast: OblastCode.optional(),
});
export type Principal = z.infer<typeof Principal>;

export const ISSUER = 'casework';
export const AUDIENCE = 'casework-api';

export type AuthConfig = { signingKey?: string; jwksUrl?: string };

export type Verifier = (token: string) => Promise<Principal>;

export function createVerifier(config: AuthConfig): Verifier {
  const key: Uint8Array | JWTVerifyGetKey = config.jwksUrl
    ? createRemoteJWKSet(new URL(config.jwksUrl))
    : new TextEncoder().encode(config.signingKey ?? '');
  if (!config.jwksUrl && !config.signingKey) throw new Error('AUTH_SIGNING_KEY or AUTH_JWKS_URL must be set');
  // a token is verified once and then remembered until it expires: a busy client sends the same token
  // with every request, and the signature check dominates the cost of a cheap request
  const verified = new LRUCache<string, Principal>({ max: 10_000 });
  return async (token) => {
    const known = verified.get(token);
    if (known) return known;
    const { payload } = await jwtVerify(token, key as Uint8Array, { issuer: ISSUER, audience: AUDIENCE });
    const principal = Principal.parse(payload);
    const ttl = payload.exp ? payload.exp * 1000 - Date.now() : 0;
    if (ttl > 0) verified.set(token, principal, { ttl });
    return principal;
  };
}

/** Signs a token with the local key (embedded mode, tests, the mint-token command). */
export async function mintToken(signingKey: string, principal: Principal, expiresIn = '8h'): Promise<string> {
  return new SignJWT({ ...principal })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(principal.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(signingKey));
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The caller, or 401. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized();
  return request.principal;
}

/** Route guard: the caller holds one of the roles, or 403. */
export function requireRole(request: FastifyRequest, ...roles: Role[]): Principal {
  const p = principalOf(request);
  if (!p.roles.some((r) => roles.includes(r) || r === 'admin')) {
    throw forbidden(`this action needs one of the roles: ${roles.join(', ')}`);
  }
  return p;
}
