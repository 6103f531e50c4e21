import {
  addDays,
  type CrisisKind,
  conflictWith,
  type LocalDate,
  latest,
  missing,
  type ServiceTypeCode,
  sofiaDate,
} from '@casework/contracts';
import type { Executor, Tx } from '@casework/eventstore';
import { addWorkingDays, placementParameters } from '@casework/reference-data';
import { type Cause, loadAggregate, type ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import type { z } from 'zod';
import { rank, type Waiting } from '../domain/ranking.js';
import { type Entry, type EntryCommand, entryDecider } from '../domain/waitingEntry.js';
import { asKnown } from '../projections/knownAt.js';
import { decideIn } from './decideIn.js';
import { lockClients, lockSites, withLedgers } from './ledgers.js';
import { entryOfOffer } from './lookups.js';
import { decideSite, type LoadedSite, loadSites } from './siteState.js';
import { entryStream } from './streams.js';

const entryRef = (entryId: string) => ({ streamId: entryStream(entryId), streamType: 'entry' });

export const loadEntry = (ctx: ServiceContext, entryId: string, ex?: Executor) =>
  loadAggregate(ctx, entryStream(entryId), entryDecider, ex);

type Application = {
  application_id: string;
  client_id: string;
  service_type: ServiceTypeCode;
  municipality: string;
  submitted_on: string;
  referral_required: boolean;
  referral_on: string | null;
};

/**
 * Lists the client's open applications for a service type once the outcome in effect is eligible:
 * dated by the referral (or the application, where none is needed). Called from both sides, so the
 * later of the application and the determination lists it.
 */
export async function listIfEligible(
  ctx: ServiceContext,
  tx: Tx,
  clientId: string,
  type: string,
  cause: Cause,
) {
  const s = (t: string) => sql.id(ctx.store.schema, t);
  // the application (intake's consumer) and the outcome (eligibility's) arrive in two transactions, each
  // writing its row then looking for the other's: without this lock, held to commit, both could look
  // before the other commits and neither list the entry. A removal takes the same lock (see
  // removeEntries), so a listing never reads an application or outcome a removal is changing.
  await lockClients(ctx, tx, [clientId]);
  const { rows } = await sql<Application>`SELECT a.application_id::text, a.client_id::text, a.service_type,
      a.municipality, a.submitted_on::text, a.referral_required, a.referral_on::text
    FROM ${s('applications')} a JOIN ${s('eligibility')} e ON e.client_id = a.client_id AND e.service_type = a.service_type
    WHERE a.client_id = ${clientId}::uuid AND a.service_type = ${type} AND a.open AND e.outcome = 'eligible'`.execute(
    tx,
  );
  for (const a of rows) {
    if (a.referral_required && !a.referral_on) continue;
    await decideIn(
      ctx,
      tx,
      entryRef(a.application_id),
      entryDecider,
      {
        type: 'List',
        entryId: a.application_id,
        clientId: a.client_id,
        serviceType: a.service_type,
        municipality: a.municipality,
        listedOn: a.referral_on ?? a.submitted_on,
      },
      cause,
    );
  }
}

/**
 * Takes entries off their lists (and frees any place held for their open offer). Under the client's
 * listing lock, as listIfEligible: a withdrawal, a lapse or a death handled by one consumer while the
 * other lists the same client either waits for the listing to commit (and then sees the entry listed)
 * or makes the listing wait (which then sees the application closed or the outcome changed); without
 * it each could read before the other commits and the entry stay listed. The offers' sites are locked
 * next, before anything is appended, in the order every admission takes them.
 */
export async function removeEntries(
  ctx: ServiceContext,
  tx: Tx,
  where: { clientId: string; serviceType?: string; applicationId?: string },
  removal: { on: LocalDate; reason: Extract<EntryCommand, { type: 'Remove' }>['reason'] },
  cause: Cause,
  /** The caller holds the client's listing lock already (an admission's unit of work takes it first). */
  held: { clientLocked?: true } = {},
) {
  if (!held.clientLocked) await lockClients(ctx, tx, [where.clientId]);
  const { rows } = await sql<{ application_id: string }>`SELECT application_id::text
    FROM ${sql.id(ctx.store.schema, 'applications')} WHERE client_id = ${where.clientId}::uuid
      ${where.serviceType ? sql`AND service_type = ${where.serviceType}` : sql``}
      ${where.applicationId ? sql`AND application_id = ${where.applicationId}::uuid` : sql``}`.execute(tx);
  const entries: Entry[] = [];
  for (const { application_id } of rows) entries.push((await loadEntry(ctx, application_id, tx)).state);
  await lockSites(
    tx,
    entries.flatMap((e) => (e.status === 'waiting' && e.offer ? [e.offer.siteId] : [])),
  );
  for (const { application_id } of rows) {
    const r = await decideIn(
      ctx,
      tx,
      entryRef(application_id),
      entryDecider,
      { type: 'Remove', ...removal },
      cause,
    );
    const offer = r.events.length > 0 ? r.before.offer : undefined;
    if (offer) await releaseReservation(ctx, tx, offer.siteId, offer.offerId, cause);
  }
}

/**
 * The sites holding a place for the client's open or accepted offers, as the list shows them: an
 * admission locks them with its own site, in the one sorted order, since taking the person off the
 * list frees those places (an offer made a moment ago and not yet listed is locked second).
 */
export async function offerSitesOf(ctx: ServiceContext, clientId: string): Promise<string[]> {
  const { rows } = await sql<{ site_id: string }>`SELECT DISTINCT offer_site_id::text AS site_id
    FROM ${sql.id(ctx.store.schema, 'waiting_list')}
    WHERE client_id = ${clientId}::uuid AND offer_site_id IS NOT NULL AND removed_on IS NULL`.execute(
    ctx.store.db,
  );
  return rows.map((r) => r.site_id);
}

async function releaseReservation(
  ctx: ServiceContext,
  tx: Tx,
  siteId: string,
  offerId: string,
  cause: Cause,
) {
  await withLedgers(
    ctx,
    [siteId],
    (t) => decideSite(ctx, t, siteId, { type: 'ReleaseReservation', offerId }, cause),
    tx,
  );
}

type WaitingRow = {
  entry_id: string;
  client_id: string;
  service_type: ServiceTypeCode;
  municipality: string;
  listed_on: string;
  priority_class: 'crisis' | 'standard';
  crisis: z.infer<typeof CrisisKind> | null;
  sheet: Waiting['sheet'] | null;
  moved_to_end_on: string | null;
  offer_id: string | null;
  offer_site_id: string | null;
  offer_status: 'open' | 'accepted' | null;
  offer_expires_after: string | null;
  admit_by: string | null;
};

/**
 * A municipality's waiting list for a service type in order, as of a date; with a site, only those
 * who prefer it or have no preference.
 */
export async function rankedList(
  ctx: ServiceContext,
  ex: Executor,
  list: { municipality: string; serviceType: string; siteId?: string | undefined },
  asOf: LocalDate,
  knownAt?: string,
) {
  const { rows } = await sql<WaitingRow>`SELECT entry_id::text, client_id::text, service_type, municipality,
      listed_on::text, priority_class, crisis, sheet, moved_to_end_on::text, offer_id::text, offer_site_id::text,
      offer_status, offer_expires_after::text, admit_by::text
    FROM ${asKnown(ctx.store.schema, 'waiting_list', knownAt)} AS w
    WHERE municipality = ${list.municipality} AND service_type = ${list.serviceType}
      AND listed_on <= ${asOf}::date AND (removed_on IS NULL OR removed_on > ${asOf}::date)
      ${list.siteId ? sql`AND (preferred_site_id IS NULL OR preferred_site_id = ${list.siteId}::uuid)` : sql``}`.execute(
    ex,
  );
  const weights = placementParameters(list.municipality, asOf).socialHousingPoints;
  return rank(
    rows.map((r) => ({
      ...r,
      entryId: r.entry_id,
      serviceType: r.service_type,
      listedOn: r.listed_on,
      priorityClass: r.priority_class,
      crisis: r.crisis ?? undefined,
      sheet: r.sheet ?? undefined,
      movedToEndOn: r.moved_to_end_on ?? undefined,
    })),
    asOf,
    weights,
  );
}

/**
 * The first in line for a site among those holding no offer, as their own streams say (the list may
 * not show an offer made a moment ago).
 */
async function nextInLine(
  ctx: ServiceContext,
  ex: Executor,
  site: { siteId: string; serviceType: string; municipality: string },
  on: LocalDate,
) {
  for (const candidate of await rankedList(ctx, ex, site, on)) {
    if (candidate.offer_id !== null) continue;
    const { state } = await loadEntry(ctx, candidate.entryId, ex);
    if (state.status === 'waiting' && !state.offer) return candidate.entryId;
  }
  return undefined;
}

export type OfferInput = {
  siteId: string;
  entryId?: string | undefined;
  from: LocalDate;
  justification?: { text: string; supervisor: string } | undefined;
};

/**
 * Offers a vacancy at a site to the next in line (or, with a supervisor's written justification, to
 * someone else): the place is held for them in the site's ledger until they answer.
 */
export async function makeOffer(ctx: ServiceContext, input: OfferInput, cause: Cause) {
  const offerId = ctx.newId();
  const madeOn = sofiaDate(ctx.clock());
  return withLedgers(ctx, [input.siteId], async (tx) => {
    const [{ state: site }] = (await loadSites(ctx, tx, [input.siteId])) as [LoadedSite];
    const o = site.opened;
    if (!o) throw missing('the site');
    const next = await nextInLine(ctx, tx, o, madeOn);
    const entryId = input.entryId ?? next;
    if (!entryId) throw conflictWith('NOBODY_WAITING', 'nobody is waiting for a place at this site');
    const { state: entry } = await loadEntry(ctx, entryId, tx);
    if (!entry.listed) throw missing('the waiting-list entry');
    if (entry.listed.serviceType !== o.serviceType || entry.listed.municipality !== o.municipality)
      throw conflictWith('WRONG_LIST', 'the entry waits for another service type or municipality');
    // the place first: with none free, nobody's entry is touched
    await decideSite(
      ctx,
      tx,
      input.siteId,
      { type: 'ReservePlace', offerId, clientId: entry.listed.clientId, from: input.from },
      cause,
    );
    const params = placementParameters(o.municipality, madeOn);
    const made = await decideIn(
      ctx,
      tx,
      entryRef(entryId),
      entryDecider,
      {
        type: 'MakeOffer',
        offerId,
        siteId: input.siteId,
        from: input.from,
        madeOn,
        expiresAfter: addWorkingDays(madeOn, params.offerExpiryWorkingDays),
        outOfTurn: entryId !== next,
        justification: input.justification,
      },
      cause,
    );
    await sql`INSERT INTO ${sql.id(ctx.store.schema, 'offer_index')} (offer_id, entry_id, site_id)
      VALUES (${offerId}::uuid, ${entryId}::uuid, ${input.siteId}::uuid)`.execute(tx);
    return { offerId, entry: made.state, version: made.version };
  });
}

/** An answer to an offer: accepted (admission due within the configured days) or declined with a reason. */
export async function answerOffer(
  ctx: ServiceContext,
  offerId: string,
  answer:
    | { type: 'Accept' }
    | { type: 'Decline'; reason: Extract<EntryCommand, { type: 'Decline' }>['reason']; validReason: boolean }
    | { type: 'Expire' },
  cause: Cause,
): Promise<{ entryId: string; entry: Entry; version: number; changed: boolean }> {
  const entryId = await entryOfOffer(ctx, ctx.store.db, offerId);
  const { state } = await loadEntry(ctx, entryId);
  const listed = state.listed!;
  const on = sofiaDate(ctx.clock());
  const params = placementParameters(listed.municipality, on);
  const siteId = state.offer?.offerId === offerId ? state.offer.siteId : undefined;
  return withLedgers(ctx, siteId ? [siteId] : [], async (tx) => {
    const command: EntryCommand =
      answer.type === 'Accept'
        ? // counted from acceptance, or from the offered date when the place is free only later
          {
            type: 'Accept',
            offerId,
            on,
            admitBy: addDays(latest(on, state.offer?.from ?? on), params.admissionWithinDays),
          }
        : answer.type === 'Decline'
          ? { ...answer, offerId, on, declinesBeforeMove: params.declinesBeforeDemotion }
          : { type: 'Expire', on, declinesBeforeMove: params.declinesBeforeDemotion };
    const r = await decideIn(ctx, tx, entryRef(entryId), entryDecider, command, cause);
    if (answer.type !== 'Accept' && r.events.length > 0 && siteId)
      await releaseReservation(ctx, tx, siteId, offerId, cause);
    return { entryId, entry: r.state, version: r.version, changed: r.events.length > 0 };
  });
}

/** Offers nobody answered by their last working day, as of today. */
export async function expiredOffers(ctx: ServiceContext): Promise<string[]> {
  const { rows } = await sql<{
    offer_id: string;
  }>`SELECT offer_id::text FROM ${sql.id(ctx.store.schema, 'waiting_list')}
    WHERE offer_status = 'open' AND offer_expires_after < ${sofiaDate(ctx.clock())}::date`.execute(
    ctx.store.db,
  );
  return rows.map((r) => r.offer_id);
}
