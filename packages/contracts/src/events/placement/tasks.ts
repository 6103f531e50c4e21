import { z } from 'zod';
import { MunicipalityCode } from '../../codes.js';
import { defineEvent } from '../../eventCatalogue.js';
import { CalendarDate } from '../../localDate.js';
import { ClientId } from '../intake/clients.js';
import { PlacementId } from './sites.js';

export const TaskId = z.uuid();
export const TaskKind = z.enum([
  'eligibility_lapsed',
  'moved_out_of_municipality',
  'absence_limit_exceeded',
  'offer_admission_overdue',
  'fees_in_arrears',
]);

export const TaskOpened = defineEvent({
  service: 'placement',
  name: 'TaskOpened',
  version: 1,
  published: false,
  description:
    "Something a case manager must act on: a resident's eligibility lapsed, they moved out of the " +
    'municipality, an absence passed the yearly limit, fees unpaid past the months the law allows. Placement never acts on these by itself.',
  schema: z.object({
    taskId: TaskId,
    kind: TaskKind,
    clientId: ClientId,
    placementId: PlacementId.optional(),
    municipality: MunicipalityCode,
    on: CalendarDate,
    detail: z.string(),
    causedBy: z.uuid().optional().meta({ description: 'The event that called for it' }),
  }),
});

export const TaskClosed = defineEvent({
  service: 'placement',
  name: 'TaskClosed',
  version: 1,
  published: false,
  description: 'The case manager dealt with the task.',
  schema: z.object({ taskId: TaskId, on: CalendarDate, note: z.string(), by: z.string() }),
});

export const taskEvents = [TaskOpened, TaskClosed] as const;
