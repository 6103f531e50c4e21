/** The expected version of a stream did not match: somebody else wrote first (HTTP 409 / 412). */
export class ConcurrencyError extends Error {
  readonly code = 'STALE_VERSION';
  override readonly name = 'ConcurrencyError';
  constructor(
    readonly streamId: string,
    readonly expected: string,
    readonly actual: number | undefined,
  ) {
    super(`stream ${streamId} is at version ${actual ?? 'none'}, expected ${expected}`);
  }
}
