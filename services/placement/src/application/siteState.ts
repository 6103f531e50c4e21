import type { EventStore, Executor, RecordedEvent, Tx } from '@casework/eventstore';
import { appendOf, type Cause, type ServiceContext } from '@casework/service-kit';
import {
  SITE_CODEC,
  type Site,
  type SiteCommand,
  type SiteEvent,
  siteDecider,
  siteFromJson,
  siteToJson,
} from '../domain/site.js';
import { definitions, siteStream } from './streams.js';

/** How many events may follow a site's snapshot before a new one is taken. */
const SNAPSHOT_EVERY = 50;

/** How many sites' states an instance keeps between transactions (the busiest: the least used go). */
const CACHED_SITES = 256;

export type LoadedSite = { streamId: string; state: Site; version: number; snapshotAt: number };

/**
 * Sites' states as committed, kept between transactions by the event store they came from, each with
 * the version it folds every event up to: a load reads only the events after it. Only what a database
 * has committed goes in: a state read or decided in a transaction is staged there, and kept once that
 * transaction has committed (`keepCommittedSites`); one that rolls back leaves nothing behind.
 */
const committed = new WeakMap<EventStore, Map<string, LoadedSite>>();
const staged = new WeakMap<Executor, Map<string, LoadedSite>>();

const cacheOf = (ctx: ServiceContext) => {
  const cache = committed.get(ctx.store) ?? new Map<string, LoadedSite>();
  committed.set(ctx.store, cache);
  return cache;
};

function keep(cache: Map<string, LoadedSite>, site: LoadedSite) {
  const had = cache.get(site.streamId);
  if (had && had.version > site.version) return;
  cache.delete(site.streamId); // the latest used goes last: the first is the one to let go
  cache.set(site.streamId, site);
  if (cache.size > CACHED_SITES) cache.delete(cache.keys().next().value!);
}

/**
 * Notes a site's state as a transaction sees it, kept once it commits. A read outside a transaction
 * (someone browsing sites) keeps nothing: it would push the sites admissions use out of the cache.
 */
function noteSite(ex: Executor, site: LoadedSite) {
  if (!ex.isTransaction) return;
  const mine = staged.get(ex) ?? new Map<string, LoadedSite>();
  staged.set(ex, mine);
  if ((mine.get(site.streamId)?.version ?? -1) <= site.version) mine.set(site.streamId, site);
}

/** Keeps the sites a transaction read or decided, once it has committed. */
export function keepCommittedSites(ctx: ServiceContext, tx: Tx) {
  const mine = staged.get(tx);
  if (!mine) return;
  staged.delete(tx);
  const cache = cacheOf(ctx);
  for (const site of mine.values()) keep(cache, site);
}

/** A site's state as kept after a committed transaction, if this instance keeps one (no read). */
export const keptSite = (ctx: ServiceContext, siteId: string): LoadedSite | undefined =>
  cacheOf(ctx).get(siteStream(siteId));

/**
 * Sites' states: from the state kept after a committed transaction and the events since, else from their
 * latest snapshots and the events after them. A busy site's stream holds thousands of places over the
 * years, and an admission must neither fold them all again nor read them from its snapshot each time.
 */
export async function loadSites(
  ctx: ServiceContext,
  ex: Executor,
  siteIds: readonly string[],
): Promise<LoadedSite[]> {
  return (await loadSitesWith(ctx, ex, siteIds, [])).sites;
}

/**
 * Sites' states (as `loadSites`), and other streams read whole in the same statement (`also`): a
 * command's every stream in one round trip. `locks`: lock keys that statement takes before it reads
 * (see EventStore.readStreams); a site's snapshot is read before them (taken at a version, it never
 * changes), its events after them.
 */
export async function loadSitesWith(
  ctx: ServiceContext,
  ex: Executor,
  siteIds: readonly string[],
  also: readonly string[],
  locks: readonly string[] = [],
): Promise<{ sites: LoadedSite[]; others: Map<string, { version: number; events: RecordedEvent[] }> }> {
  if (siteIds.length === 0 && also.length === 0 && locks.length === 0)
    return { sites: [], others: new Map() };
  const ids = siteIds.map(siteStream);
  const cache = cacheOf(ctx);
  const kept = new Map(ids.flatMap((id) => (cache.has(id) ? [[id, cache.get(id)!] as const] : [])));
  const cold = ids.filter((id) => !kept.has(id));
  const snapshots = cold.length > 0 ? await ctx.store.loadSnapshots(cold, SITE_CODEC, ex) : new Map();
  const after = new Map([
    ...[...snapshots].map(([id, s]) => [id, s.version] as const),
    ...[...kept].map(([id, k]) => [id, k.version] as const),
  ]);
  const read = await ctx.store.readStreams([...ids, ...also], ex, after, locks);
  // a kept state ahead of the database (restored from a backup since): forget it and load afresh. One
  // whose stream has grown past it again since the restore cannot be told here: after restoring the
  // database, restart every instance (runbook)
  const ahead = [...kept.values()].filter((k) => read.get(k.streamId)!.version < k.version);
  if (ahead.length > 0) {
    for (const k of ahead) cache.delete(k.streamId);
    return loadSitesWith(ctx, ex, siteIds, also);
  }
  const sites = siteIds.map((siteId): LoadedSite => {
    const streamId = siteStream(siteId);
    const { events, version } = read.get(streamId)!;
    // the kept state may have moved on while the locks were awaited (the transactions ahead committed
    // here): the latest one the read covers is the base, with its own snapshot's version, so a queue of
    // admissions neither folds the events again nor takes one snapshot each of the same site
    const latest = cache.get(streamId);
    const covered = latest && latest.version >= (after.get(streamId) ?? 0) && latest.version <= version;
    const base = covered ? latest : kept.get(streamId);
    const snapshot = snapshots.get(streamId);
    const from = base?.version ?? snapshot?.version ?? 0;
    const state = events.reduce(
      (s, e) =>
        e.streamPosition > from ? siteDecider.evolve(s, { type: e.type, data: e.data } as SiteEvent) : s,
      base?.state ?? (snapshot ? siteFromJson(snapshot.state) : siteDecider.initialState),
    );
    const site = {
      streamId,
      state,
      version: Math.max(version, from),
      snapshotAt: Math.max(base?.snapshotAt ?? 0, snapshot?.version ?? 0),
    };
    noteSite(ex, site);
    return site;
  });
  return { sites, others: new Map(also.map((id) => [id, read.get(id)!])) };
}

/**
 * A site loaded earlier in the transaction, as the transaction has since decided it: the rules of an
 * admission may have freed a place held there (their events appended in this transaction). One moved
 * meanwhile by another transaction is caught by the append's expected version, and decided again.
 */
export function asDecidedIn(tx: Tx, site: LoadedSite): LoadedSite {
  const latest = staged.get(tx)?.get(site.streamId);
  return latest && latest.version > site.version ? latest : site;
}

/**
 * A site after its events were appended in the transaction: a snapshot taken when enough events have
 * gathered since the last one (in the same transaction), and the state noted for after the commit.
 */
export async function decidedSite(
  ctx: ServiceContext,
  tx: Tx,
  site: LoadedSite,
  state: Site,
  version: number,
): Promise<LoadedSite> {
  const due = version - site.snapshotAt >= SNAPSHOT_EVERY;
  if (due)
    await ctx.store.saveSnapshot(site.streamId, { version, codec: SITE_CODEC, state: siteToJson(state) }, tx);
  const after = { streamId: site.streamId, state, version, snapshotAt: due ? version : site.snapshotAt };
  noteSite(tx, after);
  return after;
}

/** Load → decide → append for one site inside a transaction someone else holds, snapshotting as it goes. */
export async function decideSite(
  ctx: ServiceContext,
  tx: Tx,
  siteId: string,
  command: SiteCommand,
  cause: Cause,
) {
  const [site] = await loadSites(ctx, tx, [siteId]);
  const events = siteDecider.decide(command, site!.state);
  if (events.length === 0) return { state: site!.state, version: site!.version, events };
  await ctx.store.append([appendOf(ctx, { ...site!, streamType: 'site' }, events, definitions, cause)], tx);
  const after = await decidedSite(
    ctx,
    tx,
    site!,
    events.reduce(siteDecider.evolve, site!.state),
    site!.version + events.length,
  );
  return { state: after.state, version: after.version, events };
}
