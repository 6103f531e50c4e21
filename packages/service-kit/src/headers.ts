import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The docs UI loads its own scripts and styles; everything else is data and frames nothing. */
const isDocs = (request: FastifyRequest) => {
  const path = request.url.split('?')[0] ?? '';
  return path === '/docs' || path.startsWith('/docs/');
};

/** Sent over TLS only (RFC 6797): two years, subdomains included. */
export const HSTS = 'max-age=63072000; includeSubDomains';

/**
 * Security headers on every response (issue 14, hardening), as one onSend hook rather than a
 * dependency: the API needs five fixed headers and one exception (the docs UI), no per-route policy.
 * - `X-Content-Type-Options: nosniff` everywhere.
 * - `Cache-Control: no-store` on every answer but the docs UI: API answers hold personal records, and a
 *   shared or browser cache must not keep them.
 * - `Strict-Transport-Security` when the request came over TLS: `request.protocol` is https directly, or
 *   by `X-Forwarded-Proto` from a proxy the app trusts (`trustProxy`).
 * - `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'` except on /docs, whose page
 *   needs its scripts (it gets `frame-ancestors 'none'` only); `X-Frame-Options: DENY` and
 *   `Referrer-Policy: no-referrer` everywhere.
 */
export function securityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    withSecurityHeaders(request, reply);
    return payload;
  });
}

/** The headers above on one reply; also for answers given before any route or hook runs. */
export function withSecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-content-type-options', 'nosniff');
  if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
  // nothing frames the docs UI either: a token is pasted there
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'no-referrer');
  if (isDocs(request)) {
    reply.header('content-security-policy', "frame-ancestors 'none'");
    return;
  }
  reply.header('cache-control', 'no-store');
  reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
}
