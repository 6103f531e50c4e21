import { z } from 'zod';
import { MunicipalityCode } from '../../codes.js';
import { ClientId } from '../../events/intake/clients.js';
import { PlacementId } from '../../events/placement/sites.js';
import { TaskId, TaskKind } from '../../events/placement/tasks.js';
import { LocalDate } from '../../localDate.js';
import { PageLimit } from '../paging.js';
import { AsOfQuery } from './asOf.js';
import { examplePlacementRecord } from './examples.js';

// Case managers' tasks: the list and the record, and closing one.

export const TaskParams = z.object({ taskId: TaskId });

export const TasksQuery = z.object({
  municipality: MunicipalityCode.optional(),
  open: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  clientId: ClientId.optional(),
  asOf: LocalDate.optional().meta({
    description: 'Tasks as they stood on this date: opened by it, and open or closed as of it',
  }),
  knownAt: AsOfQuery.shape.knownAt,
  limit: PageLimit,
  cursor: z.string().optional(),
});

const TaskItem = z.object({
  taskId: TaskId,
  kind: TaskKind,
  clientId: ClientId,
  placementId: PlacementId.optional(),
  municipality: MunicipalityCode,
  openedOn: LocalDate,
  detail: z.string(),
  closedOn: LocalDate.optional(),
  closingNote: z.string().optional(),
});

const exampleTask = {
  taskId: '0190a3c2-ae6f-7071-8283-5e6f708192a3',
  kind: 'eligibility_lapsed',
  clientId: examplePlacementRecord.clientId,
  placementId: examplePlacementRecord.placementId,
  municipality: 'BLG01',
  openedOn: '2026-11-23',
  detail: 'eligibility for protected_housing is ineligible from 2026-11-23: review the placement',
} as const;

export const TaskPage = z
  .object({ items: z.array(TaskItem), next: z.string().optional() })
  .meta({ id: 'TaskPage', example: { items: [exampleTask] } });
export const TaskRecord = TaskItem.meta({
  id: 'TaskRecord',
  example: { ...exampleTask, closedOn: '2026-11-24', closingNote: 'Reassessment booked' },
});
export const CloseTaskBody = z
  .object({ note: z.string().trim().min(1).max(2000) })
  .meta({ id: 'CloseTask', example: { note: 'Reassessment booked for 2026-12-02' } });
