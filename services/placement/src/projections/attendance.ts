import type { Projection, Tx } from '@casework/eventstore';
import { sql } from 'kysely';
import type { AttendanceEvent } from '../domain/attendance.js';
import { type Recorded, recorded } from './recorded.js';

type Event = Recorded<AttendanceEvent>;

/**
 * Day centres' attendance, a row per placement and day (a later record corrects the day; the version
 * replaced is kept in `attendance_history`).
 */
export const attendanceProjection = (schema: string): Projection => {
  const t = (name: string) => sql.id(schema, name);

  async function apply(e: Event, tx: Tx): Promise<void> {
    switch (e.type) {
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
      default:
        return;
    }
  }

  return {
    name: 'attendance',
    handles: ['AttendanceRecorded'],
    async apply(event, tx) {
      await apply(recorded<AttendanceEvent>(event), tx);
    },
    async reset(tx) {
      await sql`TRUNCATE ${t('attendance')}, ${t('attendance_history')}`.execute(tx);
    },
  };
};
