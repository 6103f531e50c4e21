import type { FastifyRequest } from 'fastify';
import {
  createRemoteJWKSet,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  jwtVerify,
  SignJWT,
} from 'jose';
import { LRUCache } from 'lru-cache';
import { Principal, type Role } from './principal.js';
import { forbidden, unauthorized } from './problems.js';
import { scopeMismatch } from './scope.js';

/** Defaults of the token rules; the platform's configuration (AUTH_*) overrides each. */
export const ISSUER = 'casework';
export const AUDIENCE = 'casework-api';
export const JWKS_ALGORITHMS = ['RS256', 'ES256'] as const;
export const MAX_TOKEN_LIFETIME_S = 12 * 3600;
export const CLOCK_SKEW_S = 60;

export type AuthConfig = {
  /** HS256 key of locally signed tokens (embedded mode, tests). */
  signingKey?: string;
  /** JWKS of the identity provider; when set, only its keys are trusted. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Algorithms accepted from the JWKS (default RS256, ES256); the local key accepts HS256 only. */
  jwksAlgorithms?: readonly string[];
  /** Longest life a token may have, `exp − iat`, in seconds (default 12 h). */
  maxTokenLifetime?: number;
  /** Clock skew allowed on `exp`, `nbf` and `iat`, in seconds (default 60). */
  clockSkew?: number;
};

/** Why a bearer token was refused; the detail of the 401 (it only ever describes the caller's own token). */
export class TokenRejected extends Error {
  override name = 'TokenRejected';
}

export type Verifier = (token: string) => Promise<Principal>;

/**
 * Verifies bearer tokens (DESIGN §6): signature with a pinned algorithm, issuer and audience, `exp`,
 * `iat` and `sub` present, a bounded lifetime, `iat` not in the future beyond the clock skew, and roles
 * whose scope claims fit them (see scopeMismatch).
 */
export function createVerifier(config: AuthConfig): Verifier {
  if (!config.jwksUrl && !config.signingKey) throw new Error('AUTH_SIGNING_KEY or AUTH_JWKS_URL must be set');
  const key: Uint8Array | JWTVerifyGetKey = config.jwksUrl
    ? createRemoteJWKSet(new URL(config.jwksUrl))
    : new TextEncoder().encode(config.signingKey);
  const maxLifetime = config.maxTokenLifetime ?? MAX_TOKEN_LIFETIME_S;
  const options: JWTVerifyOptions = {
    issuer: config.issuer ?? ISSUER,
    audience: config.audience ?? AUDIENCE,
    algorithms: config.jwksUrl ? [...(config.jwksAlgorithms ?? JWKS_ALGORITHMS)] : ['HS256'],
    requiredClaims: ['exp', 'iat', 'sub'],
    maxTokenAge: maxLifetime,
    clockTolerance: config.clockSkew ?? CLOCK_SKEW_S,
  };
  // a token is verified once and then remembered until its own exp (never longer): a busy client sends
  // the same token with every request, and the signature check dominates the cost of a cheap request
  const verified = new LRUCache<string, Principal>({ max: 10_000 });
  return async (token) => {
    const known = verified.get(token);
    if (known) return known;
    const payload = await verifyJwt(token, key, options);
    const exp = payload.exp!;
    const iat = payload.iat!;
    if (exp - iat > maxLifetime) {
      throw new TokenRejected(`the token lives longer than the ${maxLifetime} s allowed (exp − iat)`);
    }
    const parsed = Principal.safeParse(payload);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? 'token')))];
      throw new TokenRejected(`the token's claims are invalid: ${fields.join(', ')}`);
    }
    const mismatch = scopeMismatch(parsed.data);
    if (mismatch) throw new TokenRejected(mismatch);
    const ttl = Math.floor(exp * 1000 - Date.now());
    if (ttl > 0) verified.set(token, parsed.data, { ttl });
    return parsed.data;
  };
}

async function verifyJwt(
  token: string,
  key: Uint8Array | JWTVerifyGetKey,
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, key as Uint8Array, options);
    return payload;
  } catch (e) {
    if (e instanceof errors.JWTExpired) throw new TokenRejected('the token has expired');
    if (e instanceof errors.JWTClaimValidationFailed || e instanceof errors.JOSEAlgNotAllowed) {
      throw new TokenRejected(`the token was refused: ${e.message}`);
    }
    throw new TokenRejected('the bearer token is invalid');
  }
}

/** Signs a token with the local key (embedded mode, tests, the mint-token command). */
export async function mintToken(
  signingKey: string,
  principal: Principal,
  options: { expiresIn?: string | number; issuer?: string; audience?: string } = {},
): Promise<string> {
  return new SignJWT({ ...principal })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setSubject(principal.sub)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '8h')
    .sign(new TextEncoder().encode(signingKey));
}

/** Signs short-lived tokens for integrators' client credentials (`integrators/credentials.ts`). */
export type TokenIssuer = {
  /** The longest life a token may be given: what the verifier accepts. */
  maxLifetime: number;
  issue: (principal: Principal, lifetimeSeconds: number) => Promise<string>;
};

/**
 * The platform's own token issuer, when it verifies tokens with its own key; none beside an identity
 * provider (AUTH_JWKS_URL), which then issues integrators' tokens itself (its client credentials grant).
 */
export function localIssuer(config: AuthConfig): TokenIssuer | undefined {
  const key = config.signingKey;
  if (config.jwksUrl || !key) return undefined;
  const options = {
    ...(config.issuer ? { issuer: config.issuer } : {}),
    ...(config.audience ? { audience: config.audience } : {}),
  };
  return {
    maxLifetime: config.maxTokenLifetime ?? MAX_TOKEN_LIFETIME_S,
    issue: (principal, lifetimeSeconds) =>
      mintToken(key, principal, { ...options, expiresIn: `${lifetimeSeconds}s` }),
  };
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
