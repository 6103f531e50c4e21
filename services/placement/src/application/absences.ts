import { daysBetween, type LocalDate, missing, sofiaDate } from '@casework/contracts';
import { placementParameters } from '@casework/reference-data';
import type { Cause, ServiceContext } from '@casework/service-kit';
import type { Absence } from '../domain/clientPlacements.js';
import { placementDecider } from '../domain/clientPlacements.js';
import { decideIn } from './decideIn.js';
import { withSiteLocks } from './locks.js';
import { clientOfPlacement } from './lookups.js';
import { placementStream } from './streams.js';
import { openTask } from './tasks.js';

/** Days of the absences in a calendar year that count towards the limit (hospital stays do not). */
export function countedDays(absences: readonly Absence[], year: number, today: LocalDate): number {
  const start = `${year}-01-01`;
  const end = `${year + 1}-01-01`;
  let days = 0;
  for (const a of absences) {
    if (a.kind === 'hospital') continue;
    const from = a.from > start ? a.from : start;
    const until = [a.returnedOn ?? today, end].sort()[0]!;
    if (until > from) days += daysBetween(from, until);
  }
  return days;
}

/**
 * Starts or ends a temporary absence (the place is kept). When an absence ends past the yearly limit,
 * a task is opened in the same transaction: placement never acts on it by itself.
 */
export async function recordAbsence(
  ctx: ServiceContext,
  placementId: string,
  change:
    | { type: 'start'; from: LocalDate; kind: Absence['kind'] }
    | { type: 'end'; absenceId: string; returnedOn: LocalDate },
  cause: Cause,
) {
  const clientId = await clientOfPlacement(ctx, placementId);
  const absenceId = change.type === 'start' ? ctx.newId() : change.absenceId;
  return withSiteLocks(ctx, [], async (tx) => {
    const r = await decideIn(
      ctx,
      tx,
      { streamId: placementStream(clientId), streamType: 'placements' },
      placementDecider,
      change.type === 'start'
        ? { type: 'StartAbsence', placementId, absenceId, from: change.from, kind: change.kind }
        : { type: 'EndAbsence', placementId, absenceId, returnedOn: change.returnedOn },
      cause,
    );
    const stay = r.state.stays.get(placementId);
    if (!stay) throw missing('the placement');
    const ended = r.events.find((e) => e.type === 'AbsenceEnded');
    if (ended?.type === 'AbsenceEnded' && ended.data.kind !== 'hospital') {
      const limit = placementParameters(stay.municipality, ended.data.from).absenceDaysPerYear;
      const year = Number(ended.data.from.slice(0, 4));
      const used = countedDays(stay.absences, year, sofiaDate(ctx.clock()));
      if (used > limit)
        await openTask(
          ctx,
          tx,
          {
            kind: 'absence_limit_exceeded',
            clientId,
            placementId,
            municipality: stay.municipality,
            on: ended.data.returnedOn,
            detail: `${used} days away in ${year} (hospital stays not counted), over the limit of ${limit}`,
          },
          cause,
        );
    }
    return { placementId, absenceId, state: r.state, version: r.version };
  });
}
