import { placementServiceEvents } from '@casework/contracts';
import { byName } from '@casework/service-kit';

export const definitions = byName(placementServiceEvents);
export const siteStream = (siteId: string) => `site-${siteId}`;
export const placementStream = (clientId: string) => `placements-${clientId}`;
export const entryStream = (entryId: string) => `entry-${entryId}`;
export const taskStream = (taskId: string) => `task-${taskId}`;
/** A month of one enrolment's attendance, so a long enrolment's register never loads in one piece. */
export const attendanceStream = (placementId: string, date: string) =>
  `attendance-${placementId}-${date.slice(0, 7)}`;
