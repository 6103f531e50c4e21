import { ConcurrencyError, isDeadlock, type Tx } from '@casework/eventstore';
import type { ServiceContext } from './serviceModule.js';

/** How many times a unit of work is tried before its failure is its caller's. */
const ATTEMPTS = 5;

/**
 * A failure worth deciding again on fresh state: an append that lost a race (its stream moved since it
 * was read), or a deadlock PostgreSQL broke by aborting this transaction.
 */
export const isRetryable = (e: unknown): boolean => e instanceof ConcurrencyError || isDeadlock(e);

/**
 * Runs a unit of work (load, decide, append) again while it fails retryably, a few times: each attempt
 * reads what the winner wrote and decides again. `attempt` starts its own transaction, if any.
 */
export async function retrying<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (!isRetryable(e) || n >= ATTEMPTS) throw e;
    }
  }
}

/**
 * Runs `work` in a transaction of its own, and in a new one when it lost a race or a deadlock (see
 * `retrying`). `committed` is told of the transaction that committed, after its commit.
 */
export function inTransaction<T>(
  ctx: ServiceContext,
  work: (tx: Tx) => Promise<T>,
  committed?: (tx: Tx) => void,
): Promise<T> {
  return retrying(async () => {
    let held: Tx | undefined;
    const result = await ctx.store.db.transaction().execute((tx) => {
      held = tx;
      return work(tx);
    });
    committed?.(held!);
    return result;
  });
}
