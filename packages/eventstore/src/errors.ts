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

/** PostgreSQL aborted the transaction to break a deadlock (SQLSTATE 40P01): trying again is safe. */
export const isDeadlock = (e: unknown): boolean => (e as { code?: unknown } | null)?.code === '40P01';
