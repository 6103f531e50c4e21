import { findDirectoryEntry } from '@casework/client-directory';
import {
  addMonths,
  breaksRule,
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
  termsOf,
} from '../domain/clientPlacements.js';
import { type Site, type SiteCommand, type SiteEvent, siteDecider } from '../domain/site.js';
import { entryDecider } from '../domain/waitingEntry.js';
import { decideIn } from './decideIn.js';
import { withLedgers } from './ledgers.js';
import { clientOfPlacement, entryOfOffer, rememberPlacement } from './lookups.js';
import { decidedSite, type LoadedSite, loadSites, refreshSites } from './siteState.js';
import { definitions, entryStream, placementStream, siteStream } from './streams.js';
import { offerSitesOf, removeEntries } from './waitingList.js';

type Loaded<S> = { streamId: string; state: S; version: number };

/**
 * The sites (in the order named) and the client's placements; a site loaded earlier in the transaction
 * (`known`) is only brought up to date, in the statement that reads the client's stream.
 */
async function load(
  ctx: ServiceContext,
  tx: Executor,
  siteIds: string[],
  clientId: string,
  known: readonly LoadedSite[] = [],
) {
  const unknown = siteIds.filter((id) => !known.some((k) => k.streamId === siteStream(id)));
  const loaded = await loadSites(ctx, tx, unknown);
  const [refreshed, client] = await refreshSites(ctx, tx, known, placementStream(clientId));
  const all = [...loaded, ...refreshed];
  const sites = siteIds.map((id) => all.find((s) => s.streamId === siteStream(id))!);
  for (const s of sites) if (!s.state.opened) throw missing('the site');
  const state = client.events.reduce(
    (st, e) => placementDecider.evolve(st, { type: e.type, data: e.data } as PlacementEvent),
    placementDecider.initialState,
  );
  return { sites, client: { streamId: placementStream(clientId), state, version: client.version } };
}

/** Decides each aggregate's command and appends every stream with the version it was read at. */
async function commit(
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
const placeAt = (site: Site, placementId: string) => {
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
function defaultTerms(type: ServiceTypeCode, municipality: string, on: LocalDate) {
  const months = termMonths(type, placementParameters(municipality, on));
  if (months !== undefined) return { termEnd: addMonths(on, months) };
  if (serviceType(type).kind === 'day') return { weekdays: [1, 2, 3, 4, 5] };
  return {};
}

/** The months of a fixed term (a first one or a renewal): special-status tenancies and residential care. */
function termMonths(type: ServiceTypeCode, p: ReturnType<typeof placementParameters>) {
  if (type === 'social_housing_special_status') return p.specialStatusTenancyMonths;
  if (serviceType(type).kind === 'residential') return p.residentialTermMonths;
  return undefined;
}

async function assertPlaceable(ctx: ServiceContext, clientId: string, on: LocalDate) {
  const client = await findDirectoryEntry(ctx, clientId);
  if (!client) throw missing('the client');
  if (client.mergedInto) throw breaksRule('CLIENT_MERGED', 'the record was merged into another client');
  if (client.diedOn && client.diedOn <= on) throw breaksRule('CLIENT_DIED', 'the client has died');
}

export type AdmitInput = {
  clientId: string;
  siteId: string;
  on: LocalDate;
  termEnd?: LocalDate | undefined;
  weekdays?: number[] | undefined;
  respite?: true | undefined;
  basis:
    | { kind: 'offer'; offerId: string }
    | { kind: 'emergency'; justification: string; supervisor: string };
};

/** A valid determination for the service type on the date, with the outcome eligible in effect. */
async function assertEligible(ctx: ServiceContext, tx: Tx, clientId: string, type: string, on: LocalDate) {
  const { rows } = await sql<{ outcome: string; valid_until: string }>`SELECT outcome, valid_until::text
    FROM ${sql.id(ctx.store.schema, 'eligibility')}
    WHERE client_id = ${clientId}::uuid AND service_type = ${type}`.execute(tx);
  const e = rows[0];
  if (!e) throw breaksRule('NOT_ELIGIBLE', `no eligibility determination for ${type}`);
  if (e.outcome !== 'eligible')
    throw breaksRule('NOT_ELIGIBLE', `the determination for ${type} is ${e.outcome}`);
  if (e.valid_until < on)
    throw breaksRule('NOT_ELIGIBLE', `the determination for ${type} held until ${e.valid_until}`, {
      validUntil: e.valid_until,
    });
}

/** A site that is open, with its service type, loaded once for the rules and the decision after them. */
async function openSite(ctx: ServiceContext, tx: Tx, siteId: string) {
  const [site] = await loadSites(ctx, tx, [siteId]);
  if (!site?.state.opened) throw missing('the site');
  return { site, serviceType: site.state.opened.serviceType };
}

/**
 * What any admission (a transfer's too) must satisfy beyond the site's vacancy: a valid determination
 * for the service type on the date, and the accepted offer it takes up, if any (which takes the entry
 * off the waiting list).
 */
async function admissionRules(
  ctx: ServiceContext,
  tx: Tx,
  a: { clientId: string; siteId: string; serviceType: string; on: LocalDate; offerId?: string | undefined },
  cause: Cause,
) {
  await assertEligible(ctx, tx, a.clientId, a.serviceType, a.on);
  if (!a.offerId) {
    // placed without an offer (an emergency, a transfer): off the list of that service type all the same
    await removeEntries(ctx, tx, a, { on: a.on, reason: 'admitted' }, cause, { clientLocked: true });
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

/**
 * Admits a client: a place in the site's ledger and a stay in the client's placements, together; an
 * admission on an accepted offer also takes the entry off the waiting list.
 */
export async function admit(ctx: ServiceContext, input: AdmitInput, cause: Cause) {
  await assertPlaceable(ctx, input.clientId, input.on);
  const placementId = ctx.newId();
  const offerId = input.basis.kind === 'offer' ? input.basis.offerId : undefined;
  const held = await offerSitesOf(ctx, input.clientId);
  return withLedgers(ctx, { sites: [input.siteId, ...held], clients: [input.clientId] }, async (tx) => {
    const { site: before, serviceType } = await openSite(ctx, tx, input.siteId);
    await admissionRules(ctx, tx, { ...input, serviceType, offerId }, cause);
    // brought up to date after the rules: taking the person off the list may have freed a place held
    // for them here
    const { sites, client } = await load(ctx, tx, [input.siteId], input.clientId, [before]);
    const site = sites[0]!;
    const place = placeAt(site.state, placementId);
    // a respite stay ends when its caller says, within the yearly limit; others take the default term
    const terms = {
      ...(input.respite ? {} : defaultTerms(place.serviceType, place.municipality, input.on)),
      ...termsOf(input),
    };
    const respite = input.respite
      ? { daysPerYear: placementParameters(place.municipality, input.on).respiteDaysPerYear }
      : undefined;
    const emergency =
      input.basis.kind === 'emergency'
        ? { justification: input.basis.justification, supervisor: input.basis.supervisor }
        : undefined;
    const result = await commit(
      ctx,
      tx,
      cause,
      {
        ...client,
        command: {
          type: 'Admit',
          clientId: input.clientId,
          place,
          on: input.on,
          ...terms,
          basis: input.basis.kind,
          offerId,
          emergency,
          respite,
        },
      },
      [
        {
          ...site,
          command: { type: 'TakePlace', placementId, clientId: input.clientId, from: input.on, offerId },
        },
      ],
    );
    await rememberPlacement(ctx, tx, placementId, input.clientId);
    return { placementId, ...result };
  });
}

export type TransferInput = {
  placementId: string;
  toSiteId: string;
  on: LocalDate;
  termEnd?: LocalDate | undefined;
  weekdays?: number[] | undefined;
  /** The accepted offer of the target site that the move takes up, if it came through the waiting list. */
  offerId?: string | undefined;
};

/**
 * Moves a client from one site to another on a date in one transaction: the first site's place is free
 * from that day, the second's taken from it, and the client's stay changes, or nothing changes at all.
 */
export async function transfer(ctx: ServiceContext, input: TransferInput, cause: Cause) {
  const clientId = await clientOfPlacement(ctx, input.placementId);
  await assertPlaceable(ctx, clientId, input.on);
  const placementId = ctx.newId();
  const fromSiteId = await siteOfStay(ctx, clientId, input.placementId);
  const held = await offerSitesOf(ctx, clientId);
  return withLedgers(
    ctx,
    { sites: [fromSiteId, input.toSiteId, ...held], clients: [clientId] },
    async (tx) => {
      const { offerId } = input;
      const { site: target, serviceType } = await openSite(ctx, tx, input.toSiteId);
      await admissionRules(
        ctx,
        tx,
        { clientId, siteId: input.toSiteId, serviceType, on: input.on, offerId },
        cause,
      );
      const { sites, client } = await load(ctx, tx, [fromSiteId, input.toSiteId], clientId, [target]);
      const [from, to] = sites as [LoadedSite, LoadedSite];
      const place = placeAt(to.state, placementId);
      const terms = { ...defaultTerms(place.serviceType, place.municipality, input.on), ...termsOf(input) };
      const result = await commit(
        ctx,
        tx,
        cause,
        {
          ...client,
          command: { type: 'Transfer', clientId, from: input.placementId, to: place, on: input.on, ...terms },
        },
        [
          { ...to, command: { type: 'TakePlace', placementId, clientId, from: input.on, offerId } },
          { ...from, command: { type: 'ReleasePlace', placementId: input.placementId, on: input.on } },
        ],
      );
      await rememberPlacement(ctx, tx, placementId, clientId);
      return { placementId, ...result };
    },
  );
}

export const loadPlacements = (ctx: ServiceContext, clientId: string, ex?: Executor) =>
  loadAggregate(ctx, placementStream(clientId), placementDecider, ex);

/** The site of one of the client's stays, as the client's stream records it. */
async function siteOfStay(ctx: ServiceContext, clientId: string, placementId: string, ex?: Executor) {
  const stay = (await loadPlacements(ctx, clientId, ex)).state.stays.get(placementId);
  if (!stay) throw missing('the placement');
  return stay.siteId;
}

export type DischargeInput = {
  placementId: string;
  on: LocalDate;
  reason: Extract<PlacementCommand, { type: 'Discharge' }>['reason'];
  destination: Extract<PlacementCommand, { type: 'Discharge' }>['destination'];
};

/** Ends a stay on a date (possibly in the past): the place is free from that day on. */
export async function discharge(ctx: ServiceContext, input: DischargeInput, cause: Cause, within?: Tx) {
  const clientId = await clientOfPlacement(ctx, input.placementId, within);
  const siteId = await siteOfStay(ctx, clientId, input.placementId, within);
  return withLedgers(
    ctx,
    [siteId],
    async (tx) => {
      const { sites, client } = await load(ctx, tx, [siteId], clientId);
      const result = await commit(ctx, tx, cause, { ...client, command: { type: 'Discharge', ...input } }, [
        { ...sites[0]!, command: { type: 'ReleasePlace', placementId: input.placementId, on: input.on } },
      ]);
      return { placementId: input.placementId, ...result };
    },
    within,
  );
}

export type RenewInput = { placementId: string; reviewedOn: LocalDate; termEnd?: LocalDate | undefined };

/**
 * Renews a residential stay's fixed term after a review: by default for the term in force for its
 * service type, from the end of the old one; social housing with special status a limited number of times.
 */
export async function renew(ctx: ServiceContext, input: RenewInput, cause: Cause) {
  const clientId = await clientOfPlacement(ctx, input.placementId);
  const result = await ctx.store.transaction((tx) =>
    decideIn(
      ctx,
      tx,
      { streamId: placementStream(clientId), streamType: 'placements' },
      placementDecider,
      (state): PlacementCommand => {
        const stay = state.stays.get(input.placementId);
        if (!stay) throw missing('the placement');
        const p = placementParameters(stay.municipality, input.reviewedOn);
        // a stay given a term its type has no default for is renewed for the residential one
        const months = termMonths(stay.serviceType, p) ?? p.residentialTermMonths;
        return {
          type: 'Renew',
          placementId: input.placementId,
          reviewedOn: input.reviewedOn,
          termEnd: input.termEnd ?? addMonths(stay.termEnd ?? input.reviewedOn, months),
          renewalsAllowed:
            stay.serviceType === 'social_housing_special_status' ? p.specialStatusRenewals : null,
        };
      },
      cause,
    ),
  );
  return { placementId: input.placementId, ...result };
}
