/**
 * The expected version of a stream did not match: somebody else wrote first (HTTP 409 / 412). Or it
 * did, but a transaction younger than the appending one appended to the stream since (`younger`): the
 * append would have put its events before theirs in the log. Either way the unit of work is tried again
 * in a new transaction.
 */
export class ConcurrencyError extends Error {
  readonly code = 'STALE_VERSION';
  override readonly name = 'ConcurrencyError';
  constructor(
    readonly streamId: string,
    readonly expected: string,
    readonly actual: number | undefined,
    readonly younger = false,
  ) {
    super(
      younger
        ? `stream ${streamId} was appended to by a younger transaction; try again in a new one`
        : `stream ${streamId} is at version ${actual ?? 'none'}, expected ${expected}`,
    );
  }
}

/** PostgreSQL aborted the transaction to break a deadlock (SQLSTATE 40P01): trying again is safe. */
export const isDeadlock = (e: unknown): boolean => (e as { code?: unknown } | null)?.code === '40P01';

/** SQLSTATE classes and codes that say nothing about the work itself: trying again later is right. */
const TRANSIENT_CODES = new Set([
  '40P01',
  '40001',
  '55P03',
  '57014',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '53400',
]);
const TRANSIENT_NODE = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/**
 * A failure of the path, not of the work: a lost or refused connection, a deadlock, a serialization
 * failure, an append refused for its order, a server shutting down. A follower retries these without
 * counting them against an event.
 */
export function isTransient(e: unknown): boolean {
  // refused for its order alone (ConcurrencyError's `younger`): a new transaction goes through
  if (e instanceof ConcurrencyError && e.younger) return true;
  const err = (e ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  if (TRANSIENT_CODES.has(code) || code.startsWith('08') || TRANSIENT_NODE.has(code)) return true;
  const message = typeof err.message === 'string' ? err.message : '';
  // node-postgres reports a dropped connection without a code
  return /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect/i.test(
    message,
  );
}
