import { breaksRule, type LocalDate } from '@casework/contracts';
import type { Cause, ServiceContext } from '@casework/service-kit';
import { attendanceDecider, isoWeekday } from '../domain/attendance.js';
import { decideIn } from './decideIn.js';
import { withSiteLocks } from './locks.js';
import { clientOfPlacement } from './lookups.js';
import { loadPlacements } from './stays.js';
import { attendanceStream } from './streams.js';

/** A day's register at a day centre: every record in one transaction, or none. */
export async function recordAttendance(
  ctx: ServiceContext,
  siteId: string,
  date: LocalDate,
  records: readonly { placementId: string; attended: boolean }[],
  cause: Cause,
) {
  return withSiteLocks(ctx, [], async (tx) => {
    const out = [];
    for (const r of records) {
      const clientId = await clientOfPlacement(ctx, r.placementId, tx);
      const stay = (await loadPlacements(ctx, clientId, tx)).state.stays.get(r.placementId)!;
      if (stay.siteId !== siteId)
        throw breaksRule('NOT_AT_SITE', `placement ${r.placementId} is at another site`);
      await decideIn(
        ctx,
        tx,
        { streamId: attendanceStream(r.placementId, date), streamType: 'attendance' },
        attendanceDecider,
        { type: 'Record', clientId, placementId: r.placementId, stay, date, attended: r.attended },
        cause,
      );
      const expected = stay.weekdays?.includes(isoWeekday(date)) ?? true;
      out.push({ placementId: r.placementId, clientId, date, attended: r.attended, expected });
    }
    return out;
  });
}
