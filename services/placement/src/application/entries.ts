import type { LocalDate, ServiceTypeCode } from '@casework/contracts';
import type { Executor, Tx } from '@casework/eventstore';
import { type Cause, loadAggregate, type ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import { type Entry, type EntryCommand, entryDecider } from '../domain/entry.js';
import { decideIn } from './decideIn.js';
import { lockClients, lockSites, withSiteLocks } from './locks.js';
import { decideSite } from './siteState.js';
import { entryStream } from './streams.js';

// Waiting-list entries: listed when a client is eligible and has applied, and taken off.

export const entryRef = (entryId: string) => ({ streamId: entryStream(entryId), streamType: 'entry' });

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
  /**
   * The caller holds the client's listing lock already (an admission's unit of work takes it first),
   * and has read, under it, the applications `where` names.
   */
  held: { clientLocked?: true; applications?: readonly string[] } = {},
) {
  if (!held.clientLocked) await lockClients(ctx, tx, [where.clientId]);
  const rows = held.applications
    ? held.applications.map((application_id) => ({ application_id }))
    : (
        await ctx.store.prepared(
          sql<{ application_id: string }>`SELECT application_id::text
          FROM ${sql.id(ctx.store.schema, 'applications')} WHERE client_id = ${where.clientId}::uuid
            ${where.serviceType ? sql`AND service_type = ${where.serviceType}` : sql``}
            ${where.applicationId ? sql`AND application_id = ${where.applicationId}::uuid` : sql``}`,
          tx,
        )
      ).rows;
  const entries: Entry[] = [];
  for (const { application_id } of rows) entries.push((await loadEntry(ctx, application_id, tx)).state);
  await lockSites(
    ctx,
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
  const { rows } = await ctx.store.prepared(
    sql<{ site_id: string }>`SELECT DISTINCT offer_site_id::text AS site_id
    FROM ${sql.id(ctx.store.schema, 'waiting_list')}
    WHERE client_id = ${clientId}::uuid AND offer_site_id IS NOT NULL AND removed_on IS NULL`,
  );
  return rows.map((r) => r.site_id);
}

export async function releaseReservation(
  ctx: ServiceContext,
  tx: Tx,
  siteId: string,
  offerId: string,
  cause: Cause,
) {
  await withSiteLocks(
    ctx,
    [siteId],
    (t) => decideSite(ctx, t, siteId, { type: 'ReleaseReservation', offerId }, cause),
    tx,
  );
}
