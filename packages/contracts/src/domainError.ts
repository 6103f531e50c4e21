/**
 * A refusal by domain or application logic, with a stable code. `conflict` is a clash with the current
 * state (HTTP 409); `rule` is a business rule the request breaks (HTTP 422); `missing` is a thing named
 * that does not exist, or not for the caller (HTTP 404); `stale` is a decision asked on a version that
 * is no longer the current one (HTTP 412).
 */
export class DomainError extends Error {
  constructor(
    readonly kind: 'conflict' | 'rule' | 'missing' | 'stale',
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const conflictWith = (code: string, message: string, extra?: Record<string, unknown>) =>
  new DomainError('conflict', code, message, extra);
export const breaksRule = (code: string, message: string, extra?: Record<string, unknown>) =>
  new DomainError('rule', code, message, extra);
/** What was named does not exist (or not within the caller's reach, which reads the same). */
export const missing = (what: string) => new DomainError('missing', 'NOT_FOUND', `${what} was not found`);
/** The version the caller decided on (If-Match) is no longer the current one. */
export const staleVersion = () =>
  new DomainError('stale', 'PRECONDITION_FAILED', 'the resource changed since the version given in If-Match');
