import type { components } from './schema.js';

/** An RFC 9457 problem as the API sends it (`application/problem+json`). */
export type Problem = components['schemas']['Problem'];

/**
 * A request the API refused or failed: the problem it answered with, typed. `code` is the stable
 * machine-readable reason (`CLIENT_ALREADY_REGISTERED`, `PERIOD_CLOSED`, …), `errors` names each invalid
 * field of a 400.
 */
export class CaseworkProblem extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly code: string | undefined;
  readonly detail: string | undefined;
  readonly errors: { field: string; message: string }[];

  constructor(
    readonly problem: Problem,
    readonly response: Response,
  ) {
    super(`${problem.status} ${problem.title}${problem.detail ? `: ${problem.detail}` : ''}`);
    this.name = 'CaseworkProblem';
    this.status = problem.status;
    this.type = problem.type;
    this.title = problem.title;
    this.code = problem.code;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
  }

  /**
   * The problem in a refused response. An answer that is not problem+json (a proxy's 502 page) becomes
   * one of `about:blank` with its status, so every failure is caught the same way.
   */
  static async from(response: Response): Promise<CaseworkProblem> {
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {}
    const problem =
      isProblem(body) && body.status === response.status
        ? body
        : {
            type: 'about:blank',
            title: response.statusText || `HTTP ${response.status}`,
            status: response.status,
          };
    return new CaseworkProblem(problem, response);
  }
}

const isProblem = (body: unknown): body is Problem =>
  typeof body === 'object' &&
  body !== null &&
  typeof (body as Problem).type === 'string' &&
  typeof (body as Problem).title === 'string' &&
  typeof (body as Problem).status === 'number';
