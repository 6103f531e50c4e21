import type { Executor, Tx } from '@casework/eventstore';
import { appendOf, type Cause, type ServiceContext } from '@casework/service-kit';
import {
  evolveAll,
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

export type LoadedSite = { streamId: string; state: Site; version: number; snapshotAt: number };

/**
 * Sites' states from their latest snapshots and the events after them: a busy site's ledger holds
 * thousands of places over the years, and an admission must not fold them all again.
 */
export async function loadSites(ctx: ServiceContext, ex: Executor, siteIds: readonly string[]) {
  const ids = siteIds.map(siteStream);
  const snapshots = await ctx.store.loadSnapshots(ids, SITE_CODEC, ex);
  const after = new Map([...snapshots].map(([id, s]) => [id, s.version]));
  const read = await ctx.store.readStreams(ids, ex, after);
  return siteIds.map((siteId): LoadedSite => {
    const streamId = siteStream(siteId);
    const snapshot = snapshots.get(streamId);
    const { events, version } = read.get(streamId)!;
    const state = evolveAll(
      snapshot ? siteFromJson(snapshot.state) : siteDecider.initialState,
      events.map((e) => ({ type: e.type, data: e.data }) as SiteEvent),
    );
    return {
      streamId,
      state,
      version: Math.max(version, snapshot?.version ?? 0),
      snapshotAt: snapshot?.version ?? 0,
    };
  });
}

/**
 * Sites loaded earlier in the transaction, brought up to date: the events appended since (by this
 * transaction's rules, or committed meanwhile by a site command that takes no ledger lock) are read
 * with the version in one statement and folded. A site that moved is loaded again from its snapshot
 * instead (rarely: the rules freed a place held there), as a snapshot may have been taken meanwhile.
 */
export async function refreshSites(
  ctx: ServiceContext,
  ex: Executor,
  known: readonly LoadedSite[],
): Promise<LoadedSite[]> {
  const read = await ctx.store.readStreams(
    known.map((s) => s.streamId),
    ex,
    new Map(known.map((s) => [s.streamId, s.version])),
  );
  const moved = known.filter((s) => read.get(s.streamId)!.events.length > 0);
  if (moved.length === 0) return [...known];
  const again = await loadSites(
    ctx,
    ex,
    moved.map((s) => s.state.opened!.siteId),
  );
  return known.map((s) => again.find((a) => a.streamId === s.streamId) ?? s);
}

/** Takes a snapshot when enough events have gathered since the last one (in the same transaction). */
export async function snapshotIfDue(
  ctx: ServiceContext,
  tx: Tx,
  site: LoadedSite,
  state: Site,
  version: number,
) {
  if (version - site.snapshotAt < SNAPSHOT_EVERY) return;
  await ctx.store.saveSnapshot(site.streamId, { version, codec: SITE_CODEC, state: siteToJson(state) }, tx);
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
  const state = events.reduce(siteDecider.evolve, site!.state);
  await snapshotIfDue(ctx, tx, site!, state, site!.version + events.length);
  return { state, version: site!.version + events.length, events };
}
