import type { Tx } from '@casework/eventstore';
import { inTransaction, type ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import { keepCommittedSites } from './siteState.js';
import { siteStream } from './streams.js';

/**
 * The lock a client's waiting-list entries are listed and taken off under (its open applications and
 * the outcome in effect arrive through two consumers, in two transactions): taken before any site's
 * lock, by everyone who takes both, so the two never wait on each other in a cycle.
 */
const clientLock = (ctx: ServiceContext, clientId: string) => `${ctx.store.schema}:listing:${clientId}`;

/** The keys' locks in their order, in one statement (prepared, the keys as JSON: see EventStore.prepared). */
async function lockAll(ctx: ServiceContext, tx: Tx, keys: string[]) {
  if (keys.length === 0) return;
  await ctx.store.prepared(
    sql`SELECT pg_advisory_xact_lock(hashtextextended(l.id, 0))
      FROM jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb) WITH ORDINALITY AS l(id, n) ORDER BY l.n`,
    tx,
  );
}

const clientKeys = (ctx: ServiceContext, clientIds: string[]) =>
  [...new Set(clientIds)].sort().map((c) => clientLock(ctx, c));
const siteKeys = (siteIds: string[]) => [...new Set(siteIds.map(siteStream))].sort();
/** A unit of work's lock keys in the order they are taken: clients' listing locks, then sites'. */
const keysOf = (ctx: ServiceContext, locks: { sites: string[]; clients: string[] }) => [
  ...clientKeys(ctx, locks.clients),
  ...siteKeys(locks.sites),
];
/** A transaction of its own, decided again on a lost race or a deadlock; its sites kept once committed. */
const ownTransaction = <T>(ctx: ServiceContext, work: (tx: Tx) => Promise<T>) =>
  inTransaction(ctx, work, (tx) => keepCommittedSites(ctx, tx));

/** Takes clients' listing locks (held to commit), in one sorted order. */
export const lockClients = (ctx: ServiceContext, tx: Tx, clientIds: string[]) =>
  lockAll(ctx, tx, clientKeys(ctx, clientIds));

/** Takes site locks (held to commit), in one sorted order. */
export const lockSites = (ctx: ServiceContext, tx: Tx, siteIds: string[]) =>
  lockAll(ctx, tx, siteKeys(siteIds));

/**
 * As `withSiteLocks` in a transaction of its own, the locks taken by `work`'s first statement instead of
 * one of their own: `work` is handed their keys for the read it starts with (EventStore.readStreams takes
 * them before it reads). Only through `withLoaded` (stays.ts), whose first statement is that read.
 */
export function withSiteLocksOnRead<T>(
  ctx: ServiceContext,
  locks: { sites: string[]; clients: string[] },
  work: (tx: Tx, keys: string[]) => Promise<T>,
): Promise<T> {
  const keys = keysOf(ctx, locks);
  return ownTransaction(ctx, (tx) => work(tx, keys));
}

/**
 * One unit of work over sites' places and a client's placements, in a transaction of its own or inside
 * one a consumer holds. It first takes each site's lock (in a fixed order, so two transfers
 * never deadlock), so contending admissions queue and each sees the true vacancies instead of failing
 * on a stale version; the client's stream stays optimistic and a lost race is decided again. Work that
 * may take a client off the waiting list names the client too: its listing lock is taken first.
 */
export async function withSiteLocks<T>(
  ctx: ServiceContext,
  locks: string[] | { sites: string[]; clients: string[] },
  work: (tx: Tx) => Promise<T>,
  within?: Tx,
): Promise<T> {
  const keys = keysOf(ctx, Array.isArray(locks) ? { sites: locks, clients: [] } : locks);
  const locked = async (tx: Tx) => {
    await lockAll(ctx, tx, keys); // in one statement
    return work(tx);
  };
  return within ? locked(within) : ownTransaction(ctx, locked);
}
