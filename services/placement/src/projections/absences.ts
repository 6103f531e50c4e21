import type { Projection, Tx } from '@casework/eventstore';
import { sql } from 'kysely';
import type { PlacementEvent } from '../domain/clientPlacements.js';
import { type Recorded, recorded } from './recorded.js';

type Event = Recorded<PlacementEvent>;

/**
 * Absences from placements: started, and ended on the day back.
 */
export const absencesProjection = (schema: string): Projection => {
  const t = (name: string) => sql.id(schema, name);

  async function apply(e: Event, tx: Tx): Promise<void> {
    switch (e.type) {
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
      default:
        return;
    }
  }

  return {
    name: 'absences',
    handles: ['AbsenceStarted', 'AbsenceEnded'],
    async apply(event, tx) {
      await apply(recorded<PlacementEvent>(event), tx);
    },
    async reset(tx) {
      await sql`TRUNCATE ${t('absences')}`.execute(tx);
    },
  };
};
