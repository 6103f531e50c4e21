import { findDirectoryEntry } from '@casework/client-directory';
import {
  addMonths,
  breaksRule,
  type ClientDirectoryEntry,
  type DomainEvent,
  type LocalDate,
  missing,
  type ServiceTypeCode,
} from '@casework/contracts';
import type { Executor, Tx } from '@casework/eventstore';
import { placementParameters, serviceType } from '@casework/reference-data';
import { appendOf, type Cause, loadAggregate, type ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import {
  type ClientPlacements,
  type PlacementCommand,
  type PlacementEvent,
  placementDecider,
} from '../domain/clientPlacements.js';
import { entryDecider } from '../domain/entry.js';
import { type Site, type SiteCommand, type SiteEvent, siteDecider } from '../domain/site.js';
import { decideIn } from './decideIn.js';
import { removeEntries } from './entries.js';
import { withSiteLocksOnRead } from './locks.js';
import { entryOfOffer } from './lookups.js';
import { decidedSite, type LoadedSite, loadSitesWith } from './siteState.js';
import { definitions, entryStream, placementStream } from './streams.js';

// What every stay command shares: loading the sites and the client's placements once, deciding and
// appending them together, and the rules an admission (a transfer's too) must satisfy.

export type Loaded<S> = { streamId: string; state: S; version: number };

/**
 * The sites (in the order named), each open, and the client's placements, in one statement. After rules
 * that may decide a site in the same transaction, take each site `asDecidedIn` it.
 */
export async function load(
  ctx: ServiceContext,
  tx: Executor,
  siteIds: string[],
  clientId: string,
  locks: readonly string[] = [],
) {
  const { sites, others } = await loadSitesWith(ctx, tx, siteIds, [placementStream(clientId)], locks);
  for (const s of sites) if (!s.state.opened) throw missing('the site');
  const client = others.get(placementStream(clientId))!;
  const state = client.events.reduce(
    (st, e) => placementDecider.evolve(st, { type: e.type, data: e.data } as PlacementEvent),
    placementDecider.initialState,
  );
  return { sites, client: { streamId: placementStream(clientId), state, version: client.version } };
}

/**
 * A command's unit of work over sites and a client's placements: its locks (as `withSiteLocks`) taken by
 * the statement that loads them (`load`), one round trip for both, and `work` run on what it loaded.
 */
export const withLoaded = <T>(
  ctx: ServiceContext,
  locks: { sites: string[]; clients: string[] },
  loading: { siteIds: string[]; clientId: string },
  work: (tx: Tx, loaded: Awaited<ReturnType<typeof load>>) => Promise<T>,
): Promise<T> =>
  withSiteLocksOnRead(ctx, locks, async (tx, keys) =>
    work(tx, await load(ctx, tx, loading.siteIds, loading.clientId, keys)),
  );

/** Decides each aggregate's command and appends every stream with the version it was read at. */
export async function commit(
  ctx: ServiceContext,
  tx: Tx,
  cause: Cause,
  client: Loaded<ClientPlacements> & { command: PlacementCommand },
  sites: (LoadedSite & { command: SiteCommand })[],
) {
  const siteEvents = sites.map((s) => siteDecider.decide(s.command, s.state));
  const clientEvents = placementDecider.decide(client.command, client.state);
  const streams = [
    { ...client, streamType: 'placements', events: clientEvents as DomainEvent[] },
    ...sites.map((s, i) => ({
      ...s,
      streamType: 'site',
      events: siteEvents[i] as SiteEvent[] as DomainEvent[],
    })),
  ].filter((s) => s.events.length > 0);
  if (streams.length > 0)
    await ctx.store.append(
      streams.map((s) => appendOf(ctx, s, s.events, definitions, cause)),
      tx,
    );
  for (const [i, s] of sites.entries()) {
    const events = siteEvents[i]!;
    await decidedSite(ctx, tx, s, events.reduce(siteDecider.evolve, s.state), s.version + events.length);
  }
  return {
    state: clientEvents.reduce(placementDecider.evolve, client.state),
    version: client.version + clientEvents.length,
    events: clientEvents as PlacementEvent[],
  };
}

/** The place a site offers: its service type's kind comes from the catalogue. */
export const placeAt = (site: Site, placementId: string) => {
  const o = site.opened!;
  return {
    placementId,
    siteId: o.siteId,
    serviceType: o.serviceType,
    kind: serviceType(o.serviceType).kind,
    municipality: o.municipality,
  };
};

/** The end of a new stay's fixed term by default: special-status tenancies and residential care. */
export function defaultTerms(type: ServiceTypeCode, municipality: string, on: LocalDate) {
  const months = termMonths(type, placementParameters(municipality, on));
  if (months !== undefined) return { termEnd: addMonths(on, months) };
  if (serviceType(type).kind === 'day') return { weekdays: [1, 2, 3, 4, 5] };
  return {};
}

/** The months of a fixed term (a first one or a renewal): special-status tenancies and residential care. */
export function termMonths(type: ServiceTypeCode, p: ReturnType<typeof placementParameters>) {
  if (type === 'social_housing_special_status') return p.specialStatusTenancyMonths;
  if (serviceType(type).kind === 'residential') return p.residentialTermMonths;
  return undefined;
}

/** The client may be placed on the date; `known`: their directory entry, as the caller read it already. */
export async function assertPlaceable(
  ctx: ServiceContext,
  clientId: string,
  on: LocalDate,
  known?: ClientDirectoryEntry,
) {
  const client = known?.clientId === clientId ? known : await findDirectoryEntry(ctx, clientId);
  if (!client) throw missing('the client');
  if (client.mergedInto) throw breaksRule('CLIENT_MERGED', 'the record was merged into another client');
  if (client.diedOn && client.diedOn <= on) throw breaksRule('CLIENT_DIED', 'the client has died');
}

/**
 * A valid determination for the service type on the date, with the outcome eligible in effect; read
 * with the client's applications for it (those an admission takes off the list), in one statement.
 */
async function assertEligible(ctx: ServiceContext, tx: Tx, clientId: string, type: string, on: LocalDate) {
  const s = (table: string) => sql.id(ctx.store.schema, table);
  const { rows } = await ctx.store.prepared(
    sql<{ outcome: string | null; valid_until: string | null; applications: string[] }>`SELECT e.outcome,
      e.valid_until::text, ARRAY(SELECT a.application_id::text FROM ${s('applications')} a
        WHERE a.client_id = ${clientId}::uuid AND a.service_type = ${type}) AS applications
    FROM (VALUES (1)) AS one(n)
    LEFT JOIN ${s('eligibility')} e ON e.client_id = ${clientId}::uuid AND e.service_type = ${type}`,
    tx,
  );
  const e = rows[0]!;
  if (e.outcome === null) throw breaksRule('NOT_ELIGIBLE', `no eligibility determination for ${type}`);
  if (e.outcome !== 'eligible')
    throw breaksRule('NOT_ELIGIBLE', `the determination for ${type} is ${e.outcome}`);
  if (e.valid_until! < on)
    throw breaksRule('NOT_ELIGIBLE', `the determination for ${type} held until ${e.valid_until}`, {
      validUntil: e.valid_until,
    });
  return { applications: e.applications };
}

/**
 * What any admission (a transfer's too) must satisfy beyond the site's vacancy: a valid determination
 * for the service type on the date, and the accepted offer it takes up, if any (which takes the entry
 * off the waiting list).
 */
export async function admissionRules(
  ctx: ServiceContext,
  tx: Tx,
  a: { clientId: string; siteId: string; serviceType: string; on: LocalDate; offerId?: string | undefined },
  cause: Cause,
) {
  const { applications } = await assertEligible(ctx, tx, a.clientId, a.serviceType, a.on);
  if (!a.offerId) {
    // placed without an offer (an emergency, a transfer): off the list of that service type all the same
    await removeEntries(ctx, tx, a, { on: a.on, reason: 'admitted' }, cause, {
      clientLocked: true,
      applications,
    });
    return;
  }
  const entryId = await entryOfOffer(ctx, tx, a.offerId);
  await decideIn(
    ctx,
    tx,
    { streamId: entryStream(entryId), streamType: 'entry' },
    entryDecider,
    { type: 'TakeUp', offerId: a.offerId, clientId: a.clientId, siteId: a.siteId, on: a.on },
    cause,
  );
}

export const loadPlacements = (ctx: ServiceContext, clientId: string, ex?: Executor) =>
  loadAggregate(ctx, placementStream(clientId), placementDecider, ex);

/** The site of one of the client's stays, as the client's stream records it. */
export async function siteOfStay(ctx: ServiceContext, clientId: string, placementId: string, ex?: Executor) {
  const stay = (await loadPlacements(ctx, clientId, ex)).state.stays.get(placementId);
  if (!stay) throw missing('the placement');
  return stay.siteId;
}
