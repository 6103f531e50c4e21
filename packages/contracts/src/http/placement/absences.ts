import { z } from 'zod';
import { AbsenceKind } from '../../events/placement/placements.js';
import { PlacementId } from '../../events/placement/sites.js';
import { LocalDate } from '../../localDate.js';

// A placement's absences: started and ended.

export const AbsenceParams = z.object({ placementId: PlacementId, absenceId: z.uuid() });
export const StartAbsenceBody = z
  .object({ from: LocalDate, kind: AbsenceKind })
  .meta({ id: 'StartAbsence', example: { from: '2026-12-20', kind: 'holiday' } });
export const EndAbsenceBody = z
  .object({ returnedOn: LocalDate.meta({ description: 'The first day back' }) })
  .meta({ id: 'EndAbsence', example: { returnedOn: '2027-01-04' } });
