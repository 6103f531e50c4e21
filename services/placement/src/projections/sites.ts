import type { Projection, Tx } from '@casework/eventstore';
import { oblastOf } from '@casework/reference-data';
import { sql } from 'kysely';
import type { SiteEvent } from '../domain/site.js';
import { type Recorded, recorded } from './recorded.js';

type Event = Recorded<SiteEvent>;

/**
 * Sites: their particulars, effective-dated capacity (`site_capacity`, each change superseding the row of its date as
 * recorded) and suspensions.
 */
export const sitesProjection = (schema: string): Projection => {
  const t = (name: string) => sql.id(schema, name);

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
      default:
        return;
    }
  }

  return {
    name: 'sites',
    handles: ['SiteOpened', 'CapacityChanged', 'SiteSuspended', 'SiteResumed', 'SiteClosed'],
    async apply(event, tx) {
      await apply(recorded<SiteEvent>(event), tx);
    },
    async reset(tx) {
      await sql`TRUNCATE ${t('sites')}, ${t('site_capacity')}, ${t('site_suspensions')}`.execute(tx);
    },
  };
};
