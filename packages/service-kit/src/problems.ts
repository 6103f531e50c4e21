import { PROBLEM_BASE } from '@casework/contracts';

/**
 * A failure that the edge turns into problem+json. Domain code throws these (or subclasses) with a
 * stable `code`; the status is decided here, once, not in each route.
 */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
    this.name = 'ProblemError';
  }
}

export const problemType = (code: string) => `${PROBLEM_BASE}${code.toLowerCase().replace(/_/g, '-')}`;

export const unauthorized = (detail = 'a valid bearer token is required') =>
  new ProblemError(401, 'UNAUTHORIZED', 'Unauthorized', detail);
export const forbidden = (detail: string) => new ProblemError(403, 'FORBIDDEN', 'Forbidden', detail);
export const notFound = (what: string) =>
  new ProblemError(404, 'NOT_FOUND', 'Not found', `${what} was not found`);
export const conflict = (code: string, detail: string, extra?: Record<string, unknown>) =>
  new ProblemError(409, code, 'Conflict', detail, extra);
export const ruleViolated = (code: string, detail: string, extra?: Record<string, unknown>) =>
  new ProblemError(422, code, 'Business rule violated', detail, extra);
export const badRequest = (field: string, message: string) =>
  new ProblemError(400, 'VALIDATION', 'Invalid request', `${field}: ${message}`, {
    errors: [{ field, message }],
  });
