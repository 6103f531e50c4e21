import { ConcurrencyError, isDeadlock, type Tx } from '@casework/eventstore';
import type { ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import { siteStream } from './streams.js';

/**
 * One unit of work over site ledgers and a client's placements, in a transaction of its own or inside
 * one a consumer holds. It first takes each site's ledger lock (in a fixed order, so two transfers
 * never deadlock), so contending admissions queue and each sees the true vacancies instead of failing
 * on a stale version; the client's stream stays optimistic and a lost race is decided again.
 */
export async function withLedgers<T>(
  ctx: ServiceContext,
  siteIds: string[],
  work: (tx: Tx) => Promise<T>,
  within?: Tx,
): Promise<T> {
  const locks = [...new Set(siteIds.map(siteStream))].sort();
  const locked = async (tx: Tx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(id, 0)) FROM unnest(${locks}::text[]) AS l(id)`.execute(
      tx,
    );
    return work(tx);
  };
  if (within) return locked(within);
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.store.db.transaction().execute(locked);
    } catch (e) {
      // a lost race, or a deadlock PostgreSQL broke: decided again on fresh state
      if (!(e instanceof ConcurrencyError || isDeadlock(e)) || attempt >= 5) throw e;
    }
  }
}
