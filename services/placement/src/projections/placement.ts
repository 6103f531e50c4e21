import type { Projection, RecordedEvent, Tx } from '@casework/eventstore';
import { oblastOf } from '@casework/reference-data';
import { type RawBuilder, sql } from 'kysely';
import type { AttendanceEvent } from '../domain/attendance.js';
import type { PlacementEvent } from '../domain/clientPlacements.js';
import type { EntryEvent } from '../domain/entry.js';
import type { SiteEvent } from '../domain/site.js';
import type { TaskEvent } from '../domain/task.js';
import { applyLedger, LEDGER_EVENTS } from './ledger.js';

type Event = (SiteEvent | PlacementEvent | EntryEvent | TaskEvent | AttendanceEvent) & {
  recordedAt: string;
  eventId: string;
};

/**
 * Sites, their effective-dated capacity and suspensions, and the capacity ledger (a row per version of
 * each stay, see ledger.ts), the current record of every placement, the waiting lists, absences,
 * attendance and tasks. Occupancy on any date is a count, as of any time we knew it.
 */
export const placementProjection = (schema: string): Projection => {
  const t = (name: string) => sql.id(schema, name);

  /** A new version of a waiting-list entry (the trigger keeps the one it replaces). */
  const entry = (e: Event, entryId: string, set: RawBuilder<unknown>) =>
    sql`UPDATE ${t('waiting_list')} SET ${set}, recorded_at = ${e.recordedAt}::timestamptz
      WHERE entry_id = ${entryId}::uuid`;

  async function apply(e: Event, tx: Tx): Promise<void> {
    switch (e.type) {
      case 'SiteOpened': {
        const d = e.data;
        await sql`INSERT INTO ${t('sites')} (site_id, name, service_type, municipality, oblast, address, provider,
            funding, opened_on, recorded_at)
          VALUES (${d.siteId}::uuid, ${d.name}, ${d.serviceType}, ${d.municipality}, ${oblastOf(d.municipality) ?? ''},
            ${d.address}, ${d.provider}, ${d.funding}, ${d.openedOn}::date, ${e.recordedAt}::timestamptz)`.execute(
          tx,
        );
        await sql`INSERT INTO ${t('site_capacity')} (site_id, valid_from, places, recorded_at)
          VALUES (${d.siteId}::uuid, ${d.openedOn}::date, ${d.places}, ${e.recordedAt}::timestamptz)`.execute(
          tx,
        );
        return;
      }
      case 'CapacityChanged': {
        const d = e.data;
        await sql`UPDATE ${t('site_capacity')} SET superseded_at = ${e.recordedAt}::timestamptz
          WHERE site_id = ${d.siteId}::uuid AND valid_from = ${d.from}::date AND superseded_at IS NULL`.execute(
          tx,
        );
        await sql`INSERT INTO ${t('site_capacity')} (site_id, valid_from, places, recorded_at)
          VALUES (${d.siteId}::uuid, ${d.from}::date, ${d.places}, ${e.recordedAt}::timestamptz)`.execute(tx);
        return;
      }
      case 'SiteSuspended':
        await sql`INSERT INTO ${t('site_suspensions')} (site_id, valid_from, reason)
          VALUES (${e.data.siteId}::uuid, ${e.data.from}::date, ${e.data.reason})`.execute(tx);
        return;
      case 'SiteResumed':
        await sql`UPDATE ${t('site_suspensions')} SET valid_to = ${e.data.from}::date
          WHERE site_id = ${e.data.siteId}::uuid AND valid_to IS NULL`.execute(tx);
        return;
      case 'SiteClosed':
        await sql`UPDATE ${t('sites')} SET closed_on = ${e.data.on}::date WHERE site_id = ${e.data.siteId}::uuid`.execute(
          tx,
        );
        return;
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
      case 'AbsenceStarted': {
        const d = e.data;
        await sql`INSERT INTO ${t('absences')} (absence_id, placement_id, client_id, site_id, municipality, kind, valid_from)
          VALUES (${d.absenceId}::uuid, ${d.placementId}::uuid, ${d.clientId}::uuid, ${d.siteId}::uuid, ${d.municipality},
            ${d.kind}, ${d.from}::date)`.execute(tx);
        return;
      }
      case 'AbsenceEnded':
        await sql`UPDATE ${t('absences')} SET returned_on = ${e.data.returnedOn}::date
          WHERE absence_id = ${e.data.absenceId}::uuid`.execute(tx);
        return;
      case 'AttendanceRecorded': {
        const d = e.data;
        await sql`INSERT INTO ${t('attendance')} (placement_id, day, client_id, site_id, municipality, attended, expected,
            recorded_at)
          VALUES (${d.placementId}::uuid, ${d.date}::date, ${d.clientId}::uuid, ${d.siteId}::uuid, ${d.municipality},
            ${d.attended}, ${d.expected}, ${e.recordedAt}::timestamptz)
          ON CONFLICT (placement_id, day) DO UPDATE SET attended = excluded.attended,
            recorded_at = excluded.recorded_at`.execute(tx);
        return;
      }
      case 'TaskOpened': {
        const d = e.data;
        await sql`INSERT INTO ${t('tasks')} (task_id, kind, client_id, placement_id, municipality, opened_on, detail, caused_by,
            recorded_at)
          VALUES (${d.taskId}::uuid, ${d.kind}, ${d.clientId}::uuid, ${d.placementId ?? null}::uuid, ${d.municipality},
            ${d.on}::date, ${d.detail}, ${d.causedBy ?? null}::uuid, ${e.recordedAt}::timestamptz)`.execute(
          tx,
        );
        return;
      }
      case 'TaskClosed':
        await sql`UPDATE ${t('tasks')} SET closed_on = ${e.data.on}::date, closing_note = ${e.data.note},
            recorded_at = ${e.recordedAt}::timestamptz
          WHERE task_id = ${e.data.taskId}::uuid`.execute(tx);
        return;
      default:
        return;
    }
  }

  return {
    name: 'placement',
    handles: [
      'SiteOpened',
      'CapacityChanged',
      'SiteSuspended',
      'SiteResumed',
      'SiteClosed',
      'Admitted',
      'Transferred',
      'TermRenewed',
      'Discharged',
      'WaitingListed',
      'PriorityClassSet',
      'EntryScored',
      'OfferMade',
      'OfferAccepted',
      'OfferDeclined',
      'OfferExpired',
      'EntryMovedToEnd',
      'WaitingListEntryRemoved',
      'TaskOpened',
      'TaskClosed',
      'AbsenceStarted',
      'AbsenceEnded',
      'AttendanceRecorded',
    ],
    async applyBatch(batch: RecordedEvent[], tx) {
      const events = batch.map(
        (ev) => ({ type: ev.type, data: ev.data, recordedAt: ev.recordedAt, eventId: ev.eventId }) as Event,
      );
      // stays have tables of their own: applying them together, apart from the rest, changes no outcome
      await applyLedger(schema, events.filter((e) => LEDGER_EVENTS.has(e.type)) as never, tx);
      for (const e of events) if (!LEDGER_EVENTS.has(e.type)) await apply(e, tx);
    },
    async reset(tx) {
      await sql`TRUNCATE ${t('sites')}, ${t('site_capacity')}, ${t('site_suspensions')}, ${t('stays')},
        ${t('waiting_list')}, ${t('waiting_list_history')}, ${t('tasks')}, ${t('tasks_history')}, ${t('absences')},
        ${t('attendance')}, ${t('attendance_history')}`.execute(tx);
    },
  };
};
