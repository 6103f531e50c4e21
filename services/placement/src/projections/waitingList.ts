import type { Projection, Tx } from '@casework/eventstore';
import { oblastOf } from '@casework/reference-data';
import { type RawBuilder, sql } from 'kysely';
import type { EntryEvent } from '../domain/entry.js';
import { type Recorded, recorded } from './recorded.js';

type Event = Recorded<EntryEvent>;

/**
 * The waiting list: an entry per client and service type, with its priority, points, offer and removal; every
 * version a later event replaced is kept in `waiting_list_history` (a trigger), so it is known at any time.
 */
export const waitingListProjection = (schema: string): Projection => {
  const t = (name: string) => sql.id(schema, name);

  /** A new version of a waiting-list entry (the trigger keeps the one it replaces). */
  const entry = (e: Event, entryId: string, set: RawBuilder<unknown>) =>
    sql`UPDATE ${t('waiting_list')} SET ${set}, recorded_at = ${e.recordedAt}::timestamptz
      WHERE entry_id = ${entryId}::uuid`;

  async function apply(e: Event, tx: Tx): Promise<void> {
    switch (e.type) {
      case 'WaitingListed': {
        const d = e.data;
        // a re-listed entry (eligible again) keeps its place in line: its date, class and points
        await sql`INSERT INTO ${t('waiting_list')} (entry_id, client_id, service_type, municipality, oblast,
            preferred_site_id, listed_on, recorded_at)
          VALUES (${d.entryId}::uuid, ${d.clientId}::uuid, ${d.serviceType}, ${d.municipality},
            ${oblastOf(d.municipality) ?? ''}, ${d.preferredSiteId ?? null}::uuid, ${d.listedOn}::date,
            ${e.recordedAt}::timestamptz)
          ON CONFLICT (entry_id) DO UPDATE SET removed_on = NULL, removal_reason = NULL,
            recorded_at = EXCLUDED.recorded_at`.execute(tx);
        return;
      }
      case 'PriorityClassSet':
        await entry(
          e,
          e.data.entryId,
          sql`priority_class = ${e.data.priorityClass}, crisis = ${e.data.crisis ?? null}`,
        ).execute(tx);
        return;
      case 'EntryScored':
        await entry(e, e.data.entryId, sql`sheet = ${JSON.stringify(e.data.sheet)}::jsonb`).execute(tx);
        return;
      case 'OfferMade':
        await entry(
          e,
          e.data.entryId,
          sql`offer_id = ${e.data.offerId}::uuid, offer_site_id = ${e.data.siteId}::uuid, offer_status = 'open',
            offer_expires_after = ${e.data.expiresAfter}::date, admit_by = NULL`,
        ).execute(tx);
        return;
      case 'OfferAccepted':
        await entry(
          e,
          e.data.entryId,
          sql`offer_status = 'accepted', admit_by = ${e.data.admitBy}::date`,
        ).execute(tx);
        return;
      case 'OfferDeclined':
      case 'OfferExpired':
        await entry(
          e,
          e.data.entryId,
          sql`offer_id = NULL, offer_site_id = NULL, offer_status = NULL, offer_expires_after = NULL,
            declines = ${e.data.declinesWithoutValidReason}`,
        ).execute(tx);
        return;
      case 'EntryMovedToEnd':
        await entry(e, e.data.entryId, sql`moved_to_end_on = ${e.data.on}::date, declines = 0`).execute(tx);
        return;
      case 'WaitingListEntryRemoved':
        await entry(
          e,
          e.data.entryId,
          sql`removed_on = ${e.data.on}::date, removal_reason = ${e.data.reason}, offer_id = NULL,
            offer_site_id = NULL, offer_status = NULL, offer_expires_after = NULL`,
        ).execute(tx);
        return;
      default:
        return;
    }
  }

  return {
    name: 'waiting-list',
    handles: [
      'WaitingListed',
      'PriorityClassSet',
      'EntryScored',
      'OfferMade',
      'OfferAccepted',
      'OfferDeclined',
      'OfferExpired',
      'EntryMovedToEnd',
      'WaitingListEntryRemoved',
    ],
    async apply(event, tx) {
      await apply(recorded<EntryEvent>(event), tx);
    },
    async reset(tx) {
      await sql`TRUNCATE ${t('waiting_list')}, ${t('waiting_list_history')}`.execute(tx);
    },
  };
};
