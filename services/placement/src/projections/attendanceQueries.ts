import type { ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import { asKnown } from './knownAt.js';

/** The attendance recorded at a site over a period, day by day and placement by placement. */
export async function attendanceAt(
  ctx: ServiceContext,
  siteId: string,
  from: string,
  to: string,
  knownAt: string | undefined,
) {
  const { rows } = await sql<{
    day: string;
    placement_id: string;
    client_id: string;
    attended: boolean;
    expected: boolean;
  }>`SELECT day::text, placement_id::text, client_id::text, attended, expected
    FROM ${asKnown(ctx.store.schema, 'attendance', knownAt)} AS a
    WHERE site_id = ${siteId}::uuid AND day BETWEEN ${from}::date AND ${to}::date
    ORDER BY a.day, a.placement_id`.execute(ctx.store.db);
  return rows.map((r) => ({
    date: r.day,
    placementId: r.placement_id,
    clientId: r.client_id,
    attended: r.attended,
    expected: r.expected,
  }));
}
