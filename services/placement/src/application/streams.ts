import { placementServiceEvents } from '@casework/contracts';
import { byName } from '@casework/service-kit';

export const definitions = byName(placementServiceEvents);
export const siteStream = (siteId: string) => `site-${siteId}`;
export const placementStream = (clientId: string) => `placements-${clientId}`;
export const entryStream = (entryId: string) => `entry-${entryId}`;
export const taskStream = (taskId: string) => `task-${taskId}`;
