/**
 * A refusal by domain logic, thrown by deciders with a stable code. `conflict` is a clash with the
 * current state (HTTP 409); `rule` is a business rule the request breaks (HTTP 422).
 */
export class DomainError extends Error {
  constructor(
    readonly kind: 'conflict' | 'rule',
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
